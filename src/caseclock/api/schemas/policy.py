"""Calendars, processes and policy bundles on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


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


class PolicyApplied(BaseModel):
    calendars: list[AppliedCalendarOut]
    processes: list[AppliedProcessOut]
    entitlement_rule_set: int | None
    entitlement_rules: RuleChangesOut
    escalation_rules: RuleChangesOut
    warnings: list[str]
    preview: dict[str, Any]  # what the change did, as POST /policy/preview answers it
    migrated: int | None  # open records moved to the new versions (None: no migration)
