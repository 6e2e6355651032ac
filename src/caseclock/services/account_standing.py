"""How each account stands: its open milestones, and how many of them are past their deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.services.access import Principal
from caseclock.store.repositories.reports import ReportRepository


def open_by_account(
    session: Session, principal: Principal, *, now: datetime
) -> dict[str, tuple[int, int]]:
    """Per account ``principal`` may see: (open milestones, of which past their deadline)."""
    return ReportRepository(session).open_by_account(now=now, scope=principal.accounts)
