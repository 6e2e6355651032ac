"""A record's page and the forms that act on it; each form writes one event through the
ingestion service (``console.actions``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console import actions
from caseclock.console.auth import CsrfChecked, User
from caseclock.console.people_view import directory_names
from caseclock.console.record_view import record_page
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import ValidationFailed
from caseclock.services.records import get_record
from caseclock.store.models import RecordRow

router = console_router()


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
    names = directory_names(session)
    context = {"page": page, "now": now, "done": done, "error": error, "directory": names}
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
