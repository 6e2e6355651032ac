"""The records page: search by words and filter by state, status, priority, tier, owner, team
and account; records without an entitlement can be picked out."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.console.queues import role_queues
from caseclock.services import pick_lists
from caseclock.services.record_search import RecordFilter, search_records
from caseclock.store.models import RecordRow

PAGE_SIZE = 50
STATES = (("open", "Open"), ("closed", "Closed"), ("all", "Open and closed"))


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """The records page's search form, as its query string carries it."""

    q: str = ""
    state: str = "open"
    status: str = ""
    priority: str = ""
    tier: str = ""
    owner: str = ""
    team: str = ""
    account: str = ""
    entitlement: str = ""  # "missing": only records no entitlement matched
    page: int = 1

    def where(self) -> RecordFilter:
        closed = {"open": False, "closed": True}.get(self.state)
        return RecordFilter(
            text=self.q.strip() or None,
            closed=closed,
            status=self.status or None,
            priority=self.priority or None,
            tier=self.tier or None,
            owner=self.owner.strip() or None,
            team=self.team.strip() or None,
            account=self.account or None,
            entitlement_missing=self.entitlement == "missing",
        )

    def link(self, **changes: object) -> str:
        """This search's address with ``changes`` (defaults left out)."""
        changed = replace(self, **changes)  # type: ignore[arg-type]
        default = RecordQuery()
        params = {
            f.name: getattr(changed, f.name)
            for f in fields(self)
            if getattr(changed, f.name) != getattr(default, f.name)
        }
        return "/records" + (f"?{urlencode(params)}" if params else "")


@dataclass(frozen=True, slots=True)
class RecordsPage:
    query: RecordQuery
    rows: list[RecordRow]
    more: bool
    tiers: list[str]
    accounts: list[tuple[str, str]]
    role_queues: frozenset[str]  # teams that are role queues (``console.queues``)

    @property
    def account_names(self) -> dict[str, str]:
        return dict(self.accounts)


def records_page(session: Session, user: ConsoleUser, query: RecordQuery) -> RecordsPage:
    page = max(1, query.page)
    rows, more = search_records(
        session,
        query.where(),
        user.principal,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return RecordsPage(
        query=replace(query, page=page),
        rows=rows,
        more=more,
        tiers=pick_lists.tiers(session),
        accounts=pick_lists.visible_accounts(session, user.principal),
        role_queues=role_queues(session),
    )
