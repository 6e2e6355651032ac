"""What the console's filters offer: the tiers in use, the accounts a key may see, the
milestones every process version defines."""

from __future__ import annotations

from sqlalchemy.orm import Session

from caseclock.services.access import Principal
from caseclock.store.repositories.reports import ReportRepository


def tiers(session: Session) -> list[str]:
    return ReportRepository(session).tiers()


def visible_accounts(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """(id, name) of each account ``principal`` may see, by name."""
    return ReportRepository(session).accounts(principal.accounts)


def milestone_names(session: Session) -> list[tuple[str, str]]:
    """(key, name) of every milestone definition, by name."""
    return ReportRepository(session).milestone_names()
