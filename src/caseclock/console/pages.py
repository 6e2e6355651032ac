"""Console pages: sign in and out, the at-risk board (and its self-refreshing rows), a record
and its forms. Routes are thin: the view modules build what the templates show, the forms go
through the ingestion service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console import actions
from caseclock.console.auth import (
    CsrfChecked,
    User,
    app_secret,
    clear_session,
    set_session,
    sign_in,
)
from caseclock.console.board import Filters, board
from caseclock.console.record_view import record_page
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import Unauthorized, ValidationFailed
from caseclock.services.records import get_record
from caseclock.store.models import RecordRow
from caseclock.store.repositories.reports import ReportRepository

router = console_router()
REFRESH_SECONDS = 30  # the board polls its rows this often (the seed asks for 55 s at most)


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect a signed-in person to another site."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None}, user=None)


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    *,
    session: DbSession,
    now: Now,
    key: Annotated[str, Form()] = "",
    me: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    tz: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        cookie = sign_in(
            session, key=key, me=me, team=team, zone=tz, now=now, secret=app_secret(request)
        )
    except Unauthorized:
        context = {"next": _safe_next(next), "error": "That API key is unknown or revoked."}
        return render(request, "login.html", context, user=None, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session(response, request, cookie)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    clear_session(response, request)
    return response


def board_filters(
    scope: str | None = None,
    tier: str | None = None,
    account: str | None = None,
    milestone: str | None = None,
) -> Filters:
    return Filters.parse(scope, tier, account, milestone)


BoardFilters = Annotated[Filters, Depends(board_filters)]


def _board_context(
    session: DbSession, user: User, now: Now, settings: SettingsDep, filters: BoardFilters
) -> dict[str, object]:
    accounts = ReportRepository(session).accounts(user.principal.accounts)
    return {
        "board": board(session, user, filters, now=now, yellow_within=settings.yellow_within),
        "accounts": accounts,
        "account_names": dict(accounts),
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
        "yellow_minutes": settings.yellow_minutes,
        "query": urlencode(filters.query()),
    }


BoardContext = Annotated[dict[str, object], Depends(_board_context)]


@router.get("/")
def at_risk(request: Request, session: DbSession, user: User, context: BoardContext) -> Response:
    repo = ReportRepository(session)
    page = {
        **context,
        "tiers": repo.tiers(),
        "milestones": repo.milestone_names(),
    }
    return render(request, "board.html", page, user=user)


@router.get("/board/rows")
def at_risk_rows(request: Request, user: User, context: BoardContext) -> Response:
    """The board's rows alone, for the page to refresh itself without losing its filters."""
    return render(request, "_board_rows.html", context, user=user)


def console_record(record_id: str, session: DbSession, user: User) -> RecordRow:
    """The record in the path, if this key may see it (else 404, as on the API)."""
    return get_record(session, record_id, user.principal)


CurrentRecord = Annotated[RecordRow, Depends(console_record)]


@router.get("/records/{record_id}")
def record(
    request: Request,
    *,
    row: CurrentRecord,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    page = record_page(session, row, now=now, yellow_within=settings.yellow_within)
    context = {"page": page, "now": now, "done": done, "error": error}
    return render(request, "record.html", context, user=user)


def _act(row: RecordRow, change: Callable[[], None], done: str) -> Response:
    """Apply one form's change, then back to the record: with a message, or with the error
    (nothing written) so the person can correct the form."""
    try:
        change()
    except ValidationFailed as exc:
        return _back(row.id, error=str(exc))
    return _back(row.id, done=done)


def _back(record_id: str, *, done: str | None = None, error: str | None = None) -> Response:
    query = urlencode({k: v for k, v in (("done", done), ("error", error)) if v})
    anchor = "#forms" if error else "#tracker"
    url = f"/records/{quote(record_id, safe='')}" + (f"?{query}" if query else "") + anchor
    return RedirectResponse(url, status_code=303)


Text = Annotated[str, Form()]


@router.post("/records/{record_id}/comment", dependencies=[CsrfChecked])
def post_comment(
    *,
    row: CurrentRecord,
    session: DbSession,
    user: User,
    now: Now,
    body: Text = "",
    visibility: Text = "public",
) -> Response:
    return _act(
        row,
        lambda: actions.comment(
            session, user, row, body=body, public=visibility == "public", now=now
        ),
        "Comment posted.",
    )


@router.post("/records/{record_id}/status", dependencies=[CsrfChecked])
def post_status(
    *, row: CurrentRecord, session: DbSession, user: User, now: Now, status: Text = ""
) -> Response:
    return _act(
        row,
        lambda: actions.change_status(session, user, row, status=status, now=now),
        f"Status set to {status.strip()}.",
    )


@router.post("/records/{record_id}/owner", dependencies=[CsrfChecked])
def post_owner(
    *,
    row: CurrentRecord,
    session: DbSession,
    user: User,
    now: Now,
    owner: Text = "",
    team: Text = "",
    note: Text = "",
) -> Response:
    return _act(
        row,
        lambda: actions.change_owner(
            session, user, row, owner=owner, team=team, note=note, now=now
        ),
        f"Handed over to {owner.strip()}.",
    )


@router.post("/records/{record_id}/sla", dependencies=[CsrfChecked])
def post_sla(
    *,
    row: CurrentRecord,
    session: DbSession,
    user: User,
    now: Now,
    milestone: Text = "",
    action: Text = "",
    amount: Text = "",
    reason: Text = "",
) -> Response:
    return _act(
        row,
        lambda: actions.change_sla(
            session,
            user,
            row,
            milestone=milestone,
            action=action,
            amount=amount,
            reason=reason,
            now=now,
        ),
        "SLA changed; the deadlines below are recomputed.",
    )
