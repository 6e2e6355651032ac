"""The insights page (admins): the scoring model's honest evaluation and the models before it."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession
from caseclock.console.auth import User
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.services.access import Role
from caseclock.services.insights.scoring import recent_models

router = console_router()


@router.get("/insights")
def insights_page(request: Request, *, session: DbSession, user: User) -> Response:
    user.principal.require(Role.ADMIN)
    models = recent_models(session)
    context = {"models": models, "current": models[0] if models else None}
    return render(request, "insights.html", context, user=user)
