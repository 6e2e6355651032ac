"""The milestone review page of a team, and the form that marks an item reviewed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console.auth import CsrfChecked, User
from caseclock.console.form_result import applied
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import ValidationFailed
from caseclock.services import review_digest, review_schedules, reviews
from caseclock.services.directory import load_directory

router = console_router()
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Listed = Annotated[str, Form(max_length=10_000)]


def _until(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{text!r} is not an ISO-8601 instant", path="until") from None
    return reviews.checked_until(value)


@router.get("/reviews")
def review_list(*, request: Request, session: DbSession, user: User) -> Response:
    directory = load_directory(session)
    teams = reviews.reviewable_teams(session, user.principal, directory)
    if len(teams) == 1:
        return RedirectResponse(f"/reviews/{quote(teams[0], safe='')}", status_code=303)
    return render(request, "reviews.html", {"teams": teams}, user=user)


@router.get("/reviews/{team}")
def review_page(
    *,
    request: Request,
    team: str,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
    cadence: Annotated[str, Query(max_length=20)] = "weekly",
    until: Annotated[str | None, Query(max_length=64)] = None,
    done: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    directory = load_directory(session)
    reviews.check_reader(user.principal, team, directory)
    plan = review_schedules.schedule_of(session, team, reviews.ReviewOptions.of(settings))
    review = reviews.open_review(
        session,
        team=team,
        cadence=reviews.cadence_named(cadence),
        accounts=user.principal.accounts,
        options=reviews.ReviewOptions.of(settings),
        now=now,
        until=_until(until),
    )
    sections = [
        (s, [(i, review_digest.item_words(i, s.key, review, user.zone)) for i in s.items])
        for s in review.sections
    ]
    context = {
        "review": review,
        "sections": sections,
        "rate": review_digest.rate,
        "satisfaction": review_digest.satisfaction,
        "cadences": plan.cadences(),
        "plan": plan,
        "zone_name": str(plan.zone),
        "weekdays": WEEKDAYS,
        "done": done,
        "error": error,
        "back": request.url.path + ("?" + request.url.query if request.url.query else ""),
    }
    return render(request, "review.html", context, user=user)


@router.post("/reviews/{team}/marks", dependencies=[CsrfChecked])
def post_mark(
    *,
    team: str,
    session: DbSession,
    user: User,
    now: Now,
    record_id: Annotated[str, Form(max_length=200)],
    milestone: Annotated[str, Form(max_length=100)],
    cycle: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=reviews.NOTE_LIMIT)] = "",
    cadence: Annotated[str, Form(max_length=20)] = "weekly",
) -> Response:
    reviews.add_mark(
        session,
        user.principal,
        load_directory(session),
        team=team,
        record_id=record_id,
        milestone=milestone,
        cycle=cycle,
        note=note,
        now=now,
    )
    query = urlencode({"cadence": cadence, "done": f"Marked {record_id} reviewed."})
    return RedirectResponse(f"/reviews/{quote(team, safe='')}?{query}", status_code=303)


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@router.post("/reviews/{team}/schedule", dependencies=[CsrfChecked])
def post_schedule(
    *,
    team: str,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
    weekday: Annotated[int, Form(ge=0, le=6)],
    hour: Annotated[int, Form(ge=0, le=23)],
    time_zone: Annotated[str, Form(max_length=64)] = "",
    daily_tiers: Listed = "",
    daily_accounts: Listed = "",
    recipients: Listed = "",
) -> Response:
    """A lead (or an admin) sets the team's review schedule."""
    change = review_schedules.ScheduleChange(
        weekday=weekday,
        hour=hour,
        time_zone=time_zone or None,
        daily_tiers=_listed(daily_tiers),
        daily_accounts=_listed(daily_accounts),
        recipients=_listed(recipients) or None,
    )
    page = f"/reviews/{quote(team, safe='')}"

    def change_it() -> None:
        review_schedules.set_schedule(
            session,
            user.principal,
            load_directory(session),
            team=team,
            change=change,
            options=reviews.ReviewOptions.of(settings),
            now=now,
        )

    return applied(session, page, change_it, "Saved the review schedule.")
