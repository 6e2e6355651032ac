"""Reminders at several offsets with a weekly repeat, and milestone statuses and phases
(``core.reminders``, ``core.milestone_status``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from caseclock.core.account_plans import ReminderSpec
from caseclock.core.day_offsets import open_days
from caseclock.core.milestone_status import (
    Status,
    TaskState,
    completes_on_tasks,
    phase_at,
    phase_spans,
    progress,
    status,
)
from caseclock.core.reminders import next_reminder, reminder_days, reminders_between
from tests.core.test_account_plans import US_EAST

NEW_YORK = ZoneInfo("America/New_York")
RETAINER = date(2018, 1, 31)  # a Wednesday
FOUR_AND_WEEKLY = ReminderSpec(before=("2mo", "1mo", "15d", "1w"), repeat="1w")


def _days(spec: ReminderSpec, due: date, count: int) -> list[date]:
    series = reminder_days(spec, due)
    return [next(series)[1] for _ in range(count)]


def test_reminders_at_four_offsets_then_weekly_until_done() -> None:
    """A retainer due 31 January 2018: 30 November, 29 December (31 December is a Sunday, so
    the Friday), 16 January, 24 January, then the due date and each week after it."""
    assert _days(FOUR_AND_WEEKLY, RETAINER, 7) == [
        date(2017, 11, 30),
        date(2017, 12, 29),
        date(2018, 1, 16),
        date(2018, 1, 24),
        date(2018, 1, 31),
        date(2018, 2, 7),
        date(2018, 2, 14),
    ]


def test_reminders_go_out_at_nine_in_the_milestones_zone_and_catch_up_by_window() -> None:
    """Each reminder is 09:00 New York time; asking for the window since the last one sent gives
    only the newer ones, and the next one after an instant is the first later one."""
    sent = datetime(2017, 12, 29, 14, 0, tzinfo=UTC)  # the 29 December one, 09:00 EST
    due = reminders_between(
        FOUR_AND_WEEKLY,
        RETAINER,
        NEW_YORK,
        after=sent,
        until=datetime(2018, 1, 25, tzinfo=UTC),
    )
    assert [(r.sequence, r.at) for r in due] == [
        (3, datetime(2018, 1, 16, 9, tzinfo=NEW_YORK)),
        (4, datetime(2018, 1, 24, 9, tzinfo=NEW_YORK)),
    ]
    following = next_reminder(FOUR_AND_WEEKLY, RETAINER, NEW_YORK, after=due[-1].at)
    assert following is not None
    assert (following.sequence, following.label) == (5, "on the due date")


def test_reminders_on_closed_days_come_on_the_previous_open_day_once() -> None:
    """On a calendar closed for Christmas, a reminder 1 week before 1 January 2027 (Friday 25
    December) moves to Thursday 24; one 8 days before, on that Thursday already, is the same
    reminder, not a second one."""
    spec = ReminderSpec(before=("8d", "1w"))
    days = list(reminder_days(spec, date(2027, 1, 1), is_open=open_days(US_EAST)))
    assert [d for _, d, _ in days] == [date(2026, 12, 24)]


def test_no_repeat_means_the_series_ends() -> None:
    """Without a repeat the series is the offsets and nothing after the last one."""
    spec = ReminderSpec(before=("2mo",))
    last = next_reminder(spec, RETAINER, NEW_YORK, after=datetime(2017, 12, 1, tzinfo=UTC))
    assert last is None


def test_status_precedence_reads_top_to_bottom() -> None:
    """Done beats overdue, overdue beats stuck, stuck beats due soon, due soon beats on track;
    the due date itself is still in time."""
    today = date(2026, 6, 1)
    open_task = (TaskState(required=True, done=False),)
    assert status(due=date(2026, 5, 1), today=today, done=True) is Status.DONE
    assert status(due=date(2026, 5, 31), today=today, done=False) is Status.OVERDUE
    assert status(due=today, today=today, done=False) is Status.DUE_SOON
    stuck = status(
        due=date(2026, 6, 5),
        today=today,
        done=False,
        tasks=open_task,
        last_moved=date(2026, 5, 1),
    )
    assert stuck is Status.STUCK
    assert status(due=date(2026, 9, 1), today=today, done=False) is Status.ON_TRACK


def test_progress_counts_required_tasks_and_completes_when_all_are_done() -> None:
    """Two of three required tasks done is two thirds; an optional task does not count; the
    milestone completes on its tasks only when every required one is done."""
    tasks = [
        TaskState(True, True),
        TaskState(True, True),
        TaskState(True, False),
        TaskState(False, False),
    ]
    assert progress(tasks) == 2 / 3
    assert not completes_on_tasks(tasks)
    assert completes_on_tasks([TaskState(True, True), TaskState(False, False)])
    assert progress([TaskState(False, True)]) is None
    assert not completes_on_tasks([])


def test_phases_run_from_one_lifecycle_milestone_to_the_next() -> None:
    """Introduction until 20 September, adoption until 20 November, retention until 20 August
    2018, then renewal for good; nothing before the start."""
    spans = phase_spans(
        date(2017, 8, 20),
        [
            ("introduction", date(2017, 9, 20)),
            ("adoption", date(2017, 11, 20)),
            ("retention", date(2018, 8, 20)),
            ("renewal", date(2018, 8, 20)),
        ],
    )
    assert phase_at(spans, date(2017, 8, 19)) is None
    assert phase_at(spans, date(2017, 8, 20)) == "introduction"
    assert phase_at(spans, date(2017, 9, 20)) == "adoption"
    assert phase_at(spans, date(2018, 8, 19)) == "retention"
    assert phase_at(spans, date(2031, 1, 1)) == "renewal"
