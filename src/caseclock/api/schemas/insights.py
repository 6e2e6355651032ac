"""Response shapes of the insights endpoints: priority suggestions and their decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class SuggestionOut(BaseModel):
    id: int
    record_id: str
    current: str | None
    suggested: str
    reasons: list[str]
    made_at: datetime
    state: Literal["open", "accepted", "dismissed", "applied", "superseded"]
    decided_at: datetime | None
    decided_by: str | None
    event_id: str | None  # the event that recorded the decision


class SuggestionListOut(BaseModel):
    items: list[SuggestionOut]
    has_more: bool = False
