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


def test_a_closed_status_other_than_closed_completes_the_resolution() -> None:
    """With ``closed_statuses: [Closed, Resolved]``, a case set to Resolved is closed, and its
    resolution milestone is completed by that close, not cancelled."""
    doc = B2B.processes["gold"].model_dump(mode="json")
    doc["closed_statuses"] = ["Closed", "Resolved"]
    process = type(B2B.processes["gold"]).model_validate(doc)
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    t.add("status", "2026-04-06T10:00:00-04:00", status="Resolved")
    resolution = run(process, t.events, "2026-04-06T12:00:00-04:00")["resolution", 1]
    assert (resolution.state, resolution.late) == (MilestoneState.COMPLETED, False)
    assert resolution.completed_at == at("2026-04-06T10:00:00-04:00")


def test_restart_on_reopen_follows_a_cycle_completed_before_the_close() -> None:
    """``on_reopen: restart`` starts a new cycle on reopening even when the last one had
    completed before the close: a reopened case needs a new first response."""
    process = custom(first_response={"on_reopen": "restart"})
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    t.add("comment", "2026-04-06T10:00:00-04:00", public=True, author_role="agent")
    t.add("closed", "2026-04-06T11:00:00-04:00")
    t.add("reopened", "2026-04-06T12:00:00-04:00")
    ms = run(process, t.events, "2026-04-06T13:00:00-04:00")
    assert ms["first_response", 1].state is MilestoneState.COMPLETED
    second = ms["first_response", 2]
    assert (second.state, second.started_at) == (
        MilestoneState.RUNNING,
        at("2026-04-06T12:00:00-04:00"),
    )


def test_an_answer_before_a_deferred_sequential_start_is_not_lost() -> None:
    """A sequential reply cycle started by a customer comment waits for the previous deadline;
    an agent answer given before that deferred start completes it (it used to be lost, and the
    cycle breached)."""
    process = custom(
        next_reply={
            "name": "Next reply",
            "start": {"on": "comment", "public": True, "author_role": "customer"},
            "complete": {"on": "comment", "public": True, "author_role": "agent"},
            "recurrence": {"mode": "sequential"},
            "target": "4h",
        }
    )
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    t.add("comment", "2026-04-06T09:00:00-04:00", public=True, author_role="customer")
    t.add("comment", "2026-04-06T10:00:00-04:00", public=True, author_role="agent")
    t.add("comment", "2026-04-06T11:00:00-04:00", public=True, author_role="customer")
    t.add("comment", "2026-04-06T12:00:00-04:00", public=True, author_role="agent")
    ms = run(process, t.events, "2026-04-06T18:00:00-04:00")
    second = ms["next_reply", 2]
    assert second.started_at == at("2026-04-06T13:00:00-04:00")  # the first one's deadline
    assert (second.state, second.late) == (MilestoneState.COMPLETED, False)
    assert second.completed_at == at("2026-04-06T12:00:00-04:00")


def _raised_to_p1_after_an_answer() -> Timeline:
    t = Timeline().created("2026-04-06T10:00:00-04:00", tier="Gold", priority="P2")
    t.add("comment", "2026-04-06T10:30:00-04:00", public=True, author_role="agent")
    t.add("priority", "2026-04-06T11:00:00-04:00", priority="P1")
    return t


def test_a_definition_applying_late_does_not_ask_again_what_was_done() -> None:
    """A case raised to P1 after it was answered does not owe a new P1 acknowledgement: the
    cycle that starts when the definition applies is completed at once, on time."""
    ms = run("gold", _raised_to_p1_after_an_answer().events, "2026-04-06T12:00:00-04:00")
    ack = ms["acknowledgement", 1]
    assert (ack.state, ack.late, ack.violated_at) == (MilestoneState.COMPLETED, False, None)
    assert ack.started_at == ack.completed_at == at("2026-04-06T11:00:00-04:00")


def test_a_retroactive_definition_counts_from_its_start_and_keeps_the_answer() -> None:
    """With ``retroactive: true`` the P1 acknowledgement counts from the case's creation: the
    answer at 10:30 completes it then, 15 minutes late by the P1 target."""
    process = custom(acknowledgement={"retroactive": True})
    ms = run(process, _raised_to_p1_after_an_answer().events, "2026-04-06T12:00:00-04:00")
    ack = ms["acknowledgement", 1]
    assert ack.started_at == at("2026-04-06T10:00:00-04:00")
    assert (ack.state, ack.late) == (MilestoneState.COMPLETED, True)
    assert ack.completed_at == at("2026-04-06T10:30:00-04:00")


def test_a_retroactive_definition_without_an_answer_is_late_at_once() -> None:
    """Retroactive and not yet answered: the clock counted from creation, so a P1 raised after
    the 15 minutes is violated as soon as it applies."""
    process = custom(acknowledgement={"retroactive": True})
    t = Timeline().created("2026-04-06T10:00:00-04:00", tier="Gold", priority="P2")
    t.add("priority", "2026-04-06T11:00:00-04:00", priority="P1")
    ack = run(process, t.events, "2026-04-06T11:01:00-04:00")["acknowledgement", 1]
    assert ack.state is MilestoneState.VIOLATED
    assert ack.deadline == at("2026-04-06T10:15:00-04:00")


def _refusals(t: Timeline, now: str, process: str = "gold") -> dict[str, str]:
    return replay_record(B2B.processes[process], t.events, at(now), calendars=CALENDARS).refusals


def test_pausing_a_paused_clock_is_refused_and_changes_nothing() -> None:
    """A second ``pause`` of a clock an override already holds is refused with a message and
    ignored; the first hold goes on."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    _override(t, "2026-04-06T10:00:00-04:00", "first_response", pause=True)
    _override(t, "2026-04-06T11:00:00-04:00", "first_response", pause=True)
    refused = _refusals(t, "2026-04-06T12:00:00-04:00")
    assert list(refused) == [t.events[-1].id]
    assert "already paused" in refused[t.events[-1].id]
    first = run("gold", t.events, "2026-04-06T12:00:00-04:00")["first_response", 1]
    assert (first.state, first.elapsed) == (MilestoneState.PAUSED, H)


def test_resuming_a_running_clock_is_refused() -> None:
    """``resume`` of a clock no override holds is refused: there is nothing to resume."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    _override(t, "2026-04-06T10:00:00-04:00", "first_response", resume=True)
    refused = _refusals(t, "2026-04-06T12:00:00-04:00")
    assert "nothing to resume" in refused[t.events[-1].id]


def test_extensions_beyond_the_process_limit_are_refused() -> None:
    """Overrides may extend one cycle by at most ``max_extension`` in all (30 days by default,
    on the milestone's clock): a 20-day extension passes, a second one is refused."""
    t = Timeline().created("2026-04-06T09:00:00-04:00", tier="Gold")
    _override(t, "2026-04-06T10:00:00-04:00", "first_response", extend="20d")
    _override(t, "2026-04-06T10:30:00-04:00", "first_response", extend="20d")
    refused = _refusals(t, "2026-04-06T11:00:00-04:00")
    assert list(refused) == [t.events[-1].id]
    assert "max_extension 30d" in refused[t.events[-1].id]
    first = run("gold", t.events, "2026-04-06T11:00:00-04:00")["first_response", 1]
    assert first.target is not None
    assert first.target > 4 * H  # the first extension holds


def test_a_repeating_definition_applying_late_goes_on_repeating() -> None:
    """The P1 customer update (every 24 h) of a case raised to P1 after an answer: the first
    cycle is already met, and the next one runs from then, as a repeat does."""
    ms = run("gold", _raised_to_p1_after_an_answer().events, "2026-04-06T12:00:00-04:00")
    assert ms["customer_update", 1].state is MilestoneState.COMPLETED
    second = ms["customer_update", 2]
    assert second.state is MilestoneState.RUNNING
    assert second.deadline == at("2026-04-07T11:00:00-04:00")
