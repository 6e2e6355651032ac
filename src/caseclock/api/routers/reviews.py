"""``/reviews/{team}``: the milestone review of a team (leads of the team and admins, within
their account scope), and marks with notes for the next review."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from caseclock.api.deps import DbSession, Lead, Now, SettingsDep
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.schemas.reviews import (
    ComplianceOut,
    CsatOut,
    HeldOut,
    ItemOut,
    MarkIn,
    MarkOut,
    ReviewOut,
    ScheduleIn,
    ScheduleOut,
    SectionOut,
)
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.core.compliance import Compliance
from caseclock.services import review_digest, review_schedules, reviews
from caseclock.services.csat import CsatSlice
from caseclock.services.directory import load_directory

router = APIRouter(tags=["reviews"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
TeamName = Annotated[str, Path(max_length=100, description="the team's name")]


def _compliance(counts: Compliance) -> ComplianceOut:
    return ComplianceOut(
        on_time=counts.on_time,
        late=counts.late,
        violated=counts.violated,
        open=counts.open,
        other=counts.other,
        rate=counts.rate,
    )


def _csat(answers: CsatSlice) -> CsatOut:
    return CsatOut(
        answers=answers.answers,
        satisfied=answers.satisfied,
        rate=answers.rate,
        average=answers.average,
    )


def _mark(mark: reviews.Mark) -> MarkOut:
    return MarkOut(
        record_id=mark.record_id,
        milestone=mark.milestone,
        cycle=mark.cycle,
        note=mark.note,
        by=mark.by,
        at=mark.at,
    )


def _item(item: reviews.Item, section: str, review: reviews.Review) -> ItemOut:
    row = item.row
    held = item.held
    return ItemOut(
        record_id=row.record_id,
        milestone=row.key,
        name=row.name,
        cycle=row.cycle,
        state=row.state,
        deadline=row.deadline,
        completed_at=row.completed_at,
        violated_at=row.violated_at,
        owner=row.owner,
        account_id=row.account_id,
        tier=row.tier,
        last_activity=row.last_activity,
        summary=review_digest.item_words(item, section, review),
        mark=None if item.mark is None else _mark(item.mark),
        held=None if held is None else HeldOut(by=held.by, why=held.why, since=held.since),
    )


@router.get("/reviews/{team}", summary="The milestone review of a team")
def get_review(
    *,
    team: TeamName,
    session: DbSession,
    now: Now,
    principal: Lead,
    settings: SettingsDep,
    cadence: Annotated[str, Query(max_length=20)] = "weekly",
    until: Annotated[
        datetime | None, Query(description="the review period that ended by this instant")
    ] = None,
) -> ReviewOut:
    reviews.check_reader(principal, team, load_directory(session))
    review = reviews.open_review(
        session,
        team=team,
        cadence=reviews.cadence_named(cadence),
        accounts=principal.accounts,
        options=reviews.ReviewOptions.of(settings),
        now=now,
        until=reviews.checked_until(until),
    )
    return ReviewOut(
        team=review.team,
        cadence=review.cadence.value,
        since=review.period.start,
        until=review.period.end,
        tiers=None if review.tiers is None else sorted(review.tiers),
        compliance=_compliance(review.compliance),
        previous=_compliance(review.previous),
        csat=_csat(review.csat),
        previous_csat=_csat(review.previous_csat),
        sections=[
            SectionOut(
                key=s.key,
                title=s.title,
                total=s.total,
                items=[_item(i, s.key, review) for i in s.items],
            )
            for s in review.sections
        ],
        notes=[_mark(n) for n in review.notes],
    )


@router.post(
    "/reviews/{team}/marks",
    status_code=status.HTTP_201_CREATED,
    summary="Mark a milestone reviewed, with a note the next review shows",
)
def post_mark(
    team: TeamName, body: MarkIn, session: DbSession, now: Now, principal: Lead
) -> MarkOut:
    mark = reviews.add_mark(
        session,
        principal,
        load_directory(session),
        team=team,
        record_id=body.record_id,
        milestone=body.milestone,
        cycle=body.cycle,
        note=body.note,
        now=now,
    )
    return _mark(mark)


def _schedule(plan: review_schedules.TeamSchedule) -> ScheduleOut:
    return ScheduleOut(
        team=plan.team,
        weekday=plan.weekday,
        hour=plan.hour,
        time_zone=str(plan.zone),
        cadences=[c.value for c in plan.cadences()],
        daily_tiers=sorted(plan.daily_tiers),
        daily_accounts=sorted(plan.daily_accounts),
        recipients=None if plan.recipients is None else list(plan.recipients),
        own=plan.own,
    )


@router.get("/reviews/{team}/schedule", summary="When a team's review falls due, and to whom")
def get_schedule(
    team: TeamName, session: DbSession, principal: Lead, settings: SettingsDep
) -> ScheduleOut:
    reviews.check_reader(principal, team, load_directory(session))
    return _schedule(
        review_schedules.schedule_of(session, team, reviews.ReviewOptions.of(settings))
    )


@router.put("/reviews/{team}/schedule", summary="Give a team its own review schedule")
def put_schedule(
    *,
    team: TeamName,
    body: ScheduleIn,
    session: DbSession,
    now: Now,
    principal: Lead,
    settings: SettingsDep,
) -> ScheduleOut:
    plan = review_schedules.set_schedule(
        session,
        principal,
        load_directory(session),
        team=team,
        change=review_schedules.ScheduleChange(
            weekday=body.weekday,
            hour=body.hour,
            time_zone=body.time_zone,
            daily_tiers=body.daily_tiers,
            daily_accounts=body.daily_accounts,
            recipients=body.recipients,
        ),
        options=reviews.ReviewOptions.of(settings),
        now=now,
    )
    return _schedule(plan)
