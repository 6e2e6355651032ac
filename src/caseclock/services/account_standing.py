"""How each account stands: its open milestones, and how many of them are past their deadline."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.services.access import Principal
from caseclock.store.repositories.reports import ReportRepository

SEGMENT_LOOKUP = 2000  # a segment up to this size is counted by its accounts, not by a pass


def open_by_account(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    among: Collection[str] | None = None,
) -> dict[str, tuple[int, int]]:
    """Per account ``principal`` may see (and among ``among`` when given): (open milestones,
    of which past their deadline). A small segment is read account by account from the
    ``(account_id, is_open, ...)`` index instead of a pass over every open milestone."""
    scope = principal.accounts
    if among is not None and len(among) <= SEGMENT_LOOKUP:
        scope = frozenset(among) if scope is None else scope & frozenset(among)
    return ReportRepository(session).open_by_account(now=now, scope=scope)
