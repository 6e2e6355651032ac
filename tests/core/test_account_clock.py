"""Customer milestones on the engine (``core.account_clock``): a dated milestone becomes a
calendar-time milestone cycle whose deadline is the end of its due day in its zone, warned when
it turns "due soon", violated once overdue, succeeded when done; its actions only reach people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from caseclock.core.account_clock import (
    DEFAULT_ACTIONS,
    CustomerMilestone,
    account_of,
    clock,
    deadline_of,
    is_customer_record,
    key_of,
    milestone_id_of,
    parse_actions,
    record_id_of,
)
from caseclock.core.account_plans import parse_plan
from caseclock.core.milestone_status import Status, status
from caseclock.core.milestones import Basis, MilestoneState, TimerKind
from caseclock.errors import ValidationFailed

NEW_YORK = ZoneInfo("America/New_York")
MADE = datetime(2018, 8, 1, 14, 0, tzinfo=UTC)


def delivery(**changes: object) -> CustomerMilestone:
    """Product Onsite Delivery, due 1 September 2018, owned by mia in New York."""
    values: dict[str, object] = {
        "key": key_of(7),
        "name": "Product Onsite Delivery",
        "cycle": 0,
        "due_on": date(2018, 9, 1),
        "zone": NEW_YORK,
        "started_at": MADE,
        "owner": "mia",
        **changes,
    }
    return CustomerMilestone(**values)  # type: ignore[arg-type]


def test_the_deadline_is_the_end_of_the_due_day_in_the_milestones_zone() -> None:
    """Due 1 September in New York: overdue from 00:00 on 2 September there (04:00 UTC)."""
    assert deadline_of(date(2018, 9, 1), NEW_YORK) == datetime(2018, 9, 2, 4, 0, tzinfo=UTC)
    running = clock(delivery(), parse_actions(None), datetime(2018, 9, 2, 3, 59, tzinfo=UTC))
    assert running.state is MilestoneState.RUNNING
    assert running.basis is Basis.CALENDAR
    assert running.remaining == timedelta(minutes=1)
    overdue = clock(delivery(), parse_actions(None), datetime(2018, 9, 2, 4, 0, tzinfo=UTC))
    assert overdue.state is MilestoneState.VIOLATED
    assert overdue.violated_at == datetime(2018, 9, 2, 4, 0, tzinfo=UTC)


def test_the_engine_and_the_status_agree_on_due_soon_and_overdue() -> None:
    """The default warning comes at the start of the day the status turns "due soon", and the
    violation at the start of the first day it is "overdue", for every day around them."""
    m = delivery()
    timers = clock(m, parse_actions(None), MADE).timers
    warning = next(t.at for t in timers if t.kind is TimerKind.WARNING)
    violation = next(t.at for t in timers if t.kind is TimerKind.VIOLATION)
    for offset in range(-20, 5):
        day = m.due_on + timedelta(days=offset)
        start = datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK)
        word = status(due=m.due_on, today=day, done=False)
        assert (start >= warning) == (word in (Status.DUE_SOON, Status.OVERDUE)), day
        assert (start >= violation) == (word is Status.OVERDUE), day


def test_timers_warning_violation_then_success_once_done() -> None:
    """Open: a warning 14 days before and a violation at the deadline. Done late on
    3 September: the success is planned then, the cycle recorded as late, the breach kept."""
    actions = parse_actions(None)
    open_plan = clock(delivery(), actions, MADE)
    assert [(t.kind, t.at) for t in open_plan.timers] == [
        (TimerKind.WARNING, datetime(2018, 8, 18, 4, 0, tzinfo=UTC)),
        (TimerKind.VIOLATION, datetime(2018, 9, 2, 4, 0, tzinfo=UTC)),
    ]
    done_at = datetime(2018, 9, 3, 15, 0, tzinfo=UTC)
    done = clock(delivery(completed_at=done_at), actions, done_at)
    assert done.state is MilestoneState.COMPLETED
    assert done.late is True
    assert done.violated_at == datetime(2018, 9, 2, 4, 0, tzinfo=UTC)
    assert [t.kind for t in done.timers] == [
        TimerKind.WARNING,
        TimerKind.VIOLATION,
        TimerKind.SUCCESS,
    ]


def test_done_early_plans_no_warning_nor_violation() -> None:
    """Completed on 10 August, before the warning: only the success fires, on time."""
    done_at = datetime(2018, 8, 10, 12, 0, tzinfo=UTC)
    done = clock(delivery(completed_at=done_at), parse_actions(None), done_at)
    assert [(t.kind, t.at) for t in done.timers] == [(TimerKind.SUCCESS, done_at)]
    assert done.late is False
    assert done.violated_at is None


def test_a_warning_ladder_and_a_repeating_violation() -> None:
    """Warnings 1 month and 1 week before (working days count on the plan's days), then the
    violation repeats weekly: the plan holds the last one due and the next one."""
    actions = parse_actions(
        {
            "warning": [{"before": "1mo"}, {"before": "1w"}],
            "violation": {"repeat_every": "7d", "do": [{"type": "email", "to": "team"}]},
        }
    )
    now = datetime(2018, 9, 20, 12, 0, tzinfo=UTC)
    found = clock(delivery(), actions, now)
    assert [(t.kind, t.sequence, t.at.date()) for t in found.timers] == [
        (TimerKind.WARNING, 0, date(2018, 8, 1)),
        (TimerKind.WARNING, 1, date(2018, 8, 25)),
        (TimerKind.VIOLATION, 0, date(2018, 9, 2)),
        (TimerKind.VIOLATION, 2, date(2018, 9, 16)),
        (TimerKind.VIOLATION, 3, date(2018, 9, 23)),
    ]


def test_a_milestone_waiting_for_another_is_pending_without_timers() -> None:
    """Training waits for setup: pending, no timers, not on the board, its deadline projected."""
    found = clock(delivery(waiting=True), parse_actions(None), MADE)
    assert found.state is MilestoneState.PENDING
    assert not found.is_open
    assert found.timers == ()
    assert found.deadline == datetime(2018, 9, 2, 4, 0, tzinfo=UTC)


def test_a_leap_day_due_date_falls_due_at_the_end_of_29_february() -> None:
    """Due 29 February 2020 in UTC: overdue at 00:00 on 1 March."""
    found = clock(
        delivery(due_on=date(2020, 2, 29), zone=UTC, started_at=datetime(2020, 1, 1, tzinfo=UTC)),
        parse_actions(None),
        datetime(2020, 3, 1, tzinfo=UTC),
    )
    assert found.deadline == datetime(2020, 3, 1, tzinfo=UTC)
    assert found.state is MilestoneState.VIOLATED


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (
            {"violation": {"do": [{"type": "reassign", "to": "lee"}]}},
            "actions.violation.do[0].type",
        ),
        ({"success": {"do": [{"type": "add_note", "body": "x"}]}}, "actions.success.do[0].type"),
        ({"warning": {"before": "4h"}}, "actions.warning.before"),
        ({"violation": {"repeat_every": "4h"}}, "actions.violation.repeat_every"),
        ({"violation": {"sometimes": True}}, "actions.violation"),
    ],
)
def test_actions_that_cannot_run_on_a_customer_milestone_are_refused_at_their_path(
    document: dict[str, object], path: str
) -> None:
    """Internal effects (they change a case), hour offsets and unknown keys are refused."""
    with pytest.raises(ValidationFailed) as refused:
        parse_actions(document)
    assert refused.value.path == path


def test_default_actions_warn_at_due_soon_and_email_the_owner_once_overdue() -> None:
    actions = parse_actions(None)
    assert actions == parse_actions(DEFAULT_ACTIONS)
    assert actions.warning.before == "14d"
    assert [(a.type, a.to) for a in actions.violation.do] == [("email", "owner")]


def test_a_plan_refuses_actions_that_change_a_case_naming_the_milestone() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_plan(
            {
                "key": "p",
                "name": "P",
                "milestones": [
                    {
                        "key": "a",
                        "name": "A",
                        "due": {"offset": "30d"},
                        "actions": {"warning": {"do": [{"type": "set_status", "status": "x"}]}},
                    }
                ],
            }
        )
    assert refused.value.path == "milestones[0].actions"
    assert "set_status" in str(refused.value)


def test_customer_records_and_keys_name_their_account_and_milestone() -> None:
    assert record_id_of("acme") == "customer-milestones:acme"
    assert is_customer_record("customer-milestones:acme")
    assert not is_customer_record("C-1042")
    assert account_of(record_id_of("a:b")) == "a:b"
    assert milestone_id_of(key_of(42)) == 42
    assert milestone_id_of("first_response") is None
