"""The at-risk queue on the wire: its rows and its counts by standing."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class QueueItemOut(BaseModel):
    record: str
    milestone: str
    name: str
    cycle: int
    state: str
    health: Literal["green", "yellow", "red"]
    deadline: datetime | None
    warning_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    basis: Literal["business", "calendar"] = Field(
        description="the clock the milestone counts on: its business calendar, or calendar "
        "time (every hour counts: 30d, 1y, date targets)"
    )
    remaining_seconds: float | None = Field(
        description="time left now in the milestone's own basis (negative once overdue; "
        "frozen while paused)"
    )
    owner: str | None
    team: str | None
    account: str | None
    calendar: str | None
    calendar_version: int | None = Field(
        default=None,
        description="the version of the calendar the milestone is counted on (its record's, "
        "or the one a migration kept it under): time left and health read that version",
    )
    kept_version: int | None = Field(
        default=None,
        description="for a cycle decided before its record moved to a newer process version: "
        "the version it ran under, kept as it was (null: the record's version)",
    )


class QueueCountsOut(BaseModel):
    """Open milestones matching the filters (all of them, not only this page), by standing."""

    at: datetime = Field(
        description="when these counts were taken: the answer's instant, or a few seconds "
        "earlier when the same filters were just counted (CASECLOCK_COUNTS_MAX_AGE_SECONDS)"
    )
    violated: int
    at_risk: int
    on_track: int
    paused: int


class QueueOut(BaseModel):
    at: datetime
    counts: QueueCountsOut
    items: list[QueueItemOut]
