"""The accounts list (a segment, most overdue first, and its CSV) and an account's page with
the forms that work on its customer milestones.

As on a record's page, a form that succeeds goes back to the account (303) with a message and
the milestone's ``#anchor``; one that is refused writes nothing and answers the page (422) with
the error in that form and what was typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console import charts
from caseclock.console.account_view import (
    PHASES,
    RENEWAL_WINDOWS,
    account_page,
    accounts,
    reader_today,
    segment_rows,
)
from caseclock.console.auth import ConsoleUser, CsrfChecked, User
from caseclock.console.form_state import FormState, FormValues, form_values
from caseclock.console.people_view import directory_names
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import Conflict, Forbidden, ValidationFailed
from caseclock.services import account_milestones, milestone_work, plans
from caseclock.services.accounts import AccountQuery, get_account
from caseclock.services.calendars import list_calendars
from caseclock.services.report_csv import spreadsheet_cell
from caseclock.store.models import AccountRow

router = console_router()


def account_query(
    user: User,
    now: Now,
    *,
    phase: Annotated[str, Query(max_length=50)] = "",
    renewal: Annotated[str, Query(max_length=5)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> AccountQuery:
    """The segment the list shows; an unknown renewal window is ignored, like a blank one."""
    window = int(renewal) if renewal.isdigit() and int(renewal) <= 3660 else None
    return AccountQuery(
        today=reader_today(user, now),
        phase=phase or None,
        renewal_within=window,
        search=q.strip() or None,
    )


Segment = Annotated[AccountQuery, Depends(account_query)]


@router.get("/accounts")
def account_list(
    request: Request, session: DbSession, user: User, now: Now, query: Segment
) -> Response:
    listed = accounts(session, user, query, now=now)
    context = {
        "listed": listed,
        "phases": PHASES,
        "windows": RENEWAL_WINDOWS,
        "csv_query": _segment_params(query),
    }
    return render(request, "accounts.html", context, user=user)


def _segment_params(query: AccountQuery) -> str:
    params = {
        "phase": query.phase or "",
        "renewal": "" if query.renewal_within is None else str(query.renewal_within),
        "q": query.search or "",
    }
    return urlencode({k: v for k, v in params.items() if v})


@router.get("/accounts.csv")
def account_csv(session: DbSession, user: User, now: Now, query: Segment) -> Response:
    buffer = io.StringIO()
    rows = segment_rows(session, user, query)
    csv.writer(buffer).writerows([[spreadsheet_cell(c) for c in row] for row in rows])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="caseclock-accounts-{now:%Y%m%d}.csv"'
        },
    )


def console_account(account_id: str, session: DbSession, user: User) -> AccountRow:
    """The account in the path, if the reader may see it (else 404, as on the API)."""
    return get_account(session, account_id, user.principal)


@dataclass(frozen=True, slots=True)
class OnAccount:
    """One request about one account: who asks, when, and the account."""

    request: Request
    row: AccountRow
    session: Session
    user: ConsoleUser
    now: datetime
    yellow_within: timedelta

    def show(self, *, done: str | None = None, form: FormState | None = None) -> Response:
        page = account_page(
            self.session, self.user, self.row.id, now=self.now, yellow_within=self.yellow_within
        )
        chart = charts.compliance_bars(
            "Compliance by milestone, last 90 days", page.compliance.by_milestone
        )
        context = {
            "page": page,
            "chart": chart,
            "now": self.now,
            "done": done,
            "form": form or FormState(),
            "directory": directory_names(self.session),
            "calendars": [c.name for c in list_calendars(self.session)],
        }
        status = 422 if form is not None and form.error else 200
        return render(self.request, "account.html", context, user=self.user, status_code=status)

    def act(self, form: str, values: FormValues, change: Callable[[], tuple[str, str]]) -> Response:
        """Apply one form's change and go back to the account at ``#anchor`` with its message;
        when it is refused, nothing written and the page with the error at the form."""
        try:
            done, anchor = change()
        except (ValidationFailed, Conflict, Forbidden) as exc:
            self.session.rollback()
            return self.show(form=FormState(form, exc.detail, exc.path, values))
        query = urlencode({"done": done})
        return RedirectResponse(
            f"/accounts/{quote(self.row.id, safe='')}?{query}#{anchor}", status_code=303
        )


def on_account(
    request: Request,
    *,
    row: Annotated[AccountRow, Depends(console_account)],
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
) -> OnAccount:
    return OnAccount(request, row, session, user, now, settings.yellow_within)


Acting = Annotated[OnAccount, Depends(on_account)]
Submitted = Annotated[FormValues, Depends(form_values)]


@router.get("/accounts/{account_id}")
def account(on: Acting, done: str | None = None) -> Response:
    return on.show(done=done)


def _date(values: FormValues, key: str) -> date | None:
    text = values.get(key, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a date", path=key) from None


def _text(values: FormValues, key: str) -> str | None:
    return values.get(key, "").strip() or None


def _list(values: FormValues, key: str) -> list[str]:
    return [p.strip() for p in values.get(key, "").split(",") if p.strip()]


def _name(values: FormValues, key: str, what: str) -> str:
    text = _text(values, key)
    if text is None:
        raise ValidationFailed(f"give the {what} a name", path=key)
    return text


OVERDUE_EMAILS = {  # the form's "Once overdue, email" choices: who the violation reaches
    "owner": ("owner",),
    "owner_team": ("owner", "team"),
    "owner_collaborators": ("owner", "collaborators"),
    "nobody": (),
}


def _overdue_actions(choice: str) -> dict[str, object] | None:
    """The milestone's actions for the form's choice (None: the default ones, the owner)."""
    if choice not in OVERDUE_EMAILS:
        raise ValidationFailed("choose who is emailed once it is overdue", path="overdue")
    if choice == "owner":
        return None
    emails = [{"type": "email", "to": to} for to in OVERDUE_EMAILS[choice]]
    return {"warning": {"before": "14d"}, "violation": {"do": emails}}


@router.post("/accounts/{account_id}/milestones", dependencies=[CsrfChecked])
def post_milestone(on: Acting, values: Submitted) -> Response:
    def change() -> tuple[str, str]:
        when = values.get("when", "date")
        reminders: dict[str, object] = {}
        if _list(values, "remind") or _text(values, "repeat"):
            reminders = {"before": _list(values, "remind"), "repeat": _text(values, "repeat")}
        data = account_milestones.MilestoneInput(
            name=_name(values, "name", "milestone"),
            due_on=_date(values, "due_on") if when == "date" else None,
            offset=_text(values, "offset") if when == "offset" else None,
            after=(_text(values, "after") or "start") if when == "offset" else None,
            description=_text(values, "description"),
            starts_on=_date(values, "starts_on"),
            owner=_text(values, "owner"),
            team=_text(values, "team"),
            actions=_overdue_actions(values.get("overdue", "owner")),
            reminders=reminders,
            pin=_text(values, "pin"),
            auto_complete="auto_complete" in values,
            move_off_closed="move_off_closed" in values,
            calendar=_text(values, "calendar"),
        )
        row = account_milestones.create_milestone(
            on.session, on.row.id, data, on.user.principal, now=on.now
        )
        for handle in _list(values, "collaborators"):
            milestone_work.add_collaborator(
                on.session, row.id, handle, on.user.principal, now=on.now
            )
        return f"Milestone {row.name} added, due {row.due_on:%d %b %Y}.", f"m{row.id}"

    return on.act("milestone", values, change)


@router.post("/accounts/{account_id}/plans", dependencies=[CsrfChecked])
def post_plan(on: Acting, values: Submitted) -> Response:
    def change() -> tuple[str, str]:
        plan = plans.plan_named(on.session, values.get("plan", ""))
        applied = plans.apply_plan(
            on.session,
            on.row.id,
            plan,
            on.user.principal,
            now=on.now,
            start=_date(values, "start"),
            owner=_text(values, "owner"),
        )
        return f"{plan.name}: {len(applied.milestones)} milestones added.", "milestones"

    return on.act("plan", values, change)


@router.post("/accounts/{account_id}/milestones/{milestone_id}/tasks", dependencies=[CsrfChecked])
def post_task(on: Acting, milestone_id: int, values: Submitted) -> Response:
    def change() -> tuple[str, str]:
        data = milestone_work.TaskInput(
            title=_name(values, "title", "task"),
            assignee=_text(values, "assignee"),
            due_on=_date(values, "due_on"),
            required="optional" not in values,
        )
        milestone_work.add_task(on.session, milestone_id, data, on.user.principal, now=on.now)
        return f"Task {data.title} added.", f"m{milestone_id}"

    return on.act(f"task-{milestone_id}", values, change)


@router.post("/accounts/{account_id}/tasks/reassign", dependencies=[CsrfChecked])
def post_task_reassign(on: Acting, values: Submitted) -> Response:
    """The milestone card's "Reassign" form: the task chosen, to the handle typed."""
    task_id = values.get("task", "")
    if not task_id.isdigit():
        raise ValidationFailed("choose a task to reassign", path="task")
    return post_task_state(on, int(task_id), "assign", values)


@router.post("/accounts/{account_id}/tasks/{task_id}/{action}", dependencies=[CsrfChecked])
def post_task_state(on: Acting, task_id: int, action: str, values: Submitted) -> Response:
    def change() -> tuple[str, str]:
        if action == "assign":
            who = _text(values, "assignee")
            task = milestone_work.reassign_task(
                on.session, task_id, who, on.user.principal, now=on.now
            )
            return f"Task {task.title} now with {who or 'nobody'}.", f"m{task.milestone_id}"
        if action not in ("done", "reopen"):
            raise ValidationFailed("a task is marked done, reopened or reassigned", path="action")
        task = milestone_work.set_task_done(
            on.session, task_id, action == "done", on.user.principal, now=on.now
        )
        word = "done" if action == "done" else "reopened"
        return f"Task {task.title} {word}.", f"m{task.milestone_id}"

    return on.act(f"t-{task_id}", values, change)


@router.post(
    "/accounts/{account_id}/milestones/{milestone_id}/{action}", dependencies=[CsrfChecked]
)
def post_milestone_action(
    on: Acting, milestone_id: int, action: str, values: Submitted
) -> Response:
    def change() -> tuple[str, str]:
        principal, now = on.user.principal, on.now
        if action == "complete":
            row = milestone_work.complete(on.session, milestone_id, principal, now=now)
            return f"Milestone {row.name} done.", f"m{milestone_id}"
        if action == "reopen":
            row = milestone_work.reopen(on.session, milestone_id, principal, now=now)
            return f"Milestone {row.name} reopened.", f"m{milestone_id}"
        if action == "collaborate":
            handle = _name(values, "user", "collaborator")
            milestone_work.add_collaborator(on.session, milestone_id, handle, principal, now=now)
            return f"{handle} now collaborates and sees this account.", f"m{milestone_id}"
        if action == "uncollaborate":
            handle = _name(values, "user", "collaborator")
            milestone_work.remove_collaborator(on.session, milestone_id, handle, principal, now=now)
            return f"{handle} no longer collaborates.", f"m{milestone_id}"
        if action == "note":
            milestone_work.add_note(
                on.session, milestone_id, values.get("body", ""), principal, now=now
            )
            return "Note added.", f"m{milestone_id}"
        raise ValidationFailed(f"nothing called {action!r} to do on a milestone", path="action")

    return on.act(f"{action}-{milestone_id}", values, change)
