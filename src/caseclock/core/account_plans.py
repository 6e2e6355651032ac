"""Plans: templates of customer milestones, and the dates they give an account.

A plan is a document (YAML or JSON, validated like a policy: unknown keys are errors that name
their path)::

    key: implementation
    name: Three-phase implementation
    calendar: us-east            # working-day offsets and closed-day moves count on it
    milestones:
      - key: delivery
        name: Product Onsite Delivery
        due: {offset: 12d}                       # from the account's start (the default)
        tasks: [{title: Submit the delivery request}, {title: Schedule the delivery date}]
        reminders: {before: [1w], repeat: 1w}
      - key: setup
        name: Product Onsite Setup and Installation
        starts_after: delivery                   # starts when delivery completes
        due: {offset: 30d}                       # counted from that completion
      - key: training
        name: Personnel Training
        starts_after: setup
        due: {offset: 10bd}                      # ten working days

``due`` is an absolute date (``on``) or an ``offset`` from ``after``: ``start`` (the date the
plan is applied from) or another milestone of the plan. A milestone counted from another one
counts from that one's completion once it is done, and from its due date until then, so the
dates of a running plan move when an earlier milestone finishes early or late. ``phase`` marks a
lifecycle milestone (``core.milestone_status.phase_spans``); ``every`` makes the milestone come
back (``1y``: each anniversary, counted from the first due date); ``pin`` shows its due date
among the account's details; ``move_off_closed`` moves a due date that falls on a closed day to
the previous open day of the plan's calendar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from caseclock.core.account_clock import action_problem
from caseclock.core.actions import Actions
from caseclock.core.day_offsets import (
    DayOffset,
    OpenDay,
    check_offset_text,
    parse_offset,
    previous_open_day,
    shift,
    weekdays,
)
from caseclock.core.documents import Document
from caseclock.core.validation import describe_validation_error
from caseclock.errors import ValidationFailed

KEY = r"^[a-z][a-z0-9_]*$"
START = "start"


class DueSpec(Document):
    """When a milestone is due: ``on`` a date, or ``offset`` after ``after`` (default start)."""

    on: date | None = None
    after: str | None = None
    offset: str | None = None

    _offset = field_validator("offset")(check_offset_text)

    @model_validator(mode="after")
    def _one_way(self) -> DueSpec:
        if self.on is not None and (self.offset is not None or self.after is not None):
            raise ValueError("a due date is a date (on) or an offset (offset, after), not both")
        if self.on is None and self.offset is None:
            raise ValueError("a due date needs a date (on) or an offset (offset: 30d)")
        return self


class TaskSpec(Document):
    """A task a milestone starts with; ``due`` counts back from the milestone's due date
    (``5d``: five days before it)."""

    title: str = Field(min_length=1, max_length=500)
    required: bool = True
    assignee: str | None = None
    due_before: str | None = None

    _due = field_validator("due_before")(check_offset_text)


class ReminderSpec(Document):
    """Reminders ahead of a due date: each of ``before`` (``2mo``, ``1mo``, ``15d``, ``1w``), then
    every ``repeat`` until the milestone is done; ``to`` names who gets them (``owner``,
    ``collaborators``, ``team``, a handle or an address); ``chat`` a chat endpoint."""

    before: tuple[str, ...] = ()
    repeat: str | None = None
    to: tuple[str, ...] = ("owner", "collaborators")
    chat: str | None = None

    @field_validator("before")
    @classmethod
    def _offsets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            if parse_offset(text).amount < 0:
                raise ValueError(f"{text!r}: a reminder offset counts back from the due date")
        return value

    @field_validator("repeat")
    @classmethod
    def _repeat(cls, value: str | None) -> str | None:
        if value is not None and parse_offset(value).amount <= 0:
            raise ValueError(f"{value!r}: a repeat is a positive period (1w, 1mo)")
        return value

    def is_empty(self) -> bool:
        return not self.before and self.repeat is None


class PlanMilestone(Document):
    key: str = Field(pattern=KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    due: DueSpec
    starts_after: str | None = None
    phase: str | None = Field(default=None, max_length=50)
    every: str | None = None
    pin: str | None = Field(default=None, max_length=50)
    owner: str | None = None
    team: str | None = Field(default=None, max_length=200)
    auto_complete: bool = True
    move_off_closed: bool = False
    tasks: tuple[TaskSpec, ...] = ()
    reminders: ReminderSpec = ReminderSpec()
    actions: Actions | None = None  # warning / violation / success (core.account_clock)

    _every = field_validator("every")(check_offset_text)

    @field_validator("actions")
    @classmethod
    def _reach(cls, value: Actions | None) -> Actions | None:
        problem = None if value is None else action_problem(value)
        if problem is not None:
            raise ValueError(f"{problem[0]}: {problem[1]}")
        return value

    def anchor(self) -> str:
        """What the due date counts from: ``after``, else the dependency, else the start."""
        return self.due.after or self.starts_after or START


class Plan(Document):
    key: str = Field(pattern=KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    calendar: str | None = None
    milestones: tuple[PlanMilestone, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Plan:
        keys = [m.key for m in self.milestones]
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise ValueError(f"milestone key {key!r} is used twice")
            seen.add(key)
        for m in self.milestones:
            for ref in {m.due.after, m.starts_after} - {None, START}:
                if ref not in seen:
                    raise ValueError(f"milestone {m.key!r} counts from unknown milestone {ref!r}")
        order(self.milestones)
        return self


def order(milestones: Sequence[PlanMilestone]) -> list[PlanMilestone]:
    """The milestones with each after those it counts from; ValueError naming a cycle."""
    by_key = {m.key: m for m in milestones}
    done: dict[str, PlanMilestone] = {}
    visiting: list[str] = []

    def visit(key: str) -> None:
        if key in done:
            return
        if key in visiting:
            cycle = " -> ".join([*visiting[visiting.index(key) :], key])
            raise ValueError(f"milestones depend on each other in a circle: {cycle}")
        visiting.append(key)
        m = by_key[key]
        for ref in (m.due.after, m.starts_after):
            if ref is not None and ref != START:
                visit(ref)
        visiting.pop()
        done[key] = m

    for m in milestones:
        visit(m.key)
    return list(done.values())


class PlanInvalid(ValidationFailed):
    """A plan document with problems, each naming its path (``errors``, for problem details);
    ``path`` is the first one's."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        where, separator, _ = errors[0].partition(": ")
        self.path = where if separator and " " not in where else "plan"
        self.errors = errors


def parse_plan(text: str | Mapping[str, Any]) -> Plan:
    """A plan from YAML or JSON text (or a parsed mapping); ValidationFailed naming each path."""
    data: Any = text
    if isinstance(text, str):
        try:
            data = yaml.safe_load(text)  # JSON is YAML too
        except yaml.YAMLError as exc:
            raise ValidationFailed(f"the plan is not YAML or JSON: {exc}".splitlines()[0]) from None
    if not isinstance(data, Mapping):
        raise ValidationFailed("a plan is a mapping: key, name, milestones", path="plan")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanInvalid(describe_validation_error(exc)) from None


@dataclass(frozen=True, slots=True)
class Dated:
    """A milestone's dates on one account: when it starts and when it is due (``moved_from``:
    the due date before it was moved off a closed day)."""

    key: str
    starts: date
    due: date
    moved_from: date | None = None


def due_from(
    anchor: date, offset: str, *, is_open: OpenDay = weekdays, move_off_closed: bool = False
) -> tuple[date, date | None]:
    """``anchor`` moved by ``offset``; moved to the previous open day when asked and closed.
    Returns the due date and the date it was moved from (None when not moved)."""
    due = shift(anchor, parse_offset(offset), is_open)
    return off_closed(due, is_open=is_open, move=move_off_closed)


def off_closed(due: date, *, is_open: OpenDay, move: bool) -> tuple[date, date | None]:
    """``due``, or the previous open day when ``move`` and ``due`` is closed (with ``due``)."""
    if not move:
        return due, None
    moved = previous_open_day(due, is_open)
    return moved, (due if moved != due else None)


def schedule(
    plan: Plan,
    start: date,
    *,
    completed: Mapping[str, date] | None = None,
    is_open: OpenDay = weekdays,
) -> dict[str, Dated]:
    """The dates of every milestone of ``plan`` applied from ``start``.

    A milestone counting from another counts from its completion date in ``completed``, else
    from its due date; one with ``starts_after`` starts then (else on ``start``).
    """
    done = completed or {}
    dated: dict[str, Dated] = {}

    def reference(key: str) -> date:
        if key == START:
            return start
        return done.get(key, dated[key].due)

    for m in order(plan.milestones):
        starts = reference(m.starts_after) if m.starts_after else start
        if m.due.on is not None:
            due, moved = off_closed(m.due.on, is_open=is_open, move=m.move_off_closed)
        else:
            due, moved = due_from(
                reference(m.anchor()),
                m.due.offset or "0d",  # the model holds a date or an offset
                is_open=is_open,
                move_off_closed=m.move_off_closed,
            )
        dated[m.key] = Dated(m.key, min(starts, due), due, moved)
    return dated


def occurrence(first_due: date, every: str, index: int) -> date:
    """The ``index``-th date of a recurring milestone (0 is ``first_due``), counted from the
    first due date, not from the previous one: yearly from 29 February falls on 28 February in
    common years and on 29 February again in leap years."""
    offset = parse_offset(every)
    return shift(first_due, DayOffset(offset.unit, offset.amount * index, offset.text))
