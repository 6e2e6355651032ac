"""Reconciliation: a source's own SLA deadlines beside caseclock's, to trust the switch.

The source's SLA state is an export read with a small mapping, in one of two shapes:

- **long**, one row per record and SLA (Zendesk ticket metric events, Jira Service
  Management's SLA cycles)::

      record: ticket_id
      record_prefix: zendesk-
      milestone: {column: metric, map: {reply_time: first_response, agent_work_time: resolution}}
      deadline: {column: time}                 # an instant, as import mappings read them
      where: {column: type, value: breach}     # optional: only the rows that give a deadline

- **wide**, one row per record with a column per SLA (Zammad's escalation fields)::

      record: number
      deadlines:
        first_response: {column: first_response_escalation_at}
        resolution: {column: close_escalation_at}

``compare`` pairs each (record, milestone) of the source with caseclock's deadline of that
milestone (its latest cycle) and lists the pairs that differ by more than the tolerance, and
those only one side has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from caseclock.connectors.mapping import (
    Column,
    InstantSpec,
    Problem,
    RowError,
    read_instant,
    read_text,
)


class Where(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    value: str


class ReconcileMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["csv", "jsonl"] | None = None
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    record: Column
    record_prefix: str = ""
    milestone: Column | None = None
    deadline: InstantSpec | None = None
    where: Where | None = None
    deadlines: dict[str, InstantSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_shape(self) -> ReconcileMapping:
        long = self.milestone is not None and self.deadline is not None
        if long == bool(self.deadlines):
            raise ValueError(
                "give milestone and deadline (one row per SLA) or deadlines (a column per SLA)"
            )
        return self


@dataclass(frozen=True, slots=True)
class SourceDeadline:
    line: int
    record: str
    milestone: str
    at: datetime


def source_deadlines(
    mapping: ReconcileMapping, rows: Iterable[tuple[int, Mapping[str, Any] | RowError]]
) -> Iterator[SourceDeadline | RowError]:
    """The deadlines a source's rows state (the latest per record and milestone wins later);
    rows that cannot be read pass through."""
    for line, values in rows:
        if isinstance(values, RowError):
            yield values
            continue
        if (
            mapping.where is not None
            and read_text(Column(column=mapping.where.column), values) != mapping.where.value
        ):
            continue
        try:
            record = read_text(mapping.record, values)
            if record is None:
                yield RowError(line, Problem.RECORD, "no record id")
                continue
            record = mapping.record_prefix + record
            if mapping.milestone is not None and mapping.deadline is not None:
                key = read_text(mapping.milestone, values)
                if key is not None:
                    yield SourceDeadline(line, record, key, _instant(mapping.deadline, values))
                continue
            for key, spec in mapping.deadlines.items():
                if read_text(Column(column=spec.column), values) is not None:
                    yield SourceDeadline(line, record, key, _instant(spec, values))
        except ValueError as exc:
            yield RowError(line, Problem.INSTANT, str(exc))


def _instant(spec: InstantSpec, values: Mapping[str, Any]) -> datetime:
    return read_instant(spec, read_text(Column(column=spec.column), values))


@dataclass(frozen=True, slots=True)
class Difference:
    record: str
    milestone: str
    source: datetime | None
    caseclock: datetime | None

    @property
    def delta(self) -> timedelta | None:
        if self.source is None or self.caseclock is None:
            return None
        return self.caseclock - self.source


def compare(
    theirs: Iterable[SourceDeadline],
    ours: Mapping[tuple[str, str], datetime | None],
    *,
    tolerance: timedelta,
) -> list[Difference]:
    """The (record, milestone) pairs whose deadlines differ by more than ``tolerance``, or
    that only one side has a deadline for (among the records and milestones the source
    names: a milestone it does not track at all is not compared)."""
    latest: dict[tuple[str, str], datetime] = {}
    for found in theirs:
        latest[(found.record, found.milestone)] = found.at
    records = {record for record, _ in latest}
    keys = {key for _, key in latest}  # milestones the source does not track are not compared
    differences = []
    for pair in sorted(latest.keys() | {p for p in ours if p[0] in records and p[1] in keys}):
        source, mine = latest.get(pair), ours.get(pair)
        if source is not None and mine is not None and abs(mine - source) <= tolerance:
            continue
        if source is None and mine is None:
            continue
        differences.append(Difference(pair[0], pair[1], source, mine))
    return differences
