"""The outbox: claim due deliveries, keep their leases, settle attempts, retry dead letters.

A claim is a short transaction: lock due ``pending`` rows (``SKIP LOCKED``), count the attempt
and lease the row (``next_attempt_at`` pushed to the end of the lease) in one statement that
returns what sending needs, commit; the sender
claims only what it starts sending at once, so the lease runs from the send instant. While the
send is in flight the sender renews the lease (``renew``); the attempt number is the lease's
token: a renewal or a settlement whose attempt is no longer the row's changes nothing (the
lease lapsed and another worker claimed the row again). A worker that dies mid-send stops
renewing: once the lease runs out another attempt goes out with the same idempotency key.

Delivered rows are done; a retryable failure waits ``RetryPolicy.delay`` (backoff, full
jitter); a permanent failure, or the last allowed attempt, dead-letters the row as ``failed``
with the reason.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
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

DEFAULT_LEASE = timedelta(seconds=60)
RAW_URL = (
    "a webhook or chat delivery goes to a registered endpoint; this one names a raw URL "
    "(register the URL as an endpoint and name it in the policy)"
)
_ERROR_LIMIT = 500
_CANDIDATES = 4  # rows looked at per free slot, so a full lane does not starve the others


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery to attempt now, with its target resolved (URL and secret of an endpoint).

    ``attempt`` is this attempt's number: the token of the lease it holds.
    """

    id: int
    key: str
    channel: str
    endpoint: str | None
    url: str | None
    secret: str | None
    recipients: tuple[str, ...]
    document: dict[str, Any]
    attempt: int
    problem: str | None = None  # set when the target cannot be resolved any more


@dataclass(frozen=True, slots=True)
class Attempt:
    """How attempt ``attempt`` of delivery ``id`` ended, at the instant ``at``."""

    id: int
    attempt: int
    outcome: DeliveryOutcome
    at: datetime


def claim(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease: timedelta = DEFAULT_LEASE,
    skip_endpoints: Collection[str] = (),
    skip_email: bool = False,
    admit: Callable[[str, str | None], bool] | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` deliveries due at ``now``; the caller commits, then sends.

    Deliveries to ``skip_endpoints`` (and emails when ``skip_email``) are left alone; so is any
    other delivery ``admit(channel, endpoint)`` declines (a lane that is full), untouched and
    unlocked at commit.
    """
    repo = DeliveryRepository(session)
    candidates = repo.claim(
        now, limit * _CANDIDATES, skip_endpoints=skip_endpoints, skip_email=skip_email
    )
    taken: list[int] = []
    for delivery_id, channel, endpoint_name in candidates:
        if len(taken) == limit:
            break
        if admit is None or admit(channel, endpoint_name):
            taken.append(delivery_id)
    leased = {row.id: row for row in repo.lease(taken, now=now, until=now + lease)}
    named = any(row.endpoint is not None for row in leased.values())
    endpoints = EndpointRepository(session).all() if named else {}
    claimed: list[Claimed] = []
    for row in (leased[delivery_id] for delivery_id in taken):
        endpoint = endpoints.get(row.endpoint) if row.endpoint is not None else None
        problem = None
        if row.endpoint is not None and endpoint is None:
            problem = f"endpoint {row.endpoint!r} is no longer registered"
        elif row.endpoint is None and row.channel != "email":
            problem = RAW_URL
        claimed.append(
            Claimed(
                id=row.id,
                key=row.key,
                channel=row.channel,
                endpoint=row.endpoint,
                url=endpoint.url if endpoint is not None else None,
                secret=endpoint.secret if endpoint is not None else None,
                recipients=tuple(row.recipients or ()),
                document=row.document,
                attempt=row.attempts,
                problem=problem,
            )
        )
    return claimed


def renew(session: Session, leases: Sequence[tuple[int, int]], *, until: datetime) -> None:
    """Extend the leases ``(delivery id, attempt)`` still held to ``until``."""
    DeliveryRepository(session).renew(leases, until)


def release(session: Session, leases: Sequence[tuple[int, int, datetime]]) -> None:
    """Give back claimed deliveries ``(id, attempt, at)`` that were never sent: the attempt
    is not counted, and each is due again at ``at`` (for any worker)."""
    DeliveryRepository(session).release(leases)


def settle(
    session: Session,
    attempts: Sequence[Attempt],
    *,
    policy: RetryPolicy,
    rng: random.Random,
) -> None:
    """Record each attempt's outcome: delivered, retry later, or dead-letter; in one
    statement, and only where the attempt still holds the row's lease (not settled already,
    and not claimed again by another worker after the lease lapsed)."""
    DeliveryRepository(session).settle([_settled(a, policy, rng) for a in attempts])


def _settled(attempt: Attempt, policy: RetryPolicy, rng: random.Random) -> dict[str, Any]:
    outcome, now = attempt.outcome, attempt.at
    values: dict[str, Any] = {
        "id": attempt.id,
        "attempts": attempt.attempt,
        "state": PENDING,
        "next_attempt_at": None,
        "delivered_at": None,
        "last_code": outcome.code,
        "last_error": outcome.reason[:_ERROR_LIMIT],
        "updated_at": now,
    }
    if outcome.status is DeliveryStatus.DELIVERED:
        values.update(state=DELIVERED, delivered_at=now, last_error=None)
    elif outcome.status is DeliveryStatus.PERMANENT or policy.exhausted(attempt.attempt):
        values.update(state=FAILED)
    else:
        values["next_attempt_at"] = now + policy.delay(attempt.attempt, rng, outcome.retry_after)
    return values


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


def next_attempt(
    session: Session, *, skip_endpoints: Collection[str] = (), skip_email: bool = False
) -> datetime | None:
    """The earliest instant a pending delivery (not to a skipped target) is due."""
    return DeliveryRepository(session).next_attempt(
        skip_endpoints=skip_endpoints, skip_email=skip_email
    )
