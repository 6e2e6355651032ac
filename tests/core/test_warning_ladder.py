"""Warning ladders: several warnings per milestone, each a timer of its own sequence."""

from __future__ import annotations

import pytest

from caseclock.core.actions import Actions
from caseclock.core.milestones import TimerKind
from caseclock.core.policy import Process
from tests.core.evaluate_setup import B2B, Timeline, at, run

LADDER = [
    {"before": "3h", "do": [{"type": "chat", "endpoint": "team-chat"}]},
    {"before": "2h", "do": [{"type": "chat", "endpoint": "team-chat"}]},
    {"before": "1h", "do": [{"type": "email", "to": "team_lead"}]},
]


def _gold_with(warning: object) -> Process:
    doc = B2B.processes["gold"].model_dump(mode="json")
    resolution = next(m for m in doc["milestones"] if m["key"] == "resolution")
    resolution["actions"]["warning"] = warning
    return Process.model_validate(doc)


def test_a_ladder_plans_one_warning_timer_per_rung_in_sequence() -> None:
    """Three rungs 3 h, 2 h and 1 h before a Gold resolution deadline are three warning
    timers numbered 0, 1 and 2, at the business instants before the deadline."""
    process = _gold_with(LADDER)
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    resolution = run(process, t.events, "2026-04-06T09:00:00-04:00")["resolution", 1]
    warnings = [(x.sequence, x.at) for x in resolution.timers if x.kind is TimerKind.WARNING]
    assert resolution.deadline == at("2026-04-08T17:00:00-04:00")  # 24 business hours
    assert warnings == [
        (0, at("2026-04-08T14:00:00-04:00")),
        (1, at("2026-04-08T15:00:00-04:00")),
        (2, at("2026-04-08T16:00:00-04:00")),
    ]
    assert resolution.warning_at == at("2026-04-08T14:00:00-04:00")  # the first rung


def test_a_completion_drops_the_rungs_it_came_before() -> None:
    """Completing between the first and the second rung keeps only the first warning."""
    process = _gold_with(LADDER)
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add("closed", "2026-04-08T14:30:00-04:00")
    resolution = run(process, t.events, "2026-04-08T15:00:00-04:00")["resolution", 1]
    warnings = [x.sequence for x in resolution.timers if x.kind is TimerKind.WARNING]
    assert warnings == [0]


def test_the_single_warning_keeps_working_and_the_ladder_round_trips() -> None:
    """A mapping under warning is one rung; a list is the ladder, stored as warning plus
    warnings, and parses back to the same ladder."""
    single = Actions.model_validate({"warning": {"before": "30m"}})
    assert [w.before for w in single.ladder()] == ["30m"]
    ladder = Actions.model_validate({"warning": LADDER})
    assert [w.before for w in ladder.ladder()] == ["3h", "2h", "1h"]
    again = Actions.model_validate(ladder.model_dump(mode="json"))
    assert again == ladder


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"warning": []}, "at least one warning"),
        ({"warning": LADDER, "warnings": LADDER}, "not both"),
        ({"warning": [{"before": "1h"}] * 9}, "at most 7"),
    ],
)
def test_a_bad_ladder_is_refused_with_a_reason(document: object, message: str) -> None:
    """An empty ladder, a ladder given twice and one of more than eight rungs are refused."""
    with pytest.raises(ValueError, match=message):
        Actions.model_validate(document)
