"""Response shapes of ``/csat``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CsatSliceOut(BaseModel):
    label: str
    answers: int
    satisfied: int
    rate: float | None  # CSAT: satisfied answers over all answers
    average: float | None  # the average score as a share of its scale, 0 to 1


class CsatCommentOut(BaseModel):
    record_id: str
    answered_at: datetime
    score: int
    scale: int
    milestone: str | None
    comment: str


class CsatReportOut(BaseModel):
    since: datetime
    until: datetime
    overall: CsatSliceOut
    by_milestone: list[CsatSliceOut]
    by_tier: list[CsatSliceOut]
    by_team: list[CsatSliceOut]
    by_agent: list[CsatSliceOut]
    by_week: list[CsatSliceOut]
    comments: list[CsatCommentOut]
