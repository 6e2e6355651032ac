"""Sentiment, urgency cues and quoted replies: what a comment's own words say."""

from __future__ import annotations

import pytest

from caseclock.core.insights.sentiment import band_of, comment_sentiment
from caseclock.core.insights.text import own_words, sentences
from caseclock.core.insights.urgency import RULES, urgency_cues


@pytest.mark.parametrize(
    "body",
    [
        "Still broken.\n\nOn Mon, 2 Mar 2026 at 10:00, Ana <ana@example.com> wrote:\n> Great news!",
        "Still broken.\n> Great news, all fixed, thanks!",
        "Still broken.\n-----Original Message-----\nFrom: Ana\nGreat news!",
        "Still broken.\n-- \nJo Bloggs, Great Company",
    ],
)
def test_quoted_reply_text_is_not_the_customers(body: str) -> None:
    """Everything from the first quote marker on (quoted lines, "On ... wrote:", Outlook
    headers, a signature) is dropped before scoring."""
    assert own_words(body) == "Still broken."


def test_sentiment_scores_bands_and_drivers() -> None:
    """A frustrated comment scores negative with the words that drove it; thanks score
    positive; the same text always gets the same score."""
    angry = comment_sentiment("This is terrible, we are losing money and nobody answers.")
    happy = comment_sentiment("Thanks a lot, it works great now.")
    assert angry is not None
    assert happy is not None
    assert angry.score < -0.2
    assert angry.band < 0
    assert {d.word for d in angry.drivers} >= {"terrible"}
    assert all(d.valence < 0 for d in angry.drivers)
    assert happy.band == 2
    assert happy.band_name == "very positive"
    assert comment_sentiment("Thanks a lot, it works great now.") == happy


def test_negated_words_drive_the_other_way() -> None:
    """ "not happy" is a negative driver, not a positive one."""
    scored = comment_sentiment("We are not happy with this.")
    assert scored is not None
    assert scored.drivers[0].word == "happy"
    assert scored.drivers[0].valence < 0


def test_nothing_to_score() -> None:
    """An empty comment, or one that is all quote, has no sentiment."""
    assert comment_sentiment(None) is None
    assert comment_sentiment("> only a quote") is None


@pytest.mark.parametrize(("score", "band"), [(-0.9, -2), (-0.3, -1), (0.0, 0), (0.3, 1), (0.6, 2)])
def test_bands(score: float, band: int) -> None:
    """Scores fall into five bands at -0.6, -0.2, 0.2 and 0.6."""
    assert band_of(score) == band


def test_urgency_cues_follow_the_documented_rules() -> None:
    """Each rule reports the words that matched, once, in the list's order."""
    cues = urgency_cues("5th time asking: production is down, fix it ASAP or I escalate.")
    assert [c.rule for c in cues] == ["outage", "asap", "repeat", "escalation"]
    assert cues[0].words == "production is down"
    assert urgency_cues("Thanks, all good.") == ()
    assert len({r.key for r in RULES}) == len(RULES)


def test_sentences() -> None:
    """Sentences split at end punctuation before a capital and at blank lines."""
    assert sentences("One. Two? Three!\n\nFour") == ["One.", "Two?", "Three!", "Four"]
