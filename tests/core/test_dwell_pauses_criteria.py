"""Team and owner dwell, the pause audit and success criteria, in scenarios on a 09:00-17:00
New York calendar (instants are New York wall clock, March 2026, after the DST change)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseclock.core.dwell import Holding, dwell
from caseclock.core.evaluate import evaluate_replay, replay_record
from caseclock.core.pause_audit import over_cap, pause_entries, totals
from caseclock.core.policy import PolicyBundle, PolicyInvalid, parse_bundle
from caseclock.core.replay import Replay
from caseclock.core.simulation import calendars_of
from caseclock.core.success_criteria import checklists
from tests.core.evaluate_setup import Timeline, at

H = timedelta(hours=1)
M = timedelta(minutes=1)

BUNDLE = parse_bundle(
    """
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
      - key: rca
        name: Root cause analysis
        start: {on: status_enters, value: Investigating}
        complete: {on: status_enters, value: Fixed}
        target: 8h
        criteria:
          - {note: root cause}
          - {public_reply: true, label: explained to the customer}
          - {field: fix_plan}
entitlement_rules:
  default: support
"""
)


def _replay(t: Timeline, now: str, bundle: PolicyBundle = BUNDLE) -> Replay:
    process = bundle.processes["support"]
    return replay_record(process, t.events, at(now), calendars=calendars_of(bundle))


def _handoffs() -> Timeline:
    """L1 (ana) from Monday 09:00, L2 (bo) from Monday 13:00, back to L1 (ana) Tuesday 11:00,
    closed Tuesday 15:00: 14 business hours in all."""
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L1", owner="ana")
    t.add("owner", "2026-03-09T13:00:00-04:00", team="L2", owner="bo")
    t.add("owner", "2026-03-10T11:00:00-04:00", team="L1", owner="ana")
    t.add("closed", "2026-03-10T15:00:00-04:00")
    return t


def test_dwell_splits_business_time_by_team_and_owner() -> None:
    """L1 held it 4h + 4h, L2 4h (Monday afternoon) + 2h (Tuesday morning); the nights and
    the shares of the 16h target follow, and the parts add up to the elapsed time."""
    result = _replay(_handoffs(), "2026-03-10T18:00:00-04:00")
    [resolution] = [d for d in dwell(result) if d.key == "resolution"]
    assert resolution.teams == (
        Holding("team", "L1", 8 * H, 0.5),
        Holding("team", "L2", 6 * H, 0.375),
    )
    assert [(h.name, h.held) for h in resolution.owners] == [("ana", 8 * H), ("bo", 6 * H)]
    [milestone] = [m for m in evaluate_replay(result) if m.key == "resolution"]
    assert sum((h.held for h in resolution.teams), timedelta(0)) == milestone.elapsed


def test_dwell_leaves_out_paused_time_and_credits_nobody_when_no_team() -> None:
    """Created without a team; L2 from 10:00; Waiting 11:00-14:00 (the clock held): the hour
    with no team goes to nobody, L2 is credited 3h of running time up to 17:00."""
    t = Timeline().created("2026-03-09T09:00:00-04:00")
    t.add("owner", "2026-03-09T10:00:00-04:00", team="L2")
    t.add("status", "2026-03-09T11:00:00-04:00", status="Waiting")
    t.add("status", "2026-03-09T14:00:00-04:00", status="Open")
    [resolution, *_] = dwell(_replay(t, "2026-03-09T17:00:00-04:00"))
    assert [(h.name, h.held) for h in resolution.teams] == [("L2", 4 * H), (None, 1 * H)]


def test_pause_audit_names_who_why_and_flags_a_pause_right_after_a_customer_reply() -> None:
    """The customer replies at 10:00; lee pauses resolution by override at 10:05 ("vendor")
    and resumes at 12:05; later kim's Waiting status holds the clock 15:00-16:00. The override
    is flagged (5 minutes after the reply); the status pause is not."""
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L2", owner="bo")
    t.add("comment", "2026-03-09T10:00:00-04:00", public=True, author_role="customer")
    t.add(
        "override",
        "2026-03-09T10:05:00-04:00",
        milestone="resolution",
        pause=True,
        by="lee",
        reason="vendor",
    )
    t.add(
        "override",
        "2026-03-09T12:05:00-04:00",
        milestone="resolution",
        resume=True,
        by="lee",
        reason="back",
    )
    t.add("status", "2026-03-09T15:00:00-04:00", status="Waiting")
    t.add("status", "2026-03-09T16:00:00-04:00", status="Open")
    result = _replay(t, "2026-03-09T17:00:00-04:00")
    assert pause_entries(result)[1].by is None  # a status change that names nobody
    entries = pause_entries(result, actors={"C-1-5": "kim"})  # as the store kept its sender
    assert [(e.by, e.reason, e.held, e.flagged, e.team) for e in entries] == [
        ("lee", "vendor", 2 * H, True, "L2"),
        ("kim", "status Waiting", 1 * H, False, "L2"),
    ]
    assert entries[0].after_reply == 5 * M
    by_agent = totals(entries, lambda e: e.by, "(not named)")
    assert [(x.label, x.held, x.flagged) for x in by_agent] == [("lee", 2 * H, 1), ("kim", H, 0)]
    assert over_cap(entries, 2 * H) == {("C-1", "resolution", 1): 1 * H}


@pytest.mark.parametrize(
    ("extra", "met", "without"),
    [
        ([], [False, False, False], True),
        (
            [
                ("note", "2026-03-09T11:00:00-04:00", {"body": "Root cause: a full disk"}),
                ("comment", "2026-03-09T12:00:00-04:00", {"public": True, "author_role": "agent"}),
                ("field", "2026-03-09T12:30:00-04:00", {"field": "fix_plan", "value": "rotate"}),
            ],
            [True, True, True],
            False,
        ),
        (
            [
                (
                    "comment",
                    "2026-03-09T11:00:00-04:00",
                    {"public": False, "author_role": "agent", "body": "looking for the ROOT CAUSE"},
                ),
                (
                    "comment",
                    "2026-03-09T12:00:00-04:00",
                    {"public": True, "author_role": "customer"},
                ),
            ],
            [True, False, False],
            True,
        ),
    ],
)
def test_success_criteria_checklist(
    extra: list[tuple[str, str, dict[str, object]]], met: list[bool], without: bool
) -> None:
    """Root cause analysis runs from Investigating (10:00) to Fixed (14:00): a note about the
    root cause, a public agent reply and a fix plan make it met; a customer's reply is not an
    explanation to the customer, and a completion missing any is without criteria."""
    t = Timeline().created("2026-03-09T09:00:00-04:00", team="L2")
    t.add("status", "2026-03-09T10:00:00-04:00", status="Investigating")
    for kind, when, data in extra:
        t.add(kind, when, **data)
    t.add("status", "2026-03-09T14:00:00-04:00", status="Fixed")
    [checklist] = checklists(_replay(t, "2026-03-09T17:00:00-04:00"))
    assert [c.label for c in checklist.checks] == [
        "a note about root cause",
        "explained to the customer",
        "fix_plan filled in",
    ]
    assert [c.met for c in checklist.checks] == met
    assert checklist.completed
    assert checklist.without_criteria is without


def test_a_note_before_the_cycle_does_not_count_and_a_criterion_is_one_thing() -> None:
    """A root-cause note written before Investigating is not this cycle's; a criterion giving
    two things is refused."""
    t = Timeline().created("2026-03-09T09:00:00-04:00")
    t.add("note", "2026-03-09T09:30:00-04:00", body="root cause: known")
    t.add("status", "2026-03-09T10:00:00-04:00", status="Investigating")
    [checklist] = checklists(_replay(t, "2026-03-09T11:00:00-04:00"))
    assert checklist.checks[0].met is False
    assert not checklist.completed
    with pytest.raises(PolicyInvalid, match=r"criteria\[0\]: a criterion is one of note, field"):
        parse_bundle(
            BUNDLE.model_dump_json().replace('"note":"root cause"', '"note":"x","field":"y"')
        )
