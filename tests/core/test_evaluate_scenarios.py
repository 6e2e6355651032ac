"""Support teams' everyday scenarios, evaluated with the shipped B2B policy.

Weeks used: 2026-03-02..06 (EST, -05:00; DST begins Sunday 2026-03-08) and 2026-04-06..10
(EDT, -04:00), both without US federal holidays.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from caseclock.core.evaluate import evaluate
from caseclock.core.milestones import Health, MilestoneState, TimerKind, health
from caseclock.core.policy import Process
from caseclock.core.timers import next_timers
from tests.core.evaluate_setup import B2B, CALENDARS, Timeline, at, run

H = timedelta(hours=1)
M = timedelta(minutes=1)


def custom(base: str = "gold", **changes: Any) -> Process:
    """A copy of a B2B process with one milestone's document changed (by key), or added."""
    doc = B2B.processes[base].model_dump(mode="json")
    for key, patch in changes.items():
        found = [m for m in doc["milestones"] if m["key"] == key]
        if found:
            found[0].update(patch)
        else:
            doc["milestones"].append({"key": key, **patch})
    return Process.model_validate(doc)


def test_friday_1630_gold_first_response_resumes_monday() -> None:
    """Seed 001: a Gold case opened Friday 16:30 uses 30 minutes, then resumes Monday 09:00."""
    t = Timeline().created("2026-03-06T16:30:00-05:00", tier="Gold", priority="P2")
    ms = run("gold", t.events, "2026-03-09T10:00:00-04:00")
    first = ms["first_response", 1]
    assert first.deadline == at("2026-03-09T12:30:00-04:00")
    assert first.warning_at == at("2026-03-09T11:30:00-04:00")  # 75 % of 4 h
    assert first.state is MilestoneState.RUNNING
    assert first.elapsed == 90 * M
    assert first.remaining == 150 * M


def test_platinum_targets_two_and_eight_hours() -> None:
    """Seed 001: Platinum gets a first response in 2 h and a resolution in 8 h of business time."""
    t = Timeline().created("2026-04-06T10:00:00-04:00", tier="Platinum", priority="P2")
    ms = run("platinum", t.events, "2026-04-06T10:00:00-04:00")
    assert ms["first_response", 1].deadline == at("2026-04-06T12:00:00-04:00")
    assert ms["resolution", 1].deadline == at("2026-04-07T10:00:00-04:00")


def test_standard_next_business_day_and_five_business_days() -> None:
    """Seed 001: Standard responds by the end of the next business day and resolves in 5 days."""
    t = Timeline().created("2026-04-06T10:00:00-04:00", priority="P3")
    ms = run("standard", t.events, "2026-04-06T10:00:00-04:00")
    assert ms["first_response", 1].deadline == at("2026-04-07T17:00:00-04:00")
    assert ms["resolution", 1].deadline == at("2026-04-13T10:00:00-04:00")


def test_first_response_ignores_internal_notes_and_customer_comments() -> None:
    """Only a public comment by an agent completes the first response."""
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00")
        .add("comment", "2026-04-06T09:30:00-04:00", public=False, author_role="agent")
        .add("comment", "2026-04-06T09:40:00-04:00", public=True, author_role="customer")
        .add("comment", "2026-04-06T10:00:00-04:00", public=True, author_role="agent")
    )
    first = run("gold", t.events, "2026-04-06T12:00:00-04:00")["first_response", 1]
    assert first.state is MilestoneState.COMPLETED
    assert first.completed_at == at("2026-04-06T10:00:00-04:00")
    assert first.late is False
    assert first.elapsed == H


def test_assignment_with_an_owner_at_creation_completes_at_once() -> None:
    """An owner given on creation completes the assignment milestone with zero elapsed time."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", owner="ana")
    assignment = run("gold", t.events, "2026-04-06T12:00:00-04:00")["assignment", 1]
    assert assignment.state is MilestoneState.COMPLETED
    assert assignment.elapsed == timedelta(0)
    assert assignment.owner == "ana"


def test_waiting_for_customer_pauses_resolution_and_pushes_the_deadline() -> None:
    """Resolution pauses while Waiting for Customer; the deadline moves by the paused time."""
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00")
        .add("status", "2026-04-06T10:00:00-04:00", status="Waiting for Customer")
        .add("status", "2026-04-07T11:00:00-04:00", status="In Progress")
    )
    paused = run("gold", t.events, "2026-04-06T15:00:00-04:00")["resolution", 1]
    assert paused.state is MilestoneState.PAUSED
    assert paused.deadline is None  # unknown until the customer answers
    assert paused.remaining == 23 * H
    running = run("gold", t.events, "2026-04-07T12:00:00-04:00")["resolution", 1]
    assert running.state is MilestoneState.RUNNING
    assert running.elapsed == 2 * H
    assert running.paused == 9 * H  # Mon 10-17 and Tue 09-11 of open time
    assert running.deadline == at("2026-04-10T10:00:00-04:00")


def test_root_cause_starts_when_status_enters_investigating() -> None:
    """Seed 000: root cause analysis is due five business days after entering Investigating."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    assert run("gold", t.events, "2026-04-06T10:00:00-04:00")["root_cause", 1].state == "pending"
    t.add("status", "2026-04-06T11:00:00-04:00", status="Investigating")
    t.add("field", "2026-04-08T11:00:00-04:00", field="root_cause", value="expired certificate")
    rc = run("gold", t.events, "2026-04-09T10:00:00-04:00")["root_cause", 1]
    assert rc.started_at == at("2026-04-06T11:00:00-04:00")
    assert rc.deadline == at("2026-04-13T11:00:00-04:00")
    assert (rc.state, rc.late) == (MilestoneState.COMPLETED, False)


def test_l2_dwell_runs_per_escalation() -> None:
    """Seed 001: the L2 flag set -> cleared is one dwell; a second escalation is a new cycle."""
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00", team="L1")
        .add("field", "2026-04-06T10:00:00-04:00", field="l2_escalated", value=True)
        .add("owner", "2026-04-06T10:00:00-04:00", owner="bo", team="L2")
        .add("field", "2026-04-06T12:00:00-04:00", field="l2_escalated", value=None)
        .add("field", "2026-04-06T14:00:00-04:00", field="l2_escalated", value=True)
    )
    ms = run("gold", t.events, "2026-04-06T15:00:00-04:00")
    assert ms["l2_dwell", 1].state is MilestoneState.COMPLETED
    assert ms["l2_dwell", 1].elapsed == 2 * H
    assert ms["l2_dwell", 2].state is MilestoneState.RUNNING
    assert ms["l2_dwell", 2].owner == "team_lead:L2"


def test_closing_cancels_what_never_started_and_completes_resolution() -> None:
    """Closing completes resolution and cancels milestones that never started."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add("closed", "2026-04-06T11:00:00-04:00")
    ms = run("gold", t.events, "2026-04-06T12:00:00-04:00")
    assert ms["resolution", 1].state is MilestoneState.COMPLETED
    assert ms["root_cause", 1].state is MilestoneState.CANCELLED
    assert ms["first_response", 1].state is MilestoneState.CANCELLED
    assert ms["status_update", 1].state is MilestoneState.CANCELLED


def _closed_and_reopened(policy: str) -> dict[Any, Any]:
    process = custom("platinum", resolution={"on_reopen": policy})
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00")
        .add("status", "2026-04-06T12:00:00-04:00", status="Closed")
        .add("reopened", "2026-04-07T09:00:00-04:00")
    )
    return run(process, t.events, "2026-04-07T10:00:00-04:00")


def test_reopen_resume_continues_the_same_cycle() -> None:
    """on_reopen resume (the default): the closed time does not count, the cycle goes on."""
    resolution = _closed_and_reopened("resume")["resolution", 1]
    assert resolution.state is MilestoneState.RUNNING
    assert resolution.elapsed == 4 * H
    assert resolution.deadline == at("2026-04-07T14:00:00-04:00")  # 3 h Mon + 1 h Tue + 4 h


def test_reopen_restart_starts_a_new_cycle() -> None:
    """on_reopen restart: the first cycle stays completed, a new one starts at the reopening."""
    ms = _closed_and_reopened("restart")
    assert ms["resolution", 1].state is MilestoneState.COMPLETED
    assert ms["resolution", 2].started_at == at("2026-04-07T09:00:00-04:00")
    assert ms["resolution", 2].deadline == at("2026-04-07T17:00:00-04:00")


def test_reopen_ignore_keeps_the_completion() -> None:
    """on_reopen ignore: nothing runs again."""
    ms = _closed_and_reopened("ignore")
    assert ms["resolution", 1].state is MilestoneState.COMPLETED
    assert ("resolution", 2) not in ms


@pytest.mark.parametrize(
    ("change", "deadline"),
    [
        ({"extend": "4h"}, "2026-04-09T13:00:00-04:00"),
        ({"shorten": "2h"}, "2026-04-08T15:00:00-04:00"),
        ({"extend": "1bd"}, "2026-04-09T17:00:00-04:00"),
        ({"pause_until": "2026-04-06T14:00:00-04:00"}, "2026-04-09T13:00:00-04:00"),
    ],
)
def test_overrides_move_the_deadline(change: dict[str, str], deadline: str) -> None:
    """Seed 000 dynamic SLAs: extend, shorten and pause_until move the resolution deadline."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add(
        "override",
        "2026-04-06T10:00:00-04:00",
        milestone="resolution",
        by="lee",
        reason="customer asked",
        **change,
    )
    assert run("gold", t.events, "2026-04-06T10:00:00-04:00")["resolution", 1].deadline == at(
        deadline
    )


def test_override_pause_holds_until_resume() -> None:
    """A manual pause holds the clock until a resume override, with who and why."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add(
        "override",
        "2026-04-06T10:00:00-04:00",
        milestone="resolution",
        pause=True,
        by="lee",
        reason="waiting on a vendor",
    )
    held = run("gold", t.events, "2026-04-06T11:00:00-04:00")["resolution", 1]
    assert (held.state, held.deadline) == (MilestoneState.PAUSED, None)
    t.add(
        "override",
        "2026-04-06T12:00:00-04:00",
        milestone="resolution",
        resume=True,
        by="lee",
        reason="vendor answered",
    )
    resumed = run("gold", t.events, "2026-04-06T13:00:00-04:00")["resolution", 1]
    assert resumed.deadline == at("2026-04-09T11:00:00-04:00")
    assert resumed.paused == 2 * H


def test_next_reply_runs_from_the_oldest_unanswered_customer_comment() -> None:
    """Later customer comments do not move the start; internal notes do not complete it."""
    process = custom(
        next_reply={
            "start": {"on": "comment", "public": True, "author_role": "customer"},
            "complete": {"on": "comment", "public": True, "author_role": "agent"},
            "recurrence": "independent",
            "target": "2h",
        }
    )
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00")
        .add("comment", "2026-04-06T10:00:00-04:00", public=True, author_role="customer")
        .add("comment", "2026-04-06T10:30:00-04:00", public=True, author_role="customer")
        .add("comment", "2026-04-06T11:00:00-04:00", public=False, author_role="agent")
        .add("comment", "2026-04-06T11:30:00-04:00", public=True, author_role="agent")
        .add("comment", "2026-04-06T13:00:00-04:00", public=True, author_role="customer")
    )
    ms = run(process, t.events, "2026-04-06T14:00:00-04:00")
    assert ms["next_reply", 1].started_at == at("2026-04-06T10:00:00-04:00")
    assert ms["next_reply", 1].completed_at == at("2026-04-06T11:30:00-04:00")
    assert ms["next_reply", 2].started_at == at("2026-04-06T13:00:00-04:00")
    assert ms["next_reply", 2].state is MilestoneState.RUNNING


def test_weekly_status_update_repeats_from_each_update_until_closed() -> None:
    """Seed 000: every public update starts the next 7-day cycle; closing stops the series."""
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00")
        .add("comment", "2026-04-08T09:00:00-04:00", public=True, author_role="agent")
    )
    ms = run("gold", t.events, "2026-04-09T09:00:00-04:00")
    assert ms["status_update", 1].state is MilestoneState.COMPLETED
    assert ms["status_update", 2].deadline == at("2026-04-15T09:00:00-04:00")
    t.add("closed", "2026-04-10T09:00:00-04:00")
    closed = run("gold", t.events, "2026-04-20T09:00:00-04:00")
    assert closed["status_update", 2].state is MilestoneState.CANCELLED
    assert ("status_update", 3) not in closed


def _recurring(mode: str) -> dict[Any, Any]:
    process = custom(
        triage={
            "start": {"on": "status_enters", "value": "Investigating"},
            "complete": {"on": "status_leaves", "value": "Investigating"},
            "recurrence": mode,
            "target": "4h",
        }
    )
    t = (
        Timeline()
        .created("2026-04-06T08:00:00-04:00")
        .add("status", "2026-04-06T09:00:00-04:00", status="Investigating")
        .add("status", "2026-04-06T10:00:00-04:00", status="In Progress")
        .add("status", "2026-04-06T11:00:00-04:00", status="Investigating")
    )
    return run(process, t.events, "2026-04-06T12:00:00-04:00")


def test_sequential_cycle_never_starts_before_the_previous_deadline() -> None:
    """Finishing early does not pull a sequential cadence forward."""
    ms = _recurring("sequential")
    assert ms["triage", 2].started_at == at("2026-04-06T13:00:00-04:00")
    assert ms["triage", 2].state is MilestoneState.PENDING


def test_independent_cycle_starts_when_the_condition_matches_again() -> None:
    """An independent definition starts a new cycle at the new match."""
    ms = _recurring("independent")
    assert ms["triage", 2].started_at == at("2026-04-06T11:00:00-04:00")
    assert ms["triage", 2].state is MilestoneState.RUNNING


def test_once_never_starts_a_second_cycle() -> None:
    """A once definition ignores a second match of its start condition."""
    assert ("triage", 2) not in _recurring("once")


def test_relative_milestone_starts_when_another_completes() -> None:
    """Seed 000: a relative milestone's clock starts at the other milestone's completion."""
    process = custom(
        workaround={
            "start": {"on": "milestone_completed", "milestone": "first_response"},
            "complete": {"field": "workaround", "op": "is_set"},
            "target": "8h",
        }
    )
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add("comment", "2026-04-06T11:00:00-04:00", public=True, author_role="agent")
    workaround = run(process, t.events, "2026-04-06T12:00:00-04:00")["workaround", 1]
    assert workaround.started_at == at("2026-04-06T11:00:00-04:00")
    assert workaround.deadline == at("2026-04-07T11:00:00-04:00")


def test_p1_acknowledgement_runs_around_the_clock() -> None:
    """Seed 000: a P1 gets an acknowledgement within 15 minutes, even on a Saturday."""
    t = Timeline().created("2026-04-11T10:00:00-04:00", priority="P1")
    ms = run("gold", t.events, "2026-04-11T10:05:00-04:00")
    assert ms["acknowledgement", 1].deadline == at("2026-04-11T10:15:00-04:00")
    assert ms["customer_update", 1].deadline == at("2026-04-12T10:00:00-04:00")
    assert ms["first_response", 1].deadline == at("2026-04-13T13:00:00-04:00")


def test_p1_milestones_do_not_apply_to_other_priorities() -> None:
    """applies_when leaves the P1-only milestones out of a P2 case."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", priority="P2")
    ms = run("gold", t.events, "2026-04-06T10:00:00-04:00")
    assert ("acknowledgement", 1) not in ms
    assert ("customer_update", 1) not in ms


def test_raising_priority_to_p1_starts_the_acknowledgement_then() -> None:
    """A case raised to P1 gets its acknowledgement clock from the moment it became P1."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", priority="P2")
    t.add("priority", "2026-04-06T11:00:00-04:00", priority="P1")
    ack = run("gold", t.events, "2026-04-06T11:05:00-04:00")["acknowledgement", 1]
    assert ack.started_at == at("2026-04-06T11:00:00-04:00")
    assert ack.deadline == at("2026-04-06T11:15:00-04:00")


def test_lowering_priority_cancels_the_p1_acknowledgement() -> None:
    """A milestone that no longer applies is cancelled."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", priority="P1")
    t.add("priority", "2026-04-06T09:05:00-04:00", priority="P2")
    ack = run("gold", t.events, "2026-04-06T10:00:00-04:00")["acknowledgement", 1]
    assert ack.state is MilestoneState.CANCELLED
    assert ack.ended_at == at("2026-04-06T09:05:00-04:00")


def test_raising_priority_again_restarts_the_cancelled_acknowledgement() -> None:
    """A P1 acknowledgement cancelled by a downgrade starts again, from that moment, when the
    case is raised to P1 again: the cancelled cycle stays in the history."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", priority="P1")
    t.add("priority", "2026-04-06T09:05:00-04:00", priority="P2")
    t.add("priority", "2026-04-06T11:00:00-04:00", priority="P1")
    ms = run("gold", t.events, "2026-04-06T11:05:00-04:00")
    assert ms["acknowledgement", 1].state is MilestoneState.CANCELLED
    again = ms["acknowledgement", 2]
    assert again.state is MilestoneState.RUNNING
    assert again.started_at == at("2026-04-06T11:00:00-04:00")
    assert again.deadline == at("2026-04-06T11:15:00-04:00")


def test_a_completed_acknowledgement_does_not_start_again() -> None:
    """Only a cycle cancelled for no longer applying starts again; a completed one stays done."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", priority="P1")
    t.add("comment", "2026-04-06T09:03:00-04:00", public=True, author_role="agent")
    t.add("priority", "2026-04-06T09:05:00-04:00", priority="P2")
    t.add("priority", "2026-04-06T11:00:00-04:00", priority="P1")
    ms = run("gold", t.events, "2026-04-06T11:05:00-04:00")
    assert ms["acknowledgement", 1].state is MilestoneState.COMPLETED
    assert ("acknowledgement", 2) not in ms


def test_apac_region_uses_the_apac_shifts() -> None:
    """Seed 001: a record in the apac region runs on the Ho Chi Minh City shifts."""
    t = Timeline().created("2026-04-06T16:00:00+07:00", region="apac")
    first = run("gold", t.events, "2026-04-06T16:00:00+07:00")["first_response", 1]
    assert first.calendar == "apac"
    assert first.deadline == at("2026-04-07T10:30:00+07:00")


@pytest.mark.parametrize(
    ("renewal", "deadline"),
    [("2026-04-20", "2026-04-07T17:00:00-04:00"), ("2026-09-01", "2026-04-08T17:00:00-04:00")],
)
def test_gold_resolution_is_shorter_near_renewal(renewal: str, deadline: str) -> None:
    """Seed 000: a Gold resolution target is 16 h, not 24 h, when renewal is within 30 days."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    ms = run("gold", t.events, "2026-04-06T09:00:00-04:00", account={"renewal_date": renewal})
    assert ms["resolution", 1].deadline == at(deadline)


def test_violation_repeats_every_four_business_hours() -> None:
    """A violated resolution plans repeated violations; the next one is after now."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    resolution = run("platinum", t.events, "2026-04-07T12:00:00-04:00")["resolution", 1]
    assert resolution.state is MilestoneState.VIOLATED
    violations = [x.at for x in resolution.timers if x.kind is TimerKind.VIOLATION]
    assert violations == [at("2026-04-06T17:00:00-04:00"), at("2026-04-07T13:00:00-04:00")]
    assert health(resolution, at("2026-04-07T12:00:00-04:00")) is Health.RED


def test_warning_before_an_offset() -> None:
    """A warning 'before: 30m' fires 30 business minutes before the deadline."""
    process = custom(first_response={"actions": {"warning": {"before": "30m"}}})
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    first = run(process, t.events, "2026-04-06T09:00:00-04:00")["first_response", 1]
    assert first.warning_at == at("2026-04-06T12:30:00-04:00")


def test_completion_after_the_deadline_is_late_and_keeps_its_violation_timer() -> None:
    """A late completion records late=True, its violation and its success timers."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add("comment", "2026-04-06T15:00:00-04:00", public=True, author_role="agent")
    first = run("platinum", t.events, "2026-04-06T16:00:00-04:00")["first_response", 1]
    assert (first.state, first.late) == (MilestoneState.COMPLETED, True)
    assert [x.kind for x in first.timers] == [
        TimerKind.WARNING,
        TimerKind.VIOLATION,
        TimerKind.SUCCESS,
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-04-06T09:30:00-04:00", Health.GREEN),
        ("2026-04-06T12:10:00-04:00", Health.YELLOW),  # warning (75 %) reached at 12:00
        ("2026-04-06T13:00:00-04:00", Health.RED),
    ],
)
def test_health_green_yellow_red(now: str, expected: Health) -> None:
    """Seed 000: green with time to spare, yellow once the warning is reached, red when late."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    first = run("gold", t.events, now)["first_response", 1]
    assert health(first, at(now)) is expected


def test_health_yellow_under_the_threshold() -> None:
    """Under 15 minutes left is yellow even before the warning share."""
    process = custom(first_response={"actions": {"warning": {"share": 0.99}}})
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    first = run(process, t.events, "2026-04-06T12:50:00-04:00")["first_response", 1]
    assert health(first, at("2026-04-06T12:50:00-04:00")) is Health.YELLOW
    assert health(first, at("2026-04-06T12:50:00-04:00"), timedelta(minutes=5)) is Health.GREEN


def test_late_and_duplicate_events_give_the_same_milestones() -> None:
    """Events placed at their occurred_at: arrival order and duplicates change nothing."""
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00")
        .add("status", "2026-04-06T10:00:00-04:00", status="Waiting for Customer")
        .add("comment", "2026-04-06T09:30:00-04:00", public=True, author_role="agent")
        .add("status", "2026-04-06T11:00:00-04:00", status="In Progress")
    )
    now = at("2026-04-06T12:00:00-04:00")
    process = B2B.processes["gold"]
    shuffled = [*reversed(t.events), t.events[1], t.events[0]]
    assert evaluate(process, shuffled, now, calendars=CALENDARS) == evaluate(
        process, t.events, now, calendars=CALENDARS
    )


def test_events_after_now_are_left_out() -> None:
    """Evaluating at an earlier instant ignores what happened later."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add("comment", "2026-04-06T11:00:00-04:00", public=True, author_role="agent")
    first = run("gold", t.events, "2026-04-06T10:00:00-04:00")["first_response", 1]
    assert first.state is MilestoneState.RUNNING


def test_naive_now_is_refused() -> None:
    """A naive instant is a clear error, never guessed."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(
            B2B.processes["gold"],
            t.events,
            at("2026-04-06T09:00:00-04:00").replace(tzinfo=None),
            calendars=CALENDARS,
        )


def test_next_timers_lists_what_fires_after_now_in_order() -> None:
    """next_timers gives the earliest pending timer first, for the worker's next wake-up."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    now = at("2026-04-06T09:30:00-04:00")
    timers = next_timers(
        evaluate(B2B.processes["gold"], t.events, now, calendars=CALENDARS), after=now
    )
    assert [(x.milestone, x.kind) for x in timers[:2]] == [
        ("assignment", TimerKind.WARNING),
        ("assignment", TimerKind.VIOLATION),
    ]
    assert all(x.at > now for x in timers)
    assert timers == sorted(timers, key=lambda x: x.at)


def test_recomputed_target_follows_a_priority_change() -> None:
    """With recompute, a case raised to P1 gets the P1 target, counted from the same start."""
    target = {
        "rules": [{"when": {"field": "priority", "value": "P1"}, "duration": "4h"}],
        "duration": "24h",
        "recompute": True,
    }
    process = custom(resolution={"target": target})
    t = Timeline().created("2026-04-06T09:00:00-04:00", priority="P3")
    assert run(process, t.events, "2026-04-06T10:00:00-04:00")["resolution", 1].deadline == at(
        "2026-04-08T17:00:00-04:00"
    )
    t.add("priority", "2026-04-06T11:00:00-04:00", priority="P1")
    raised = run(process, t.events, "2026-04-06T11:30:00-04:00")["resolution", 1]
    assert raised.deadline == at("2026-04-06T13:00:00-04:00")
    assert raised.target == 4 * H


def test_target_is_fixed_at_the_start_without_recompute() -> None:
    """By default the target chosen at the start stays, whatever changes later."""
    target = {
        "rules": [{"when": {"field": "priority", "value": "P1"}, "duration": "4h"}],
        "duration": "24h",
    }
    process = custom(resolution={"target": target})
    t = Timeline().created("2026-04-06T09:00:00-04:00", priority="P3")
    t.add("priority", "2026-04-06T11:00:00-04:00", priority="P1")
    assert run(process, t.events, "2026-04-06T11:30:00-04:00")["resolution", 1].target == 24 * H
