"""Processes (each version in words), calendars (each as a week grid) and, for admins, the
policy editor (check, preview, apply and migrate a bundle)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form, Query, Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession, Now
from caseclock.console.auth import ConsoleUser, CsrfChecked, User
from caseclock.console.policy_editor import (
    MIGRATE,
    EditorPage,
    bundle_text,
    holiday_text,
    resume,
    submit,
    unfinished_migration,
)
from caseclock.console.policy_view import calendars, process_page, processes
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import CaseclockError
from caseclock.services.access import Role
from caseclock.store.database import SessionFactory
from caseclock.store.limits import REQUEST_BYTES

router = console_router()


@router.get("/processes")
def process_list(request: Request, session: DbSession, user: User) -> Response:
    return render(request, "processes.html", {"processes": processes(session)}, user=user)


@router.get("/processes/{key}")
def process(
    *, request: Request, key: str, session: DbSession, user: User, version: int | None = None
) -> Response:
    page = process_page(session, key, version)
    return render(request, "process.html", {"process": page}, user=user)


@router.get("/calendars")
def calendar_list(request: Request, session: DbSession, user: User, now: Now) -> Response:
    pages = calendars(session, now=now)
    return render(request, "calendars.html", {"calendars": pages, "now": now}, user=user)


Field = Annotated[str, Form(max_length=REQUEST_BYTES)]


def _editor(request: Request, user: ConsoleUser, page: EditorPage, status: int = 200) -> Response:
    context = {"page": page, "migrate_choices": MIGRATE}
    return render(request, "policy_editor.html", context, user=user, status_code=status)


def _admin(user: ConsoleUser) -> None:
    user.principal.require(Role.ADMIN)
    user.principal.require_unscoped()


@router.get("/policy")
def policy_editor(
    *,
    request: Request,
    session: DbSession,
    user: User,
    now: Now,
    calendar: Annotated[str | None, Query(max_length=100)] = None,
    holiday: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The policy in force; with ``calendar`` and ``holiday``, a bundle holding only that
    calendar with the holiday added, ready to preview with every open record moved."""
    _admin(user)
    page = EditorPage(text="")
    if calendar is not None and holiday is not None:
        try:
            page.text = holiday_text(session, calendar, holiday, now=now)
            page.migrate = "open"
        except CaseclockError as exc:
            page.error = str(exc)
    if not page.text:
        page.text = bundle_text(session)
    page.unfinished = unfinished_migration(session)
    return _editor(request, user, page, status=200 if page.error is None else 422)


@router.post("/policy", dependencies=[CsrfChecked])
def policy_submit(
    *,
    request: Request,
    session: DbSession,
    user: User,
    now: Now,
    bundle: Field,
    action: Annotated[Literal["check", "preview", "apply"], Form()],
    migrate: Annotated[Literal["none", "open", "matching"], Form()] = "none",
    matching: Annotated[str, Form(max_length=2000)] = "",
    days: Annotated[int, Form(ge=1, le=3660)] = 90,
) -> Response:
    _admin(user)
    page = EditorPage(text=bundle, migrate=migrate, matching=matching, days=days)
    factory: SessionFactory = request.app.state.session_factory
    done = submit(session, page, action, actor=user.principal.actor, now=now, factory=factory)
    if not done:
        session.rollback()
    elif action == "preview":
        session.rollback()  # a preview writes nothing; make sure of it
    page.unfinished = unfinished_migration(session)
    return _editor(request, user, page, status=200 if done else 422)


@router.post("/policy/resume", dependencies=[CsrfChecked])
def policy_resume(
    *, request: Request, session: DbSession, user: User, now: Now, bundle: Field = ""
) -> Response:
    """Continue the migration an interruption left unfinished, to its end."""
    _admin(user)
    page = EditorPage(text=bundle or bundle_text(session))
    session.rollback()
    factory: SessionFactory = request.app.state.session_factory
    done = resume(page, now=now, factory=factory)
    page.unfinished = unfinished_migration(session)
    return _editor(request, user, page, status=200 if done else 409)
