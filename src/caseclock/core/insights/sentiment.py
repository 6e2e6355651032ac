"""Sentiment of a customer comment: VADER's compound score, its band, and the words behind it.

VADER (``vaderSentiment``) is a rule-and-lexicon scorer tuned for short informal text; its
lexicon is a text file inside the package, read once when first needed: nothing is downloaded
and the same text always gets the same score. The score runs from -1 (most negative) to +1.

Bands put scores into five steps a person can read and a policy can count
(``sentiment_drop`` by two bands); the thresholds are VADER's own ±0.05 neutral zone widened,
because support mail is rarely neutral in VADER's strict sense.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from vaderSentiment.vaderSentiment import N_SCALAR, NEGATE, SentimentIntensityAnalyzer

from caseclock.core.insights.text import own_words

# (upper bound of the band's scores, band number, name); the last band takes the rest
BANDS: Final = (
    (-0.6, -2, "very negative"),
    (-0.2, -1, "negative"),
    (0.2, 0, "neutral"),
    (0.6, 1, "positive"),
)
_TOP_BAND: Final = (2, "very positive")
BAND_NAMES: Final = {number: name for _, number, name in BANDS} | {_TOP_BAND[0]: _TOP_BAND[1]}
DRIVERS: Final = 3  # the words kept as the score's reasons
_WORD: Final = re.compile(r"[a-z][a-z']*")
_NEGATIONS: Final = frozenset(NEGATE)


@dataclass(frozen=True, slots=True)
class Driver:
    """A word of the comment and its valence in context (negative pulls the score down)."""

    word: str
    valence: float


@dataclass(frozen=True, slots=True)
class Sentiment:
    score: float  # VADER compound, -1 .. +1
    band: int  # -2 .. +2, see ``BANDS``
    drivers: tuple[Driver, ...]

    @property
    def band_name(self) -> str:
        return BAND_NAMES[self.band]


def band_of(score: float) -> int:
    """The band (-2 .. +2) a compound score falls in."""
    for upper, number, _name in BANDS:
        if score < upper:
            return number
    return _TOP_BAND[0]


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads the lexicon shipped in the package, once


def _drivers(text: str, lexicon: dict[str, float]) -> tuple[Driver, ...]:
    words = _WORD.findall(text.casefold())
    found: dict[str, float] = {}
    for index, word in enumerate(words):
        valence = lexicon.get(word)
        if valence is None:
            continue
        if any(w in _NEGATIONS or w.endswith("n't") for w in words[max(0, index - 3) : index]):
            valence *= N_SCALAR
        if abs(valence) > abs(found.get(word, 0.0)):
            found[word] = valence
    ranked = sorted(found.items(), key=lambda item: (-abs(item[1]), item[0]))
    return tuple(Driver(word, round(valence, 2)) for word, valence in ranked[:DRIVERS])


def score_text(text: str) -> Sentiment:
    """The sentiment of ``text`` as written (quotes already removed)."""
    analyzer = _analyzer()
    score = round(float(analyzer.polarity_scores(text)["compound"]), 4)
    return Sentiment(score=score, band=band_of(score), drivers=_drivers(text, analyzer.lexicon))


def comment_sentiment(body: str | None) -> Sentiment | None:
    """The sentiment of a comment's own words (quoted reply text stripped); None when nothing
    is left to score."""
    words = own_words(body)
    return score_text(words) if words else None
