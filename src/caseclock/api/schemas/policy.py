"""Calendars, processes and policy bundles on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CalendarOut(BaseModel):
    name: str
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ProcessSummary(BaseModel):
    key: str
    name: str
    version: int
    created_at: datetime


class ProcessOut(ProcessSummary):
    versions: list[int]
    document: dict[str, Any]


class AppliedProcessOut(BaseModel):
    key: str
    version: int
    created: bool


class AppliedCalendarOut(BaseModel):
    name: str
    changed: bool


class RuleChangesOut(BaseModel):
    """Rules, in words, that a bundle replaced, added and left in force as they were."""

    replaced: list[str]
    added: list[str]
    left: list[str]


class MigrationOut(BaseModel):
    """A migration of open records to new versions, run in committed batches: an interrupted
    one is continued by POST /policy/migration/resume."""

    id: int
    created_at: datetime
    criteria: str
    moved: int = Field(description="open records moved so far")
    remaining: int = Field(description="open records still to walk (0 once finished)")
    finished: bool
    preview: dict[str, Any] = Field(
        description="what it did to the records it moved so far (POST /policy/preview's shape)"
    )


class PolicyApplied(BaseModel):
    calendars: list[AppliedCalendarOut]
    processes: list[AppliedProcessOut]
    entitlement_rule_set: int | None
    entitlement_rules: RuleChangesOut
    escalation_rules: RuleChangesOut
    warnings: list[str]
    preview: dict[str, Any] | None = Field(
        description="what the migration did to the records it moved, in the shape of POST "
        "/policy/preview (None: no migration)"
    )
    migrated: int | None = Field(
        description="open records moved to the new versions (None: no migration)"
    )
    migration: MigrationOut | None = None


class HolidaysIn(BaseModel):
    """Holidays to add to a calendar: future dates."""

    model_config = ConfigDict(extra="forbid")

    dates: list[date] = Field(min_length=1, max_length=366, description="future dates")
