"""How a customer milestone stands, in the words a customer-success team uses, and which
lifecycle phase an account is in.

Precedence, written once and read top to bottom:

1. **done**: completed (by hand, or by its required tasks when it completes on them);
2. **overdue**: its due date has passed (the due date itself is still in time);
3. **stuck**: it has open tasks and none of its tasks moved for ``stuck_after`` days;
4. **due soon**: due within ``due_soon`` days (today included);
5. **on track**: the rest.

Progress is the share of required tasks done; a milestone without required tasks has none.

Lifecycle phases come from the milestones that carry a ``phase``: ordered by due date, each
phase runs from the previous one's due date (the first from the account's start) up to, not
including, its own due date; the last one runs on (the renewal phase comes back every year).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

DUE_SOON = timedelta(days=14)
STUCK_AFTER = timedelta(days=14)


class Status(StrEnum):
    ON_TRACK = "on track"
    DUE_SOON = "due soon"
    OVERDUE = "overdue"
    DONE = "done"
    STUCK = "stuck"


@dataclass(frozen=True, slots=True)
class TaskState:
    required: bool
    done: bool


def status(
    *,
    due: date,
    today: date,
    done: bool,
    tasks: Sequence[TaskState] = (),
    last_moved: date | None = None,
    due_soon: timedelta = DUE_SOON,
    stuck_after: timedelta = STUCK_AFTER,
) -> Status:
    """The status of a milestone on ``today`` (``last_moved``: the last day a task was added,
    completed, reopened or reassigned)."""
    if done:
        return Status.DONE
    if today > due:
        return Status.OVERDUE
    open_tasks = any(not t.done for t in tasks)
    if open_tasks and last_moved is not None and today - last_moved >= stuck_after:
        return Status.STUCK
    if due - today <= due_soon:
        return Status.DUE_SOON
    return Status.ON_TRACK


def progress(tasks: Sequence[TaskState]) -> float | None:
    """The share of required tasks done (0 to 1), None without required tasks."""
    required = [t for t in tasks if t.required]
    if not required:
        return None
    return sum(t.done for t in required) / len(required)


def completes_on_tasks(tasks: Sequence[TaskState]) -> bool:
    """Whether a milestone that completes on its tasks is complete: it has required tasks and
    every one is done."""
    return progress(tasks) == 1.0


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """One phase: from ``since`` (included) to ``until`` (excluded; None: open-ended)."""

    phase: str
    since: date
    until: date | None

    def holds(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


def phase_spans(start: date, lifecycle: Sequence[tuple[str, date]]) -> list[PhaseSpan]:
    """The phases of an account that started on ``start``, from its lifecycle milestones
    ``(phase, due date)``."""
    ordered = sorted(lifecycle, key=lambda p: p[1])
    spans = []
    since = start
    for index, (phase, due) in enumerate(ordered):
        last = index == len(ordered) - 1
        spans.append(PhaseSpan(phase, since, None if last else due))
        since = due
    return spans


def phase_at(spans: Sequence[PhaseSpan], day: date) -> str | None:
    """The phase on ``day``, None before the start or without lifecycle milestones."""
    for span in spans:
        if span.holds(day):
            return span.phase
    return None
