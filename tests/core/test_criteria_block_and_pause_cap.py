"""Success criteria that block a completion, and the cap on total pause, in scenarios on a
09:00-17:00 New York calendar (instants are New York wall clock, March 2026)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseclock.core.evaluate import evaluate_replay, replay_record
from caseclock.core.explain import explain as explain_replay
from caseclock.core.milestones import Milestone, MilestoneState
from caseclock.core.pause_audit import pause_entries
from caseclock.core.policy import PolicyBundle, PolicyInvalid, parse_bundle
from caseclock.core.replay import Replay
from caseclock.core.simulation import calendars_of
from caseclock.core.success_criteria import checklists
from tests.core.evaluate_setup import Timeline, at

H = timedelta(hours=1)

BUNDLE_TEXT = """
calendars:
  - name: ny
    timezone: America/New_York
    week: {mon: [["09:00","17:00"]], tue: [["09:00","17:00"]], wed: [["09:00","17:00"]],
           thu: [["09:00","17:00"]], fri: [["09:00","17:00"]]}
processes:
  support:
    name: Support
    calendar: ny
    milestones:
      - key: resolution
        name: Resolution
        start: {on: created}
        complete: {on: closed}
        pause: {field: status, value: Waiting}
        target: 16h
        pause_cap: 4h
      - key: rca
        name: Root cause analysis
        start: {on: status_enters, value: Investigating}
        complete: {on: status_enters, value: Fixed}
        target: 8h
        without_criteria: block
        criteria:
          - {note: root cause}
          - {field: fix_plan}
      - key: wrap_up
        name: Wrap-up
        start: {on: created}
        complete: {on: closed}
        target: 40h
        without_criteria: block
        criteria:
          - {public_reply: true, label: explained to the customer}
entitlement_rules:
  default: support
"""
BUNDLE = parse_bundle(BUNDLE_TEXT)


def _replay(t: Timeline, now: str, bundle: PolicyBundle = BUNDLE) -> Replay:
    process = bundle.processes["support"]
    return replay_record(process, t.events, at(now), calendars=calendars_of(bundle))


def _get(result: Replay, key: str) -> Milestone:
    [found] = [m for m in evaluate_replay(result) if m.key == key]
    return found


def _investigation() -> Timeline:
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L2")
    t.add("status", "2026-03-09T10:00:00-04:00", status="Investigating")
    return t


def test_a_blocked_completion_keeps_the_cycle_open_and_says_why() -> None:
    """Fixed at 12:00 with neither a root-cause note nor a fix plan: root cause analysis stays
    open (its clock runs on to a violation at 18:00 business time), the checklist says since
    when it is blocked, and the explanation names the missing criteria."""
    t = _investigation()
    t.add("status", "2026-03-09T12:00:00-04:00", status="Fixed")
    result = _replay(t, "2026-03-10T11:00:00-04:00")
    rca = _get(result, "rca")
    assert rca.state is MilestoneState.VIOLATED
    assert rca.completed_at is None
    assert rca.deadline == at("2026-03-10T10:00:00-04:00")
    [checklist] = [c for c in checklists(result) if c.key == "rca"]
    assert checklist.blocked_at == at("2026-03-09T12:00:00-04:00")
    assert not checklist.completed
    lines = [line.text for c in explain_replay(result) if c.key == "rca" for line in c.lines]
    assert any(
        "completion blocked: success criteria not met (a note about root cause; fix_plan" in text
        for text in lines
    )


def test_a_blocked_cycle_completes_when_the_last_criterion_is_met() -> None:
    """Blocked at Fixed (12:00); the root-cause note comes at 13:00 (still blocked: no fix
    plan), the fix plan at 14:00: the cycle completes at 14:00, on time, and the checklist is
    met; nothing is recorded as completed without criteria."""
    t = _investigation()
    t.add("status", "2026-03-09T12:00:00-04:00", status="Fixed")
    t.add("note", "2026-03-09T13:00:00-04:00", body="Root cause: an expired certificate")
    t.add("field", "2026-03-09T14:00:00-04:00", field="fix_plan", value="renew in CI")
    result = _replay(t, "2026-03-09T17:00:00-04:00")
    rca = _get(result, "rca")
    assert rca.state is MilestoneState.COMPLETED
    assert rca.completed_at == at("2026-03-09T14:00:00-04:00")
    assert rca.late is False
    [checklist] = [c for c in checklists(result) if c.key == "rca"]
    assert checklist.met
    assert checklist.blocked_at is None
    assert not checklist.without_criteria


def test_criteria_met_before_the_completion_complete_it_at_once() -> None:
    """Note and fix plan before Fixed: the completion goes through at Fixed, as without
    blocking."""
    t = _investigation()
    t.add("note", "2026-03-09T11:00:00-04:00", body="root cause found")
    t.add("field", "2026-03-09T11:30:00-04:00", field="fix_plan", value="patch")
    t.add("status", "2026-03-09T12:00:00-04:00", status="Fixed")
    rca = _get(_replay(t, "2026-03-09T17:00:00-04:00"), "rca")
    assert rca.completed_at == at("2026-03-09T12:00:00-04:00")


def test_closing_does_not_cancel_a_blocked_completion_and_reopening_clears_it() -> None:
    """Wrap-up completes on close but needs a public agent reply. Closed at 10:00 without one:
    the cycle stays open on the closed record (not cancelled). Reopened at 11:00: the blocked
    completion is forgotten, so the agent's reply at 12:00 does not complete it; closing again
    at 13:00, now with the reply, completes it at 13:00."""
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L1")
    t.add("closed", "2026-03-09T10:00:00-04:00")
    blocked = _get(_replay(t, "2026-03-09T10:30:00-04:00"), "wrap_up")
    assert blocked.state is MilestoneState.RUNNING
    t.add("reopened", "2026-03-09T11:00:00-04:00")
    t.add("comment", "2026-03-09T12:00:00-04:00", public=True, author_role="agent")
    assert _get(_replay(t, "2026-03-09T12:30:00-04:00"), "wrap_up").completed_at is None
    t.add("closed", "2026-03-09T13:00:00-04:00")
    done = _get(_replay(t, "2026-03-09T14:00:00-04:00"), "wrap_up")
    assert done.completed_at == at("2026-03-09T13:00:00-04:00")


def test_without_blocking_a_completion_is_recorded_without_criteria() -> None:
    """The same definition with ``without_criteria: record`` (the default) completes at Fixed
    and its checklist says "completed without criteria"."""
    bundle = parse_bundle(BUNDLE_TEXT.replace("        without_criteria: block\n", "", 1))
    t = _investigation()
    t.add("status", "2026-03-09T12:00:00-04:00", status="Fixed")
    result = _replay(t, "2026-03-09T17:00:00-04:00", bundle)
    assert _get(result, "rca").completed_at == at("2026-03-09T12:00:00-04:00")
    [checklist] = [c for c in checklists(result) if c.key == "rca"]
    assert checklist.without_criteria


def test_blocking_without_criteria_is_refused() -> None:
    """``without_criteria: block`` with nothing to block on is a policy error naming it."""
    broken = BUNDLE_TEXT.replace(
        "        criteria:\n          - {public_reply: true, label: explained to the customer}\n",
        "",
    )
    with pytest.raises(PolicyInvalid, match="without_criteria: block needs criteria"):
        parse_bundle(broken)


def _waiting(t: Timeline, start: str, end: str | None) -> None:
    t.add("status", start, status="Waiting")
    if end is not None:
        t.add("status", end, status="Open")


def test_a_pause_beyond_the_cap_lets_the_clock_run() -> None:
    """Resolution (16h, pause cap 4h) waits on the customer from Monday 10:00 and is never
    resumed: 4 business hours of pause (to 14:00) are kept off the clock, then the clock runs
    though the status is still Waiting. By Tuesday 17:00: 1h before the pause + 3h Monday +
    8h Tuesday = 12h elapsed, state running (not paused), deadline Wednesday 13:00."""
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L2")
    _waiting(t, "2026-03-09T10:00:00-04:00", None)
    result = _replay(t, "2026-03-10T17:00:00-04:00")
    resolution = _get(result, "resolution")
    assert resolution.state is MilestoneState.RUNNING
    assert resolution.elapsed == 12 * H
    assert resolution.paused == 4 * H
    assert resolution.deadline == at("2026-03-11T13:00:00-04:00")
    [entry] = [e for e in pause_entries(result) if e.milestone == "resolution"]
    assert entry.end is None
    assert entry.held == 4 * H
    assert entry.beyond_cap == 11 * H
    lines = [line.text for c in explain_replay(result) if c.key == "resolution" for line in c.lines]
    assert any(text.startswith("pause cap 4h reached") for text in lines)


def test_pauses_add_up_to_the_cap_across_several_holds() -> None:
    """Two waits, 10:00-13:00 (3h, all kept off) and 14:00-17:00 (only 1h left under the cap):
    3h + 1h paused, the second pause runs the clock from 15:00; a third wait on Tuesday
    09:00-11:00 keeps nothing off."""
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L2")
    _waiting(t, "2026-03-09T10:00:00-04:00", "2026-03-09T13:00:00-04:00")
    _waiting(t, "2026-03-09T14:00:00-04:00", "2026-03-10T09:00:00-04:00")
    _waiting(t, "2026-03-10T09:30:00-04:00", "2026-03-10T11:00:00-04:00")
    result = _replay(t, "2026-03-10T12:00:00-04:00")
    resolution = _get(result, "resolution")
    assert resolution.paused == 4 * H
    assert resolution.elapsed == 8 * H + 3 * H - 4 * H
    held = [(e.held, e.beyond_cap) for e in pause_entries(result) if e.milestone == "resolution"]
    assert held == [(3 * H, timedelta(0)), (1 * H, 2 * H), (timedelta(0), 1.5 * H)]


def test_without_a_cap_a_pause_holds_the_clock_indefinitely() -> None:
    """The same endless wait with no cap: paused, no deadline, 1h elapsed."""
    bundle = parse_bundle(BUNDLE_TEXT.replace("        pause_cap: 4h\n", ""))
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L2")
    _waiting(t, "2026-03-09T10:00:00-04:00", None)
    resolution = _get(_replay(t, "2026-03-10T17:00:00-04:00", bundle), "resolution")
    assert resolution.state is MilestoneState.PAUSED
    assert resolution.deadline is None
    assert resolution.elapsed == H


def test_a_bad_pause_cap_is_refused() -> None:
    """A pause cap is a period; anything else is an error naming its path."""
    with pytest.raises(PolicyInvalid, match=r"milestones\[0\]\.pause_cap"):
        parse_bundle(BUNDLE_TEXT.replace("pause_cap: 4h", "pause_cap: soon"))


def test_blocking_and_capping_do_not_depend_on_which_events_a_definition_is_shown() -> None:
    """The replay that shows every event to every definition gives the same milestones: a
    blocked definition watches notes, replies, fields and statuses while it waits."""
    t = _investigation()
    t.add("status", "2026-03-09T12:00:00-04:00", status="Fixed")
    t.add("note", "2026-03-09T13:00:00-04:00", body="Root cause: a race")
    _waiting(t, "2026-03-09T13:30:00-04:00", None)
    t.add("field", "2026-03-10T14:00:00-04:00", field="fix_plan", value="lock")
    process = BUNDLE.processes["support"]
    calendars = calendars_of(BUNDLE)
    now = at("2026-03-11T10:00:00-04:00")
    fast = replay_record(process, t.events, now, calendars=calendars)
    slow = replay_record(process, t.events, now, calendars=calendars, skipping=False)
    assert evaluate_replay(fast) == evaluate_replay(slow)
    assert _get(fast, "rca").completed_at == at("2026-03-10T14:00:00-04:00")
