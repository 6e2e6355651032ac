"""History imports into the store: whole records' events in one transaction per batch.

The events go through ingestion's bulk path (``ingest.ingest(bulk=True)``): the same checks as
every other way in (limits, a record's one ``created`` event, statuses of its process), the
events of new records written with ``COPY`` on PostgreSQL, and each record evaluated once,
from its whole history, after its events are in. The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.connectors.importer import BatchOutcome
from caseclock.connectors.mapping import Problem, RowError
from caseclock.connectors.snapshots import PlannedEvent
from caseclock.core.provenance import Provenance, Source
from caseclock.services.access import Principal, Role
from caseclock.services.ingest import Outcome, ingest
from caseclock.store.repositories.milestones import MilestoneRepository

IMPORTER = Principal(key_id=0, name="import", role=Role.ADMIN)


def store_batch(
    session: Session,
    planned: Sequence[PlannedEvent],
    *,
    now: datetime,
    actor: str | None = None,
) -> BatchOutcome:
    """Store a batch of whole records' events and evaluate the records. Every event says it
    came from an import; it is by the author its row names (the mapping's ``actor`` column),
    else by ``actor``, who runs the import."""
    outcome = BatchOutcome()
    if not planned:
        return outcome
    results = ingest(
        session,
        [p.event for p in planned],
        principal=IMPORTER,
        provenance=Provenance(Source.IMPORT, actor),
        now=now,
        bulk=True,
        actors=[p.actor for p in planned],
    )
    for event, result in zip(planned, results, strict=True):
        if result.outcome is Outcome.ACCEPTED:
            outcome.stored += 1
        elif result.outcome is Outcome.DUPLICATE:
            outcome.duplicates += 1
        else:
            reason = "; ".join(result.errors)
            outcome.refused.append(
                RowError(event.line, Problem.REFUSED, f"{event.event['type']} event: {reason}")
            )
    records = {p.record for p in planned}
    outcome.milestones = len(MilestoneRepository(session).existing_digests(records))
    return outcome
