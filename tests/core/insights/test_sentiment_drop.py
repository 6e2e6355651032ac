"""``on: sentiment_drop``: a policy can warn, then escalate, when a customer's mood falls by
two bands within their last few comments."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from caseclock.console.wording import describe as in_words
from caseclock.core.condition_spec import Condition, describe
from caseclock.core.evaluate import evaluate
from caseclock.core.milestones import MilestoneState, TimerKind
from caseclock.core.policy import Process, parse_document
from tests.core.evaluate_setup import CALENDARS, Timeline, at

FALLING = Process.model_validate(
    parse_document(
        """
key: falling
name: Falling mood
calendar: us-east
milestones:
  - key: win_back
    name: Call the customer whose mood fell
    target: 2h
    start: {on: sentiment_drop, within: 2}
    complete: {on: comment, public: true, author_role: agent}
    actions:
      warning: {share: 0.5, do: [{type: email, to: owner}]}
      violation: {do: [{type: email, to: team}]}
"""
    )
)

NEUTRAL = "Hello, the nightly export has not arrived yet. Can you check it?"
POSITIVE = "Thanks, that is great, the export works well now."
VERY_NEGATIVE = "This is terrible and awful. We are furious, nothing works and nobody helps."
NEGATIVE = "The export is late again, it is annoying."


def _customer(t: Timeline, when: str, body: str) -> Timeline:
    return t.add("comment", when, public=True, author_role="customer", body=body)


def _run(t: Timeline, now: str) -> list[tuple[str, object]]:
    found = evaluate(FALLING, t.events, at(now), calendars=CALENDARS)
    return [(m.state.value, m.started_at) for m in found]


def test_a_fall_of_two_bands_starts_the_clock_and_its_warning_and_violation() -> None:
    """Positive, then very negative: a drop of four bands at the second comment starts the
    milestone there, with its warning at half the target and the violation at its end."""
    t = Timeline().created("2026-03-03T09:00:00-05:00")
    _customer(t, "2026-03-03T09:10:00-05:00", POSITIVE)
    assert _run(t, "2026-03-03T09:20:00-05:00") == [("pending", None)]
    _customer(t, "2026-03-03T09:30:00-05:00", VERY_NEGATIVE)
    found = evaluate(FALLING, t.events, at("2026-03-03T09:40:00-05:00"), calendars=CALENDARS)
    [milestone] = found
    assert milestone.started_at == at("2026-03-03T09:30:00-05:00")
    timers = {x.kind: x.at for x in milestone.timers}
    assert timers[TimerKind.WARNING] == at("2026-03-03T10:30:00-05:00")
    assert timers[TimerKind.VIOLATION] == at("2026-03-03T11:30:00-05:00")
    late = evaluate(FALLING, t.events, at("2026-03-03T11:31:00-05:00"), calendars=CALENDARS)
    assert late[0].state is MilestoneState.VIOLATED


def test_a_fall_of_one_band_or_a_low_start_starts_nothing() -> None:
    """Neutral to negative is one band; a customer who was always very negative has not
    fallen; an agent's angry words are not the customer's."""
    t = Timeline().created("2026-03-03T09:00:00-05:00")
    _customer(t, "2026-03-03T09:10:00-05:00", NEUTRAL)
    _customer(t, "2026-03-03T09:20:00-05:00", NEGATIVE)
    t.add(
        "comment",
        "2026-03-03T09:25:00-05:00",
        public=True,
        author_role="agent",
        body=VERY_NEGATIVE,
    )
    assert _run(t, "2026-03-03T09:40:00-05:00") == [("pending", None)]
    low = Timeline().created("2026-03-03T09:00:00-05:00")
    _customer(low, "2026-03-03T09:10:00-05:00", VERY_NEGATIVE)
    _customer(low, "2026-03-03T09:20:00-05:00", VERY_NEGATIVE)
    assert _run(low, "2026-03-03T09:40:00-05:00") == [("pending", None)]


def test_only_the_last_few_comments_count() -> None:
    """With ``within: 2``, a neutral comment three scored comments back is out of reach: only
    the two scored comments before the angry one are compared (a quote-only reply has no band
    and is passed over)."""
    t = Timeline().created("2026-03-03T09:00:00-05:00")
    _customer(t, "2026-03-03T09:05:00-05:00", NEUTRAL)
    _customer(t, "2026-03-03T09:10:00-05:00", NEGATIVE)
    _customer(t, "2026-03-03T09:15:00-05:00", "> Thanks, that is great")
    _customer(t, "2026-03-03T09:20:00-05:00", NEGATIVE)
    _customer(t, "2026-03-03T09:30:00-05:00", VERY_NEGATIVE)
    assert _run(t, "2026-03-03T09:40:00-05:00") == [("pending", None)]
    near = Timeline().created("2026-03-03T09:00:00-05:00")
    _customer(near, "2026-03-03T09:05:00-05:00", NEUTRAL)
    _customer(near, "2026-03-03T09:15:00-05:00", "> Thanks, that is great")
    _customer(near, "2026-03-03T09:20:00-05:00", NEGATIVE)
    _customer(near, "2026-03-03T09:30:00-05:00", VERY_NEGATIVE)
    assert _run(near, "2026-03-03T09:40:00-05:00") == [("running", at("2026-03-03T09:30:00-05:00"))]


def test_events_out_of_order_give_the_same_answer() -> None:
    """The comments are compared in the order they happened, not the order received."""
    t = Timeline().created("2026-03-03T09:00:00-05:00")
    _customer(t, "2026-03-03T09:30:00-05:00", VERY_NEGATIVE)
    _customer(t, "2026-03-03T09:10:00-05:00", POSITIVE)
    assert _run(t, "2026-03-03T09:40:00-05:00") == [("running", at("2026-03-03T09:30:00-05:00"))]


def test_defaults_and_reading() -> None:
    """Two bands within three comments by default; the explanation names what was asked."""
    cond = Condition.model_validate({"on": "sentiment_drop"})
    assert (cond.bands, cond.within) == (None, None)
    assert describe(Condition.model_validate({"on": "sentiment_drop", "within": 5})) == (
        "on sentiment_drop (within=5)"
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"on": "sentiment_drop", "within": 0}, "'within' from 1 to 20"),
        ({"on": "sentiment_drop", "within": 21}, "'within' from 1 to 20"),
        ({"on": "sentiment_drop", "bands": 5}, "'bands' from 1 to 4"),
        ({"on": "sentiment_drop", "value": 2}, "takes no 'value'"),
        ({"on": "sentiment_drop", "within": "3"}, "valid integer"),
        ({"on": "sentiment_drop", "within": True}, "valid integer"),
        ({"on": "comment", "within": 3}, "takes no 'within'"),
        ({"field": "priority", "value": "P1", "bands": 2}, "takes no 'bands'"),
        ({"all": [{"on": "created"}], "within": 2}, "takes no 'within'"),
    ],
)
def test_a_bad_drop_is_refused_with_why(document: object, message: str) -> None:
    """Counts out of range, a value, text or a boolean for a count, or the drop's keys on
    another condition are refused, saying what is wanted."""
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(document)


def test_the_console_reads_it_in_words() -> None:
    """The policy pages say what the drop means, with the defaults filled in."""
    assert in_words(Condition.model_validate({"on": "sentiment_drop"})) == (
        "the customer's sentiment falls 2 bands within 3 comments"
    )
