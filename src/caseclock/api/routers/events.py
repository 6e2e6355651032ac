"""``POST /events``: one event or a batch, each with its own outcome."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from caseclock.api.deps import Agent, DbSession, Now, SettingsDep
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.schemas.records import EventResultOut, IngestOut
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.core.provenance import Provenance, Source
from caseclock.errors import ValidationFailed
from caseclock.services import ingest
from caseclock.services.records import raise_for

router = APIRouter(tags=["events"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


@router.post(
    "/events",
    summary='Ingest one event, or a batch (a list, or {"events": [...]}) of up to 1,000',
    description=(
        "Each event is stored once per (record, id): a repeated id is accepted and ignored "
        "(`duplicate`). A `created` event for an unknown record creates it. Events are placed "
        "at their `at`, whatever order they arrive in, and the record's milestones are "
        "re-evaluated in the same transaction. A single event that is rejected answers 422 "
        "(404 for an unknown record); a batch answers 200 with one result per event."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Event"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                            {
                                "type": "object",
                                "properties": {
                                    "events": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Event"},
                                    }
                                },
                                "required": ["events"],
                            },
                        ]
                    }
                }
            },
        }
    },
)
def post_events(
    body: Annotated[Any, Body()],
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    principal: Agent,
) -> IngestOut:
    single = isinstance(body, dict) and "events" not in body
    items = [body] if single else body["events"] if isinstance(body, dict) else body
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValidationFailed(
            'send an event object, a list of events, or {"events": [...]}', path="body"
        )
    if not items:
        raise ValidationFailed("the batch is empty", path="events")
    if len(items) > settings.max_batch:
        raise ValidationFailed(
            f"a batch holds at most {settings.max_batch} events (got {len(items)})", path="events"
        )
    results = ingest.ingest(
        session,
        items,
        principal=principal,
        provenance=Provenance(Source.API, principal.actor),
        now=now,
        future_allowance=settings.clock_skew,
    )
    if single:
        raise_for(results[0])
    counts = dict.fromkeys(ingest.Outcome, 0)
    for result in results:
        counts[result.outcome] += 1
    return IngestOut(
        accepted=counts[ingest.Outcome.ACCEPTED],
        duplicate=counts[ingest.Outcome.DUPLICATE],
        rejected=counts[ingest.Outcome.REJECTED],
        results=[
            EventResultOut(
                index=r.index,
                id=r.id,
                record=r.record,
                status=r.outcome.value,
                errors=r.errors,
                warnings=r.warnings,
            )
            for r in results
        ],
    )
