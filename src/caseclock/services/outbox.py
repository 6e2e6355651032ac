"""The outbox: claim due deliveries, settle attempts, retry dead letters.

A claim is a short transaction: lock due ``pending`` rows (``SKIP LOCKED``), count the attempt
and push ``next_attempt_at`` out by a lease, commit; the caller then sends without holding any
lock and settles each outcome in another short transaction. A worker that dies mid-send leaves
the row pending: once the lease runs out another attempt goes out with the same idempotency key.
Delivered rows are done; a retryable failure waits ``RetryPolicy.delay`` (backoff, full jitter);
a permanent failure, or the last allowed attempt, dead-letters the row as ``failed``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.channels.backoff import RetryPolicy
from caseclock.channels.outcome import DeliveryOutcome, DeliveryStatus
from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services.wakeup import announce
from caseclock.store.models import DeliveryRow
from caseclock.store.repositories.outbox import (
    DELIVERED,
    FAILED,
    PENDING,
    STATES,
    DeliveryRepository,
    EndpointRepository,
)

LEASE = timedelta(minutes=2)  # longer than any one attempt may take (timeouts are 10 s)
_ERROR_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery to attempt now, with its target resolved (URL and secret of an endpoint)."""

    id: int
    key: str
    channel: str
    url: str | None
    secret: str | None
    recipients: tuple[str, ...]
    document: dict[str, Any]
    attempt: int
    problem: str | None = None  # set when the target cannot be resolved any more


def claim(session: Session, *, now: datetime, limit: int) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries; the caller commits before sending."""
    rows = DeliveryRepository(session).claim(now, limit)
    endpoints = EndpointRepository(session).all() if rows else {}
    claimed = []
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        row.updated_at = now
        endpoint = endpoints.get(row.endpoint) if row.endpoint is not None else None
        problem = None
        if row.endpoint is not None and endpoint is None:
            problem = f"endpoint {row.endpoint!r} is no longer registered"
        claimed.append(
            Claimed(
                id=row.id,
                key=row.key,
                channel=row.channel,
                url=endpoint.url if endpoint is not None else row.url,
                secret=endpoint.secret if endpoint is not None else None,
                recipients=tuple(row.recipients or ()),
                document=row.document,
                attempt=row.attempts,
                problem=problem,
            )
        )
    session.flush()
    return claimed


def settle(
    session: Session,
    outcomes: Sequence[tuple[int, DeliveryOutcome]],
    *,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> None:
    """Record each attempt's outcome: delivered, retry later, or dead-letter."""
    rows = DeliveryRepository(session).get_many([delivery_id for delivery_id, _ in outcomes])
    for delivery_id, outcome in outcomes:
        row = rows.get(delivery_id)
        if row is None or row.state != PENDING:
            continue
        row.updated_at = now
        row.last_code = outcome.code
        if outcome.status is DeliveryStatus.DELIVERED:
            row.state, row.delivered_at, row.next_attempt_at = DELIVERED, now, None
            row.last_error = None
        elif outcome.status is DeliveryStatus.PERMANENT or policy.exhausted(row.attempts):
            row.state, row.next_attempt_at = FAILED, None
            row.last_error = outcome.reason[:_ERROR_LIMIT]
        else:
            row.next_attempt_at = now + policy.delay(row.attempts, rng, outcome.retry_after)
            row.last_error = outcome.reason[:_ERROR_LIMIT]
    session.flush()


def retry(session: Session, delivery_id: int, *, now: datetime) -> DeliveryRow:
    """Send a dead-lettered delivery again, with a fresh round of attempts."""
    row = DeliveryRepository(session).get_for_update(delivery_id)
    if row is None:
        raise NotFound(f"no delivery {delivery_id}")
    if row.state != FAILED:
        raise Conflict(f"delivery {delivery_id} is {row.state}; only failed ones are retried")
    row.state, row.attempts, row.next_attempt_at, row.updated_at = PENDING, 0, now, now
    session.flush()
    announce(session)
    return row


def list_deliveries(
    session: Session, *, state: str | None, record_id: str | None, limit: int, offset: int
) -> Sequence[DeliveryRow]:
    if state is not None and state not in STATES:
        raise ValidationFailed(f"state is one of {', '.join(STATES)}", path="state")
    return DeliveryRepository(session).list(
        state=state, record_id=record_id, limit=limit, offset=offset
    )


def next_attempt(session: Session) -> datetime | None:
    return DeliveryRepository(session).next_attempt()
