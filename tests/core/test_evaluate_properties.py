"""Properties of the evaluator over generated case timelines (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caseclock.core.evaluate import evaluate, evaluate_replay, replay_record
from caseclock.core.events import Event
from caseclock.core.milestones import OPEN_STATES
from caseclock.core.policy import Process, parse_document
from tests.core.evaluate_setup import B2B, CALENDARS, at

ORIGIN = at("2026-03-02T00:00:00-05:00")  # two weeks around the DST change of 2026-03-08
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)

CHANGES: list[tuple[str, dict[str, Any]]] = [
    ("comment", {"public": True, "author_role": "agent"}),
    ("comment", {"public": False, "author_role": "agent"}),
    ("comment", {"public": True, "author_role": "customer"}),
    ("status", {"status": "Waiting for Customer"}),
    ("status", {"status": "In Progress"}),
    ("status", {"status": "Investigating"}),
    ("owner", {"owner": "ana", "team": "L2"}),
    ("field", {"field": "l2_escalated", "value": True}),
    ("field", {"field": "l2_escalated", "value": None}),
    ("field", {"field": "root_cause", "value": "disk"}),
    ("field", {"field": "status", "value": "Investigating"}),  # a field event may set any field
    ("field", {"field": "status", "value": "Closed"}),
    ("field", {"field": "priority", "value": "P1"}),
    ("field", {"field": "owner", "value": "bo"}),
    ("field", {"field": "severity", "value": "high"}),  # read by no definition
    ("priority", {"priority": "P1"}),
    ("priority", {"priority": "P2"}),  # a downgrade cancels the P1-only milestones
    ("closed", {}),
    ("reopened", {}),
    ("override", {"milestone": "resolution", "extend": "2h", "by": "lee", "reason": "asked"}),
]


def _event(n: int, kind: str, when: datetime, data: dict[str, Any]) -> Event:
    return Event.model_validate(
        {"id": f"e{n}", "record": "C-1", "type": kind, "at": when.isoformat(), "data": data}
    )


@st.composite
def timelines(draw: st.DrawFn) -> tuple[str, list[Event], datetime]:
    """A process key, one case's events (created first) and an instant to evaluate at."""
    process = draw(st.sampled_from(["platinum", "gold", "standard"]))
    created = ORIGIN + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))
    priority = draw(st.sampled_from(["P1", "P2", "P3"]))
    events = [
        _event(0, "created", created, {"type": "case", "status": "New", "priority": priority})
    ]
    for n in range(1, draw(st.integers(0, 12)) + 1):
        kind, data = draw(st.sampled_from(CHANGES))
        offset = timedelta(minutes=draw(st.integers(1, 10 * 24 * 60)))
        events.append(_event(n, kind, created + offset, data))
    now = created + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))
    return process, events, now


def _evaluate(process: str, events: list[Event], now: datetime) -> list[Any]:
    return evaluate(B2B.processes[process], events, now, calendars=CALENDARS)


@PROPERTY_SETTINGS
@given(case=timelines(), data=st.data())
def test_evaluation_is_independent_of_arrival_order(
    case: tuple[str, list[Event], datetime], data: st.DataObject
) -> None:
    """Shuffled events, with duplicates, give exactly the same milestones."""
    process, events, now = case
    arrived = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events)))))
    assert _evaluate(process, list(arrived), now) == _evaluate(process, events, now)


@PROPERTY_SETTINGS
@given(case=timelines(), start=st.integers(0, 10 * 24 * 60), length=st.integers(1, 3 * 24 * 60))
def test_adding_a_pause_never_moves_a_deadline_earlier(
    case: tuple[str, list[Event], datetime], start: int, length: int
) -> None:
    """A pause_until override on resolution leaves every resolution deadline as late or later."""
    process, events, now = case
    begins = events[0].at + timedelta(minutes=start)
    pause = _event(
        99,
        "override",
        begins,
        {
            "milestone": "resolution",
            "pause_until": (begins + timedelta(minutes=length)).isoformat(),
            "by": "lee",
            "reason": "customer on holiday",
        },
    )
    late_enough = max(now, begins + timedelta(minutes=length))
    before = {(m.key, m.cycle): m for m in _evaluate(process, events, late_enough)}
    after = {(m.key, m.cycle): m for m in _evaluate(process, [*events, pause], late_enough)}
    for (key, cycle), m in before.items():
        if key != "resolution" or m.deadline is None:
            continue
        moved = after[key, cycle].deadline
        assert moved is None or moved >= m.deadline


@PROPERTY_SETTINGS
@given(case=timelines())
def test_elapsed_plus_remaining_is_the_target_while_open(
    case: tuple[str, list[Event], datetime],
) -> None:
    """For every open milestone, elapsed + remaining equals its (overridden) target."""
    process, events, now = case
    for m in _evaluate(process, events, now):
        if m.state in OPEN_STATES and m.target is not None:
            assert m.remaining is not None
            assert m.elapsed + m.remaining == m.target


@PROPERTY_SETTINGS
@given(case=timelines())
def test_deadline_is_reached_after_exactly_the_target(
    case: tuple[str, list[Event], datetime],
) -> None:
    """With nothing more happening, an open cycle has counted exactly its target at its deadline."""
    process, events, now = case
    known = [e for e in events if e.at <= now]
    for m in _evaluate(process, known, now):
        if m.state in OPEN_STATES and m.deadline is not None and m.deadline > now:
            later = {(x.key, x.cycle): x for x in _evaluate(process, known, m.deadline)}
            assert later[m.key, m.cycle].elapsed == m.target


@PROPERTY_SETTINGS
@given(case=timelines())
def test_skipping_unwatched_events_changes_nothing(
    case: tuple[str, list[Event], datetime],
) -> None:
    """Showing every event to every definition gives the same milestones as the fast path."""
    process, events, now = case
    chosen = B2B.processes[process]
    fast = replay_record(chosen, events, now, calendars=CALENDARS)
    slow = replay_record(chosen, events, now, calendars=CALENDARS, skipping=False)
    assert evaluate_replay(fast) == evaluate_replay(slow)


# Definitions whose idle and open conditions differ, so that the replay's finer skipping (an
# idle definition is shown only what can start, stop or pause it; a field event only to those
# reading its field) meets pauses carried into a cycle, resets, trigger stops and level starts.
SKIPPING_EDGES = Process.model_validate(
    parse_document(
        """
key: edges
name: Edges
calendar: us-east
milestones:
  - {key: investigating, target: 4h, recurrence: independent,
     start: {field: status, value: Investigating},
     complete: {on: status_leaves, value: Investigating},
     pause: {field: l2_escalated, op: is_set}}
  - {key: resettable, target: 8h,
     start: {on: created}, complete: {field: root_cause, op: is_set},
     reset: {on: owner_changed}, pause: {field: status, value: Waiting for Customer}}
  - {key: replies, target: 2h,
     start: {on: comment, public: true, author_role: customer},
     complete: {on: comment, public: true, author_role: agent},
     recurrence: {mode: repeat, until: {on: field_set, field: root_cause}}}
  - {key: l2_team, target: 1bd, recurrence: independent,
     applies_when: {field: team, value: L2},
     start: {on: field_set, field: l2_escalated},
     complete: {on: field_cleared, field: l2_escalated},
     pause: {field: status, value: Waiting for Customer}}
  - {key: mixed_start, target: 30m,
     start: {all: [{on: comment}, {field: status, value: Investigating}]},
     complete: {field: owner, op: is_set}}
"""
    )
)


@PROPERTY_SETTINGS
@given(case=timelines())
def test_skipping_is_exact_for_idle_definitions_and_unread_fields(
    case: tuple[str, list[Event], datetime],
) -> None:
    """The same as above on definitions built to stress the finer cuts of
    ``core.event_relevance``."""
    _, events, now = case
    fast = replay_record(SKIPPING_EDGES, events, now, calendars=CALENDARS)
    slow = replay_record(SKIPPING_EDGES, events, now, calendars=CALENDARS, skipping=False)
    assert evaluate_replay(fast) == evaluate_replay(slow)
