"""The insights pages: the scoring model's honest evaluation (admins), an account's customer
sentiment over time, and accepting or dismissing a record's priority suggestion."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession
from caseclock.console.auth import CsrfChecked, User
from caseclock.console.queues import definitions_in_force
from caseclock.console.router import console_router
from caseclock.console.routes.records import Acting
from caseclock.console.templating import render
from caseclock.core.provenance import Provenance, Source
from caseclock.services.access import Role
from caseclock.services.accounts import get_account
from caseclock.services.insights.panels import account_mood
from caseclock.services.insights.scoring import recent_models
from caseclock.services.insights.suggestions import decide

router = console_router()


@router.get("/insights")
def insights_page(request: Request, *, session: DbSession, user: User) -> Response:
    user.principal.require(Role.ADMIN)
    models = recent_models(session)
    current = models[0] if models else None
    titles = {d.key: d.title for d in definitions_in_force(session)}
    abstains = current.evaluation.get("abstains", []) if current else []
    context = {
        "models": models,
        "current": current,
        # the milestones without enough history, named as the policy names them (a key the
        # policy no longer has as it is)
        "abstains": [titles.get(key, key) for key in abstains],
    }
    return render(request, "insights.html", context, user=user)


@router.get("/accounts/{account_id}/sentiment")
def account_sentiment(
    request: Request, account_id: str, *, session: DbSession, user: User
) -> Response:
    """The account's customers' sentiment over their latest comments, with the words."""
    account = get_account(session, account_id, user.principal)
    context = {"account": account, "mood": account_mood(session, account.id)}
    return render(request, "account_sentiment.html", context, user=user)


@router.post(
    "/records/{record_id}/priority-suggestions/{suggestion_id}/{decision}",
    dependencies=[CsrfChecked],
)
def decide_suggestion(
    on: Acting,
    suggestion_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Literal["accept", "dismiss"],
) -> Response:
    """Accept (the record takes the priority) or dismiss (a note says so) a suggestion."""

    def change() -> str:
        decided = decide(
            on.session,
            suggestion_id,
            record_id=on.row.id,
            accept=decision == "accept",
            principal=on.user.principal,
            provenance=Provenance(Source.CONSOLE, on.user.principal.actor),
            now=on.now,
        )
        row = decided.suggestion
        if decision == "accept":
            return f"Priority set to {row.suggested}, as suggested."
        return f"Suggestion of {row.suggested} dismissed."

    return on.act("suggestion", {}, change)
