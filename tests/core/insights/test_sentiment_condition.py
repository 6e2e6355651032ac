"""``on: sentiment_below``: a policy can start (or warn on) a milestone when a customer writes
an unhappy comment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from caseclock.core.condition_spec import Condition
from caseclock.core.evaluate import evaluate
from caseclock.core.policy import Process, parse_document
from tests.core.evaluate_setup import CALENDARS, Timeline, at

UNHAPPY = Process.model_validate(
    parse_document(
        """
key: unhappy
name: Unhappy customers
calendar: us-east
milestones:
  - {key: calm_down, name: Call the unhappy customer, target: 2h,
     start: {on: sentiment_below, value: -0.4},
     complete: {on: comment, public: true, author_role: agent}}
"""
    )
)


def test_an_unhappy_customer_comment_starts_the_milestone() -> None:
    """A neutral comment and an agent's angry one start nothing; the customer's angry comment
    (its quoted reply ignored) starts the clock."""
    t = (
        Timeline()
        .created("2026-03-03T09:00:00-05:00")
        .add(
            "comment",
            "2026-03-03T09:10:00-05:00",
            public=True,
            author_role="customer",
            body="Hello, the export is slow.\n> This is terrible, awful, horrible",
        )
        .add(
            "comment",
            "2026-03-03T09:20:00-05:00",
            public=True,
            author_role="agent",
            body="This is terrible, sorry.",
        )
    )
    now = at("2026-03-03T10:00:00-05:00")
    found = evaluate(UNHAPPY, t.events, now, calendars=CALENDARS)
    assert [m.state.value for m in found] == ["pending"]
    t.add(
        "comment",
        "2026-03-03T09:30:00-05:00",
        public=True,
        author_role="customer",
        body="This is terrible. We are losing money and nobody helps.",
    )
    found = evaluate(UNHAPPY, t.events, now, calendars=CALENDARS)
    assert [(m.state.value, m.started_at) for m in found] == [
        ("running", at("2026-03-03T09:30:00-05:00"))
    ]


@pytest.mark.parametrize("value", [None, "negative", 2, True])
def test_the_threshold_is_a_score(value: object) -> None:
    """The value is a score between -1 and 1; anything else is refused with why."""
    with pytest.raises(ValidationError, match="between -1 and 1"):
        Condition.model_validate({"on": "sentiment_below", "value": value})
