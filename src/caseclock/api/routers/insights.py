"""Priority suggestions: read a record's, accept or dismiss one (agents and up, in their
account scope). Each decision is an event on the record with the caller's provenance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from caseclock.api.deps import Agent, CurrentRecord, DbSession, Now
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.schemas.insights import SuggestionListOut, SuggestionOut
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.core.provenance import Provenance, Source
from caseclock.services.insights import suggestions

router = APIRouter(tags=["insights"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
SuggestionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the suggestion's id")]


def _out(row: Any) -> SuggestionOut:
    return SuggestionOut(
        id=row.id,
        record_id=row.record_id,
        current=row.current,
        suggested=row.suggested,
        reasons=[str(r) for r in row.reasons],
        made_at=row.made_at,
        state=row.state,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        event_id=row.event_id,
    )


@router.get(
    "/records/{record_id}/priority-suggestions",
    summary="The record's open priority suggestion (an empty list when there is none)",
)
def record_suggestions(record: CurrentRecord, session: DbSession) -> SuggestionListOut:
    found = suggestions.open_suggestions(session, [record.id]).get(record.id)
    return SuggestionListOut(items=[] if found is None else [_out(found)])


def _decide(
    session: DbSession, now: Now, principal: Agent, suggestion_id: int, *, accept: bool
) -> SuggestionOut:
    decided = suggestions.decide(
        session,
        suggestion_id,
        accept=accept,
        principal=principal,
        provenance=Provenance(Source.API, principal.actor),
        now=now,
    )
    return _out(decided.suggestion)


@router.post(
    "/priority-suggestions/{suggestion_id}/accept",
    summary="Accept a suggestion: the record takes the suggested priority (a priority event)",
)
def accept(
    suggestion_id: SuggestionId, session: DbSession, now: Now, principal: Agent
) -> SuggestionOut:
    return _decide(session, now, principal, suggestion_id, accept=True)


@router.post(
    "/priority-suggestions/{suggestion_id}/dismiss",
    summary="Dismiss a suggestion: an internal note records it; it is not made again",
)
def dismiss(
    suggestion_id: SuggestionId, session: DbSession, now: Now, principal: Agent
) -> SuggestionOut:
    return _decide(session, now, principal, suggestion_id, accept=False)
