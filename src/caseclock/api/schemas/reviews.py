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


class CsatOut(BaseModel):
    answers: int
    satisfied: int
    rate: float | None  # CSAT: satisfied answers over all answers
    average: float | None  # the average score as a share of its scale, 0 to 1


class ReviewOut(BaseModel):
    team: str
    cadence: Literal["weekly", "daily"]
    since: datetime
    until: datetime
    tiers: list[str] | None
    compliance: ComplianceOut
    previous: ComplianceOut
    csat: CsatOut  # customer satisfaction answers of the period
    previous_csat: CsatOut
    sections: list[SectionOut]
    notes: list[MarkOut]


class ScheduleIn(Strict):
    """A team's own review schedule; a value left out (null, empty) keeps the installation's."""

    weekday: int | None = Field(default=None, ge=0, le=6, description="0 Monday .. 6 Sunday")
    hour: int | None = Field(default=None, ge=0, le=23, description="local hour, 0-23")
    time_zone: str | None = Field(default=None, max_length=64)
    daily_tiers: list[str] = Field(default_factory=list, max_length=50)
    daily_accounts: list[str] = Field(default_factory=list, max_length=50)
    recipients: list[str] | None = Field(
        default=None, max_length=50, description="email addresses instead of the team's leads"
    )


class ScheduleOut(BaseModel):
    team: str
    weekday: int
    hour: int
    time_zone: str
    cadences: list[str]
    daily_tiers: list[str]
    daily_accounts: list[str]
    recipients: list[str] | None
    own: bool
