"""The at-risk board and its self-refreshing rows (the view is ``console.board``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import Response

from caseclock.api.deps import CountsCacheDep, DbSession, Now, SettingsDep
from caseclock.console.auth import User
from caseclock.console.board import KINDS, Filters, board
from caseclock.console.queues import role_queues
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.services import pick_lists

router = console_router()
REFRESH_SECONDS = 30  # the board polls its rows this often (leads expect under a minute)


def board_filters(
    *,
    scope: str | None = None,
    tier: str | None = None,
    account: str | None = None,
    milestone: str | None = None,
    order: str | None = None,
    view: str | None = None,
    kind: str | None = None,
) -> Filters:
    return Filters.parse(
        scope=scope,
        tier=tier,
        account=account,
        milestone=milestone,
        order=order,
        view=view,
        kind=kind,
    )


BoardFilters = Annotated[Filters, Depends(board_filters)]


def _board_context(
    *,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
    counts_cache: CountsCacheDep,
    filters: BoardFilters,
) -> dict[str, object]:
    accounts = pick_lists.visible_accounts(session, user.principal)
    found = board(
        session,
        user,
        filters,
        now=now,
        yellow_within=settings.yellow_within,
        counts_cache=counts_cache,
    )
    return {
        "board": found,
        "accounts": accounts,
        "account_names": dict(accounts),
        "role_queues": role_queues(session),
        "kinds": KINDS,
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
        "yellow_minutes": settings.yellow_minutes,
        "query": urlencode(filters.query()),
    }


BoardContext = Annotated[dict[str, object], Depends(_board_context)]


@router.get("/")
def at_risk(request: Request, session: DbSession, user: User, context: BoardContext) -> Response:
    page = {
        **context,
        "tiers": pick_lists.tiers(session),
        "milestones": pick_lists.milestone_names(session),
    }
    return render(request, "board.html", page, user=user)


@router.get("/board/rows")
def at_risk_rows(request: Request, user: User, context: BoardContext) -> Response:
    """The board's rows alone, for the page to refresh itself without losing its filters."""
    return render(request, "_board_rows.html", context, user=user)
