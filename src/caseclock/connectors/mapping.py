"""The mapping document of a history import, and how one row is read with it.

A mapping says which column holds the record id, which the instant (its format, and the zone
of instants written without an offset), which the event type (exports with one row per event),
which columns are the record's fields and how values translate::

    shape: snapshot                  # one row per update, each repeating every field
    record: number                   # the record id's column
    instant: {column: sys_updated_on, format: "%Y-%m-%d %H:%M:%S", zone: America/New_York}
    fields:
      status: {column: state, map: {"Awaiting User Info": Waiting for Customer}}
      priority: {column: priority, map: {"3 - Moderate": P3}, unmapped: error}
      owner: assigned_to
      team: assignment_group
      account: company
      type: {value: case}            # a constant

A column is a CSV header or, in JSON Lines, a key or a dotted path (``fields.status``). A blank
cell (or a missing key, or JSON null) is no value. Each failure to read a row is a ``RowError``
with the row's line and a reason; nothing here raises for bad rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from caseclock.core.events import EventType
from caseclock.core.provenance import ACTOR_LENGTH
from caseclock.core.record_fields import COLUMNS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Column(BaseModel):
    """Where one value comes from: a column (or a constant ``value``), translated by ``map``.

    ``unmapped: keep`` (the default) keeps a value the map lacks as it is; ``error`` refuses
    the row, so a status list can be held to the one the policy knows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = Field(default=None, min_length=1)
    value: JsonValue = None
    map: dict[str, JsonValue] = Field(default_factory=dict)
    unmapped: Literal["keep", "error"] = "keep"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _column_or_value(self) -> Column:
        if (self.column is None) == (self.value is None):
            raise ValueError("give a column or a constant value, not both")
        return self


class InstantFormat(StrEnum):
    ISO = "iso"  # ISO 8601; an offset, or the mapping's zone
    EPOCH = "epoch"  # Unix seconds
    EPOCH_MS = "epoch_ms"  # Unix milliseconds


class InstantSpec(BaseModel):
    """The instant of a row: ``format`` is ``iso``, ``epoch``, ``epoch_ms`` or a ``strptime``
    pattern; ``zone`` (IANA) places instants written without an offset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    format: str = InstantFormat.ISO
    zone: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in set(InstantFormat) and "%" not in value:
            raise ValueError(
                "use iso, epoch, epoch_ms or a strptime pattern such as '%Y-%m-%d %H:%M:%S'"
            )
        return value

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ImportMapping(BaseModel):
    """How a file's rows become events (see the module's docstring and docs/connectors.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shape: Literal["snapshot", "events"] = "snapshot"
    format: Literal["csv", "jsonl"] | None = None  # None: from the file's extension
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    record: Column
    record_prefix: str = ""
    instant: InstantSpec
    id: Column | None = None  # events shape: the source's own event id (else derived)
    type: Column | None = None  # events shape: the event type (caseclock's names, or mapped)
    fields: dict[str, Column] = Field(default_factory=dict)
    data: dict[str, Column] = Field(default_factory=dict)  # events shape: other event data
    actor: Column | None = None  # who made the change (else whoever runs the import)

    @model_validator(mode="after")
    def _shape_needs(self) -> ImportMapping:
        if self.shape == "events" and self.type is None:
            raise ValueError("an events-shaped export needs type: the column of the event type")
        if self.shape == "snapshot" and (self.type is not None or self.data):
            raise ValueError("type and data are for events-shaped exports (shape: events)")
        if self.shape == "snapshot" and not self.fields:
            raise ValueError("a snapshot export needs fields: the columns to diff")
        return self


class Problem(StrEnum):
    """Why a row was skipped: the summary counts rows by these."""

    UNREADABLE = "unreadable line"
    RECORD = "no usable record id"
    INSTANT = "no usable instant"
    VALUE = "value not in the mapping"
    TYPE = "no usable event type"
    DUPLICATE = "duplicate row"
    REFUSED = "event refused"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    problem: Problem
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class Row:
    """One row read with the mapping: its record, instant and values (None: no value)."""

    line: int
    record: str
    at: datetime
    fields: dict[str, JsonValue] = field(default_factory=dict)
    type: str | None = None  # events shape
    source_id: str | None = None  # events shape
    data: dict[str, JsonValue] = field(default_factory=dict)  # events shape
    actor: str | None = None  # who made the change, when the mapping names an actor column


class _Refused(ValueError):
    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


_TYPES = frozenset(str(kind) for kind in EventType)


def read_row(mapping: ImportMapping, values: Mapping[str, Any], line: int) -> Row | RowError:
    """Read one row (CSV cells by header, or a JSON object) with ``mapping``."""
    try:
        record = _text(_value(mapping.record, values, "record"))
        if record is None:
            raise _Refused(Problem.RECORD, f"no record id in {_where(mapping.record)}")
        at = read_instant(mapping.instant, _raw(values, mapping.instant.column))
        row = Row(line, mapping.record_prefix + record, at)
        for name, spec in mapping.fields.items():
            value = _value(spec, values, f"fields.{name}")
            row.fields[name] = _text(value) if name in COLUMNS else value
        if mapping.type is not None:
            kind = _text(_value(mapping.type, values, "type"))
            if kind not in _TYPES:
                raise _Refused(
                    Problem.TYPE,
                    f"event type {kind!r} is none of {', '.join(sorted(_TYPES))} "
                    "(map the source's names with type.map)",
                )
            row.type = kind
        if mapping.id is not None:
            row.source_id = _text(_value(mapping.id, values, "id"))
        for name, spec in mapping.data.items():
            row.data[name] = _value(spec, values, f"data.{name}")
        if mapping.actor is not None:
            row.actor = _actor(_text(_value(mapping.actor, values, "actor")))
    except _Refused as exc:
        return RowError(line, exc.problem, exc.message)
    return row


def _actor(text: str | None) -> str | None:
    """Who made a row's change, as events keep it (``core.provenance``); blank is nobody."""
    if text is None or not text.strip():
        return None
    if len(text.strip()) > ACTOR_LENGTH:
        raise _Refused(Problem.VALUE, f"actor: at most {ACTOR_LENGTH} characters")
    return text.strip()


def read_text(spec: Column, values: Mapping[str, Any]) -> str | None:
    """One value of a row as text (mapped as ``spec`` says), None when there is none; raises
    ``ValueError`` when it cannot be read."""
    return _text(_value(spec, values, spec.column or "value"))


def _where(spec: Column) -> str:
    return f"column {spec.column!r}" if spec.column is not None else "its constant"


def _raw(values: Mapping[str, Any], column: str) -> Any:
    """A cell, or a value at a dotted path of a JSON object; a blank string is no value."""
    if column in values:
        found = values[column]
    else:
        found = values
        for part in column.split("."):
            if not isinstance(found, Mapping) or part not in found:
                return None
            found = found[part]
    if isinstance(found, str) and not found.strip():
        return None
    return found


def _value(spec: Column, values: Mapping[str, Any], name: str) -> JsonValue:
    if spec.column is None:
        return spec.value
    raw = _raw(values, spec.column)
    if raw is None or not spec.map:
        return raw  # type: ignore[no-any-return]
    key = raw if isinstance(raw, str) else json.dumps(raw)
    if key in spec.map:
        return spec.map[key]
    if spec.unmapped == "error":
        raise _Refused(Problem.VALUE, f"{name}: {raw!r} is not in the mapping's map")
    return raw  # type: ignore[no-any-return]


def _text(value: JsonValue) -> str | None:
    """A value that names something (an id, a status, an owner) as text."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise _Refused(Problem.VALUE, f"{json.dumps(value)[:80]} is not a single value")
    return value if isinstance(value, str) else json.dumps(value)


# Patterns whose full-width values ``fromisoformat`` reads the same, many times faster.
_ISO_LIKE = {"%Y-%m-%d %H:%M:%S": " ", "%Y-%m-%dT%H:%M:%S": "T"}


def _strptime(text: str, pattern: str) -> datetime:
    separator = _ISO_LIKE.get(pattern)
    if separator is not None and len(text) == 19 and text[10] == separator:
        return datetime.fromisoformat(text)
    return datetime.strptime(text, pattern)  # noqa: DTZ007 (the caller places it in a zone)


def read_instant(spec: InstantSpec, raw: Any) -> datetime:
    """The aware UTC instant of a cell. A wall-clock time in ``spec.zone`` that falls in a DST
    fold takes the earlier offset; one in a gap moves forward by the gap (calendars do the
    same)."""
    if raw is None:
        raise _Refused(Problem.INSTANT, f"no instant in column {spec.column!r}")
    try:
        if spec.format in (InstantFormat.EPOCH, InstantFormat.EPOCH_MS):
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise ValueError("not a number")
            number = float(raw)
            scale = 1000 if spec.format == InstantFormat.EPOCH_MS else 1
            at = EPOCH + timedelta(seconds=number / scale)
        elif spec.format == InstantFormat.ISO:
            at = datetime.fromisoformat(str(raw).strip())
        else:
            at = _strptime(str(raw).strip(), spec.format)
    except (ValueError, OverflowError) as exc:
        raise _Refused(
            Problem.INSTANT, f"{spec.column}: {str(raw)[:60]!r} is not a {spec.format} instant"
        ) from exc
    if at.tzinfo is None or at.utcoffset() is None:
        if spec.zone is None:
            raise _Refused(
                Problem.INSTANT,
                f"{spec.column}: {str(raw)[:60]!r} has no offset and the mapping gives no "
                "instant.zone",
            )
        at = at.replace(tzinfo=ZoneInfo(spec.zone))
    return at.astimezone(UTC)
