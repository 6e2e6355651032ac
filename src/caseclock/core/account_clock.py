"""Customer milestones on the SLA engine: a dated milestone as a milestone cycle with timers.

A customer milestone is due on a date; the engine runs it like any milestone, on calendar time:

* its **deadline** is the end of its due day (00:00 the next day) in the milestone's zone, so
  it is violated once the due date has passed, as its status turns "overdue";
* its **warning** comes at the start of the day ``before`` the due date (default ``14d``: the
  day its status turns "due soon"); ``share`` puts it at that share of the time from start to
  deadline instead;
* its **violation** comes at the deadline (plus ``after``), then every ``repeat_every`` while
  it stays open; its **success** when it is completed, on time or late (both recorded);
* a milestone that waits for another (``starts_after``) is pending, with no timers, until that
  one completes.

What the actions do is an ``core.actions.Actions`` document, limited to what reaches people
(email, chat, webhook): a customer milestone has no case timeline for internal effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from pydantic import ValidationError

from caseclock.core.actions import Actions, WarningPlan
from caseclock.core.day_offsets import OpenDay, backwards, parse_offset, shift, weekdays
from caseclock.core.durations import Duration, DurationKind
from caseclock.core.milestones import Basis, Milestone, MilestoneState, Timer, TimerKind
from caseclock.core.periods import parse_period
from caseclock.core.validation import describe_validation_error
from caseclock.errors import ValidationFailed

DEFAULT_WARNING = "14d"  # the day a milestone turns "due soon" (core.milestone_status)
REACHING_PEOPLE = frozenset({"email", "chat", "webhook"})
DEFAULT_ACTIONS: dict[str, Any] = {
    "warning": {"before": DEFAULT_WARNING},
    "violation": {"do": [{"type": "email", "to": "owner"}]},
}


@dataclass(frozen=True, slots=True)
class CustomerMilestone:
    """What the engine needs of one customer milestone (``key`` is its engine key)."""

    key: str
    name: str
    cycle: int
    due_on: date
    zone: tzinfo
    started_at: datetime
    owner: str | None = None
    calendar: str | None = None
    completed_at: datetime | None = None
    waiting: bool = False  # it starts after another milestone that is not done yet


def day_start(day: date, zone: tzinfo) -> datetime:
    """00:00 on ``day`` in ``zone`` (as date fields are read: ``core.conditions``)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def deadline_of(due_on: date, zone: tzinfo) -> datetime:
    """The instant a milestone due on ``due_on`` is overdue: the end of its due day."""
    return day_start(due_on + timedelta(days=1), zone)


def parse_actions(document: Any, path: str = "actions") -> Actions:
    """A customer milestone's actions (the default ones for ``None``); refused, naming the
    path, when they are not an actions document or break ``action_problem``."""
    try:
        actions = Actions.model_validate(DEFAULT_ACTIONS if document is None else document)
    except ValidationError as exc:
        first = describe_validation_error(exc, path)[0]
        where, _, message = first.partition(": ")
        raise ValidationFailed(message or first, path=where or path) from None
    problem = action_problem(actions)
    if problem is not None:
        where, message = problem
        raise ValidationFailed(message, path=f"{path}.{where}")
    return actions


def action_problem(actions: Actions) -> tuple[str, str] | None:
    """(path, message) of the first thing a customer milestone cannot do: an action that would
    change a case (only email, chat and webhook reach people about a customer milestone), a
    warning offset that is not in days, weeks or months, a violation offset that is not
    calendar time. None when there is none."""
    tiers = [
        *(
            (f"warning[{place}]" if place else "warning", rung.do, rung.before)
            for place, rung in enumerate(actions.ladder())
        ),
        ("violation", actions.violation.do, None),
        ("success", actions.success.do, None),
    ]
    for where, do, before in tiers:
        for index, action in enumerate(do):
            if action.type not in REACHING_PEOPLE:
                return (
                    f"{where}.do[{index}].type",
                    f"a customer milestone's actions email, chat or call a webhook; "
                    f"{action.type!r} changes a case",
                )
        if before is not None:
            try:
                parse_offset(before)
            except ValueError as exc:
                return f"{where}.before", str(exc)
    for name in ("after", "repeat_every"):
        text = getattr(actions.violation, name)
        period = None if text is None else parse_period(text)
        if period is not None and (
            not isinstance(period, Duration) or period.kind is not DurationKind.CALENDAR_TIME
        ):
            return (
                f"violation.{name}",
                f"{text!r}: a customer milestone counts calendar time (2d, 1w)",
            )
    return None


def warning_instants(
    m: CustomerMilestone, actions: Actions, is_open: OpenDay = weekdays
) -> list[datetime]:
    """The instant of each rung of the warning ladder, in ladder order."""
    deadline = deadline_of(m.due_on, m.zone)
    return [_warning_at(m, rung, deadline, is_open) for rung in actions.ladder()]


def _warning_at(
    m: CustomerMilestone, rung: WarningPlan, deadline: datetime, is_open: OpenDay
) -> datetime:
    if rung.share is not None:
        started = min(m.started_at, deadline)
        return started + (deadline - started) * rung.share
    before = parse_offset(rung.before or DEFAULT_WARNING)
    return day_start(shift(m.due_on, backwards(before), is_open), m.zone)


def clock(
    m: CustomerMilestone,
    actions: Actions,
    now: datetime,
    is_open: OpenDay = weekdays,
) -> Milestone:
    """The milestone cycle of ``m`` at ``now``, with its timers (every timer of the cycle,
    past ones included, but of repeated violations only the last one due and the next)."""
    deadline = deadline_of(m.due_on, m.zone)
    started = min(m.started_at, deadline)  # one made after its due date starts at it
    target = deadline - started
    if m.waiting:
        return Milestone(
            m.key,
            m.name,
            m.cycle,
            MilestoneState.PENDING,
            calendar=m.calendar,
            deadline=deadline,
            owner=m.owner,
            basis=Basis.CALENDAR,
        )
    end = m.completed_at
    warnings = warning_instants(m, actions, is_open)
    timers = [
        Timer(at, m.key, m.cycle, TimerKind.WARNING, place)
        for place, at in enumerate(warnings)
        if at < deadline and (end is None or at < end)
    ]
    timers.extend(_violations(m, actions, deadline, end if end is not None else now))
    if end is not None:
        timers.append(Timer(end, m.key, m.cycle, TimerKind.SUCCESS))
    breached = (end if end is not None else now) >= deadline
    if end is not None:
        state = MilestoneState.COMPLETED
    else:
        state = MilestoneState.VIOLATED if breached else MilestoneState.RUNNING
    until = end if end is not None else now
    return Milestone(
        m.key,
        m.name,
        m.cycle,
        state,
        calendar=m.calendar,
        started_at=started,
        deadline=deadline,
        warning_at=min(warnings) if warnings else None,
        completed_at=end,
        ended_at=end,
        target=target,
        elapsed=max(timedelta(0), until - started),
        remaining=None if end is not None else deadline - now,
        late=None if end is None else end >= deadline,
        owner=m.owner,
        timers=tuple(sorted(timers, key=_order)),
        basis=Basis.CALENDAR,
        violated_at=deadline if breached else None,
    )


def _violations(
    m: CustomerMilestone, actions: Actions, deadline: datetime, until: datetime
) -> list[Timer]:
    """The first violation, and with a repeat the last one due by ``until`` and the next."""
    after, every = actions.violation.offsets()
    first = deadline + (after.amount if after is not None else timedelta(0))
    if m.completed_at is not None and m.completed_at < first:
        return []
    timers = [Timer(first, m.key, m.cycle, TimerKind.VIOLATION, 0)]
    if every is None or every.amount <= timedelta(0):
        return timers
    step = every.amount
    passed = (until - first) // step if until >= first else 0
    if passed:
        timers.append(Timer(first + step * passed, m.key, m.cycle, TimerKind.VIOLATION, passed))
    if m.completed_at is None:
        following = passed + 1
        timers.append(
            Timer(first + step * following, m.key, m.cycle, TimerKind.VIOLATION, following)
        )
    return timers


def _order(timer: Timer) -> tuple[datetime, int]:
    return (timer.at, timer.sequence)


# -- where customer milestones live on the engine -----------------------------------------------

RECORD_TYPE = "customer-milestones"
RECORD_PREFIX = f"{RECORD_TYPE}:"
KEY_PREFIX = "customer-"


def record_id_of(account_id: str) -> str:
    """The record an account's customer milestones run on: one per account."""
    return f"{RECORD_PREFIX}{account_id}"


def is_customer_record(record_id: str) -> bool:
    return record_id.startswith(RECORD_PREFIX)


def account_of(record_id: str) -> str:
    """The account whose customer milestones a customer record holds."""
    return record_id.removeprefix(RECORD_PREFIX)


def key_of(milestone_id: int) -> str:
    """A customer milestone's key on the engine (its rows, timers and firings)."""
    return f"{KEY_PREFIX}{milestone_id}"


def milestone_id_of(key: str) -> int | None:
    """The customer milestone behind an engine key (None for any other key)."""
    number = key.removeprefix(KEY_PREFIX)
    return int(number) if key.startswith(KEY_PREFIX) and number.isdigit() else None
