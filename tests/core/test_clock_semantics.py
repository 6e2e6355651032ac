"""Clock semantics users meet with overrides, reopening and calendar-month targets.

Week used: 2026-04-06..10 (EDT, -04:00), without US federal holidays; the Gold process of the
shipped B2B policy (first response 4 h, resolution on business time, ``on_reopen: resume``).
"""

from __future__ import annotations

from datetime import timedelta

from caseclock.core.compliance import compliance
from caseclock.core.evaluate import replay_record
from caseclock.core.explain import explain
from caseclock.core.milestones import MilestoneState
from tests.core.evaluate_setup import B2B, CALENDARS, Timeline, at, run
from tests.core.test_evaluate_accounts import ACCOUNTS
from tests.core.test_evaluate_scenarios import custom

H = timedelta(hours=1)


def _override(t: Timeline, when: str, milestone: str, **change: object) -> Timeline:
    return t.add("override", when, milestone=milestone, by="lee", reason="customer asked", **change)


def test_resume_ends_a_pause_until_hold() -> None:
    """A ``resume`` ends any hold, a ``pause_until`` one included: the clock runs again from the
    resume, and the explanation says who resumed it."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    _override(
        t, "2026-04-06T10:00:00-04:00", "first_response", pause_until="2026-04-08T09:00:00-04:00"
    )
    _override(t, "2026-04-06T12:00:00-04:00", "first_response", resume=True)
    first = run("gold", t.events, "2026-04-06T13:00:00-04:00")["first_response", 1]
    assert first.state is MilestoneState.RUNNING
    assert first.deadline == at("2026-04-06T15:00:00-04:00")  # 1 h before, 3 h after
    result = replay_record(
        B2B.processes["gold"], t.events, at("2026-04-06T13:00:00-04:00"), calendars=CALENDARS
    )
    lines = [line.text for e in explain(result) if e.key == "first_response" for line in e.lines]
    assert any("ended: resumed by lee" in text for text in lines), lines


def test_an_indefinite_pause_survives_close_and_reopen() -> None:
    """A ``pause`` override holds the clock until a ``resume``, through a close and a reopen
    (as a ``pause_until`` hold does): the resumed cycle is still paused."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    _override(t, "2026-04-06T10:00:00-04:00", "resolution", pause=True)
    t.add("closed", "2026-04-06T11:00:00-04:00")
    t.add("reopened", "2026-04-06T12:00:00-04:00")
    resolution = run("gold", t.events, "2026-04-06T16:00:00-04:00")["resolution", 1]
    assert resolution.state is MilestoneState.PAUSED
    assert resolution.elapsed == H


def test_extend_on_a_calendar_time_milestone_extends_in_calendar_time() -> None:
    """Four hours added to a 7-day milestone move its deadline four hours, not the wall-clock
    span of four business hours."""
    process = custom(
        weekly_update={
            "name": "Weekly status update",
            "start": {"on": "created"},
            "complete": {"on": "comment", "public": True, "author_role": "agent"},
            "target": "7d",
        }
    )
    t = Timeline().created("2026-04-06T16:00:00-04:00", tier="Gold")
    _override(t, "2026-04-06T17:00:00-04:00", "weekly_update", extend="4h")
    weekly = run(process, t.events, "2026-04-07T00:00:00-04:00")["weekly_update", 1]
    assert weekly.deadline == at("2026-04-13T20:00:00-04:00")


def test_anniversaries_of_a_29_february_start_count_from_the_start() -> None:
    """An account started on 29 February has its anniversaries on 28 February in common years
    and on 29 February again in leap years."""
    t = Timeline("A-leap").add(
        "created", "2024-02-29T09:00:00-05:00", type="account", start_date="2024-02-29"
    )
    ms = run("account_lifecycle", t.events, "2028-03-01T00:00:00-05:00", bundle=ACCOUNTS)
    deadlines = [ms["anniversary", n].deadline for n in range(1, 5)]
    assert deadlines == [
        at("2025-02-28T00:00:00-05:00"),
        at("2026-02-28T00:00:00-05:00"),
        at("2027-02-28T00:00:00-05:00"),
        at("2028-02-29T00:00:00-05:00"),
    ]


def test_a_monthly_repeat_from_31_january_keeps_the_month_end() -> None:
    """A monthly checkpoint from 31 January falls on 28 February, then 31 March, 30 April and
    31 May: each from the anchor, not from the previous clamped date."""
    doc = ACCOUNTS.processes["account_lifecycle"].model_dump(mode="json")
    monthly = {**next(m for m in doc["milestones"] if m["key"] == "anniversary")}
    monthly.update(key="monthly_review", name="Monthly review", target="1mo")
    doc["milestones"] = [monthly]
    process = type(ACCOUNTS.processes["account_lifecycle"]).model_validate(doc)
    t = Timeline("A-month").add(
        "created", "2026-01-31T09:00:00-05:00", type="account", start_date="2026-01-31"
    )
    ms = run(process, t.events, "2026-06-01T00:00:00-04:00", bundle=ACCOUNTS)
    deadlines = [ms["monthly_review", n].deadline.date() for n in range(1, 5)]  # type: ignore[union-attr]
    assert [str(d) for d in deadlines] == ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]


def test_within_next_reads_a_date_in_the_calendar_zone() -> None:
    """Two Gold cases opened two hours apart on one New York evening, 30 days and a night
    before the account's renewal date, get the same resolution target: the date is read at
    00:00 in the calendar's zone, as date targets are, not at 00:00 UTC."""
    account = {"renewal_date": "2026-05-06"}
    targets = []
    for when in ("2026-04-05T19:00:00-04:00", "2026-04-05T21:00:00-04:00"):
        t = Timeline().created(when, tier="Gold")
        ms = run("gold", t.events, "2026-04-06T08:00:00-04:00", account=account)
        targets.append(ms["resolution", 1].target)
    assert targets == [24 * H, 24 * H]


def test_a_breach_stays_on_record_after_an_extension() -> None:
    """Extending a violated first response moves its deadline, but the breach that already
    happened is kept (``violated_at``), counted by compliance, and explained as "violated at
    X, then extend Y"."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    _override(t, "2026-04-06T14:00:00-04:00", "first_response", extend="4h")
    now = at("2026-04-06T15:00:00-04:00")
    first = run("gold", t.events, now.isoformat())["first_response", 1]
    assert first.state is MilestoneState.RUNNING  # the new deadline is 17:00
    assert first.violated_at == at("2026-04-06T13:00:00-04:00")
    assert compliance([first]).violated == 1
    result = replay_record(B2B.processes["gold"], t.events, now, calendars=CALENDARS)
    lines = [line.text for e in explain(result) if e.key == "first_response" for line in e.lines]
    assert any(text.startswith("violated at Mon 2026-04-06 13:00") for text in lines), lines


def test_an_extension_before_the_deadline_is_no_breach() -> None:
    """An extension granted while the clock is still in time records no breach."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    _override(t, "2026-04-06T12:00:00-04:00", "first_response", extend="4h")
    t.add("comment", "2026-04-06T16:00:00-04:00", public=True, author_role="agent")
    first = run("gold", t.events, "2026-04-06T18:00:00-04:00")["first_response", 1]
    assert (first.state, first.late, first.violated_at) == (MilestoneState.COMPLETED, False, None)
