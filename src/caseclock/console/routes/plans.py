"""The plans page: the shipped plans and the installation's own, with their milestones, task
lists and dependencies; leads and admins store a plan from YAML or JSON (refused whole, the
problems named at their paths, what was typed kept) and delete stored ones. Applying a plan is
on the account page, from a start date."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from caseclock.api.deps import DbSession, Now
from caseclock.console.auth import ConsoleUser, CsrfChecked, User
from caseclock.console.form_state import FormState, FormValues, form_values
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseclock.services import plans
from caseclock.services.access import Role

router = console_router()
Submitted = Annotated[FormValues, Depends(form_values)]

EXAMPLE = """key: rollout
name: Rollout
calendar:                 # optional: working days and closed days count on it
milestones:
  - key: pilot
    name: Pilot team live
    due: {offset: 10bd}     # ten working days after the start
    tasks: [{title: Choose the pilot team}, {title: Train the pilot team}]
  - key: everyone
    name: Everyone on board
    starts_after: pilot     # starts when the pilot is done
    due: {offset: 1mo}
    reminders: {before: [1w], to: [owner, team]}
"""


def _page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    *,
    done: str | None = None,
    form: FormState | None = None,
    problems: list[str] | None = None,
) -> Response:
    context = {
        "problems": problems or [],
        "entries": plans.list_plans(session),
        "can_edit": user.principal.at_least(Role.LEAD),
        "done": done,
        "form": form or FormState(),
        "example": EXAMPLE,
    }
    status = 422 if form is not None and form.error else 200
    return render(request, "plans.html", context, user=user, status_code=status)


@router.get("/plans")
def plans_page(
    request: Request, session: DbSession, user: User, done: str | None = None
) -> Response:
    return _page(request, session, user, done=done)


@router.post("/plans", dependencies=[CsrfChecked])
def post_plan(
    request: Request, session: DbSession, user: User, now: Now, values: Submitted
) -> Response:
    try:
        plan = plans.create_plan(session, values.get("document", ""), user.principal, now=now)
    except (ValidationFailed, Conflict, Forbidden) as exc:
        session.rollback()
        found = getattr(exc, "errors", None) or [str(exc)]
        state = FormState("plan", str(exc), exc.path, values)
        return _page(request, session, user, form=state, problems=[str(e) for e in found])
    query = urlencode({"done": f"Plan {plan.name} stored."})
    return RedirectResponse(f"/plans?{query}#plan-{plan.key}", status_code=303)


@router.post("/plans/{key}/delete", dependencies=[CsrfChecked])
def delete_plan(request: Request, key: str, session: DbSession, user: User, now: Now) -> Response:
    try:
        plans.delete_plan(session, key, user.principal, now=now)
    except (Conflict, Forbidden, NotFound) as exc:
        session.rollback()
        return _page(request, session, user, form=FormState(f"delete-{key}", exc.detail))
    query = urlencode({"done": f"Plan {key} deleted; milestones made from it stay."})
    return RedirectResponse(f"/plans?{query}", status_code=303)
