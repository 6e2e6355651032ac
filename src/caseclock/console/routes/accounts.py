"""The accounts list (most overdue first) and an account's page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console import charts
from caseclock.console.account_view import account_page, accounts
from caseclock.console.auth import User
from caseclock.console.router import console_router
from caseclock.console.templating import render

router = console_router()


@router.get("/accounts")
def account_list(request: Request, session: DbSession, user: User, now: Now) -> Response:
    rows = accounts(session, user, now=now)
    return render(request, "accounts.html", {"accounts": rows}, user=user)


@router.get("/accounts/{account_id}")
def account(
    request: Request,
    *,
    account_id: str,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
) -> Response:
    page = account_page(session, user, account_id, now=now, yellow_within=settings.yellow_within)
    chart = charts.compliance_bars(
        "Compliance by milestone, last 90 days", page.compliance.by_milestone
    )
    return render(request, "account.html", {"page": page, "chart": chart, "now": now}, user=user)
