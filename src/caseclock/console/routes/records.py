"""A record's page and the forms that act on it; each form writes its events through the
ingestion service (``console.actions``).

A form that succeeds goes back to the record (303) with a message. A form that is refused
writes nothing and answers the record page itself (422) with the error inside that form and
every value as it was typed; each form posts to its own address with the form's ``#anchor``, so
the browser shows the page where the form is, not at its top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console import actions
from caseclock.console.auth import ConsoleUser, CsrfChecked, User
from caseclock.console.form_state import FormState, FormValues, form_values
from caseclock.console.people_view import directory_names
from caseclock.console.record_view import record_page
from caseclock.console.records_view import STATES, RecordQuery, records_page
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.core.account_clock import account_of, is_customer_record
from caseclock.errors import Conflict, ValidationFailed
from caseclock.services.record_entitlement import assign_process
from caseclock.services.records import get_record
from caseclock.store.models import RecordRow

router = console_router()


def console_record(record_id: str, session: DbSession, user: User) -> RecordRow:
    """The record in the path, if this key may see it (else 404, as on the API)."""
    return get_record(session, record_id, user.principal)


CurrentRecord = Annotated[RecordRow, Depends(console_record)]


@dataclass(frozen=True, slots=True)
class OnRecord:
    """One request about one record: who asks, when, and the record."""

    request: Request
    row: RecordRow
    session: Session
    user: ConsoleUser
    now: datetime
    yellow_within: timedelta

    def show(self, *, done: str | None = None, form: FormState | None = None) -> Response:
        page = record_page(
            self.session,
            self.row,
            now=self.now,
            yellow_within=self.yellow_within,
            zone=self.user.zone,
        )
        context = {
            "page": page,
            "now": self.now,
            "done": done,
            "form": form or FormState(),
            "directory": directory_names(self.session),
        }
        status = 422 if form is not None and form.error else 200
        return render(self.request, "record.html", context, user=self.user, status_code=status)

    def act(self, form: str, values: FormValues, change: Callable[[], str]) -> Response:
        """Apply one form's change, then back to the record with its message; or, when it is
        refused, nothing written and the page again with the error at the form."""
        try:
            done = change()
        except (ValidationFailed, Conflict) as exc:
            self.session.rollback()
            return self.show(form=FormState(form, exc.detail, exc.path, values))
        url = f"/records/{quote(self.row.id, safe='')}?{urlencode({'done': done})}#tracker"
        return RedirectResponse(url, status_code=303)


def on_record(
    request: Request,
    *,
    row: CurrentRecord,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
) -> OnRecord:
    return OnRecord(request, row, session, user, now, settings.yellow_within)


Acting = Annotated[OnRecord, Depends(on_record)]
Submitted = Annotated[FormValues, Depends(form_values)]


def record_query(
    *,
    q: str = "",
    state: str = "open",
    status: str = "",
    priority: str = "",
    tier: str = "",
    owner: str = "",
    team: str = "",
    account: str = "",
    entitlement: str = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> RecordQuery:
    return RecordQuery(q, state, status, priority, tier, owner, team, account, entitlement, page)


@router.get("/records")
def record_list(
    request: Request,
    session: DbSession,
    user: User,
    query: Annotated[RecordQuery, Depends(record_query)],
) -> Response:
    page = records_page(session, user, query)
    return render(request, "records.html", {"page": page, "states": STATES}, user=user)


@router.get("/records/{record_id}")
def record(on: Acting, done: str | None = None) -> Response:
    if is_customer_record(on.row.id):  # an account's customer milestones: its account page
        where = quote(account_of(on.row.id), safe="")
        return RedirectResponse(f"/accounts/{where}#milestones", status_code=303)
    return on.show(done=done)


@router.post("/records/{record_id}/comment", dependencies=[CsrfChecked])
def post_comment(on: Acting, values: Submitted) -> Response:
    def change() -> str:
        public = values.get("visibility", "public") == "public"
        body = values.get("body", "")
        actions.comment(on.session, on.user, on.row, body=body, public=public, now=on.now)
        return "Comment posted." if public else "Internal comment added."

    return on.act("comment", values, change)


@router.post("/records/{record_id}/status", dependencies=[CsrfChecked])
def post_status(on: Acting, values: Submitted) -> Response:
    def change() -> str:
        status = values.get("status", "")
        process = actions.process_of(on.session, on.row)
        actions.change_status(
            on.session, on.user, on.row, process=process, status=status, now=on.now
        )
        return f"Status set to {status.strip()}."

    return on.act("status", values, change)


@router.post("/records/{record_id}/owner", dependencies=[CsrfChecked])
def post_owner(on: Acting, values: Submitted) -> Response:
    def change() -> str:
        owner = values.get("owner", "")
        actions.change_owner(
            on.session,
            on.user,
            on.row,
            process=actions.process_of(on.session, on.row),
            owner=owner,
            team=values.get("team", ""),
            note=values.get("note", ""),
            submitted=values,
            now=on.now,
        )
        return f"Handed over to {owner.strip()}."

    return on.act("owner", values, change)


@router.post("/records/{record_id}/fields", dependencies=[CsrfChecked])
def post_fields(on: Acting, values: Submitted) -> Response:
    def change() -> str:
        count = actions.set_fields(
            on.session,
            on.user,
            on.row,
            process=actions.process_of(on.session, on.row),
            submitted=values,
            now=on.now,
        )
        return f"{count} field{'s' if count != 1 else ''} changed." if count else "No change."

    return on.act("fields", values, change)


@router.post("/records/{record_id}/complete", dependencies=[CsrfChecked])
def post_complete(on: Acting, values: Submitted) -> Response:
    def change() -> str:
        name = actions.complete(
            on.session,
            on.user,
            on.row,
            process=actions.process_of(on.session, on.row),
            milestone=values.get("milestone", ""),
            now=on.now,
        )
        return f"{name} marked complete."

    return on.act(f"complete-{values.get('milestone', '')}", values, change)


@router.post("/records/{record_id}/process", dependencies=[CsrfChecked])
def post_process(on: Acting, values: Submitted) -> Response:
    def change() -> str:
        key = values.get("process", "")
        assign_process(on.session, on.row.id, on.user.principal, process_key=key, now=on.now)
        return f"The record now runs on process {key}; its clocks count from its creation."

    return on.act("process", values, change)


@router.post("/records/{record_id}/sla", dependencies=[CsrfChecked])
def post_sla(on: Acting, values: Submitted) -> Response:
    def change() -> str:
        actions.change_sla(
            on.session,
            on.user,
            on.row,
            milestone=values.get("milestone", ""),
            action=values.get("action", ""),
            amount=values.get("amount", ""),
            reason=values.get("reason", ""),
            now=on.now,
        )
        return "SLA changed; the deadlines below are recomputed."

    return on.act("sla", values, change)
