"""Request and response shapes of ``/reviews``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from caseclock.api.schemas.common import Strict


class MarkIn(Strict):
    record_id: str = Field(min_length=1, max_length=200)
    milestone: str = Field(min_length=1, max_length=100)
    cycle: int = Field(default=1, ge=1)
    note: str = Field(default="", max_length=2000)


class MarkOut(BaseModel):
    record_id: str
    milestone: str
    cycle: int
    note: str
    by: str
    at: datetime


class HeldOut(BaseModel):
    by: str | None
    why: str
    since: datetime | None


class ItemOut(BaseModel):
    record_id: str
    milestone: str
    name: str
    cycle: int
    state: str
    deadline: datetime | None
    completed_at: datetime | None
    violated_at: datetime | None
    owner: str | None
    account_id: str | None
    tier: str | None
    last_activity: datetime
    summary: str = Field(description="the item in words, as the page and the digest say it")
    mark: MarkOut | None = None
    held: HeldOut | None = None


class SectionOut(BaseModel):
    key: Literal["violated", "at_risk", "stalled", "paused", "late", "decide"]
    title: str
    total: int = Field(description="how many there are; items lists the most pressing")
    items: list[ItemOut]


class ComplianceOut(BaseModel):
    on_time: int
    late: int
    violated: int
    open: int
    other: int
    rate: float | None


class ReviewOut(BaseModel):
    team: str
    cadence: Literal["weekly", "daily"]
    since: datetime
    until: datetime
    tiers: list[str] | None
    compliance: ComplianceOut
    previous: ComplianceOut
    sections: list[SectionOut]
    notes: list[MarkOut]
