"""The satisfaction survey page: public (no sign-in), opened by the signed link a success
action emailed the customer; one answer per link, and a link that was used, has expired or
was not made by caseclock says so."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession, Now
from caseclock.console.auth import CsrfChecked
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import CaseclockError, ValidationFailed
from caseclock.services import csat_survey
from caseclock.services.csat_links import TOKEN_LIMIT

router = console_router()
Token = Annotated[str, Path(max_length=TOKEN_LIMIT)]


def _sentence(exc: CaseclockError) -> str:
    return f"{exc.detail[:1].upper()}{exc.detail[1:]}."


def _page(
    request: Request,
    token: str,
    survey: csat_survey.Survey | None,
    *,
    problem: str | None = None,
    error: str | None = None,
    thanks: bool = False,
    status: int = 200,
    score: int | None = None,
    comment: str = "",
) -> Response:
    context = {
        "token": token,
        "survey": survey,
        "problem": problem,
        "error": error,
        "thanks": thanks,
        "score": score,
        "comment": comment,
        "limit": csat_survey.COMMENT_LIMIT,
    }
    return render(request, "survey.html", context, user=None, status_code=status)


@router.get("/survey/{token}")
def survey_page(request: Request, token: Token, session: DbSession, now: Now) -> Response:
    try:
        found = csat_survey.open_survey(session, token, now=now)
    except CaseclockError as exc:
        return _page(request, token, None, problem=_sentence(exc), status=exc.status)
    session.commit()  # the survey key, made on first use
    return _page(request, token, found)


@router.post("/survey/{token}", dependencies=[CsrfChecked])
def survey_answer(
    request: Request,
    *,
    token: Token,
    session: DbSession,
    now: Now,
    score: Annotated[str, Form(max_length=3)] = "",
    comment: Annotated[str, Form(max_length=csat_survey.COMMENT_LIMIT * 2)] = "",
) -> Response:
    """Keep the answer (once), and thank the customer."""
    try:
        found = csat_survey.open_survey(session, token, now=now)
    except CaseclockError as exc:
        return _page(request, token, None, problem=_sentence(exc), status=exc.status)
    chosen = int(score) if score.isdigit() else None
    try:
        if chosen is None:
            raise ValidationFailed("choose a score", path="score")
        csat_survey.answer_survey(session, token, score=chosen, comment=comment, now=now)
    except ValidationFailed as exc:
        session.rollback()
        error = _sentence(exc)
        return _page(request, token, found, error=error, status=422, score=chosen, comment=comment)
    except CaseclockError as exc:
        session.rollback()
        return _page(request, token, None, problem=_sentence(exc), status=exc.status)
    session.commit()
    return _page(request, token, found, thanks=True)
