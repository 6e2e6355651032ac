"""Inbound webhooks: a signed delivery of a configured source, as events on its records.

``receive`` checks the signature (``connectors.inbound.signatures``; a bad or stale one raises
``Unauthorized`` and nothing is kept), maps the payload (``connectors.inbound.adapters``) and
ingests the events as ``POST /events`` does, with the delivery's id as their idempotency key:
a replayed delivery is a duplicate and changes nothing. A payload that cannot be mapped, or
whose events are refused, is kept in ``inbound_payloads`` with the reason (once per delivery
id) and answered ``stored``: the sender must not retry what will never map.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.connectors.inbound.adapters import Translation, Unmappable, translate
from caseclock.connectors.inbound.signatures import DELIVERY_HEADERS, SignatureRefused, verify
from caseclock.connectors.inbound.sources import InboundSource, InboundSources, Vendor
from caseclock.connectors.snapshots import snapshot_events
from caseclock.core.json_numbers import strict_loads
from caseclock.core.provenance import ACTOR_LENGTH, Provenance, webhook_source
from caseclock.core.validation import describe_validation_error
from caseclock.document_files import load_document
from caseclock.errors import NotFound, Unauthorized, ValidationFailed
from caseclock.services.access import Principal, Role
from caseclock.services.ingest import EventResult, Outcome, ingest
from caseclock.store.models import InboundPayloadRow
from caseclock.store.repositories.inbound import InboundPayloadRepository
from caseclock.store.repositories.records import RecordRepository

SNAPSHOT_FIELDS = ("status", "priority", "owner", "team", "account")
KEPT_HEADERS = ("content-type", "user-agent", "x-github-event", "x-zammad-trigger")


@dataclass
class Received:
    status: str  # accepted | duplicate | stored
    accepted: int = 0
    duplicate: int = 0
    reasons: list[str] = field(default_factory=list)


def sources_from(path: str | None) -> InboundSources:
    """The sources configured in ``path`` (``CASECLOCK_INBOUND_FILE``), read again when the
    file changes; none when unset."""
    if path is None:
        return InboundSources(sources={})
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError:
        raise ValidationFailed(f"{path}: no such file (CASECLOCK_INBOUND_FILE)") from None
    return _read_sources(path, stamp)


@lru_cache(maxsize=4)
def _read_sources(path: str, _stamp: int) -> InboundSources:
    try:
        return InboundSources.model_validate(load_document(path))
    except ValidationError as exc:
        raise ValidationFailed(f"{path}: " + "; ".join(describe_validation_error(exc))) from None


def receive(
    session: Session,
    sources: InboundSources,
    name: str,
    *,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    future_allowance: timedelta,
) -> Received:
    """Take one delivery of source ``name``; see the module's docstring."""
    source = sources.sources.get(name)
    if source is None:
        raise NotFound(f"no inbound source {name!r}")
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        verify(source.vendor, source.secret, lowered, body, now=now)
    except SignatureRefused as exc:
        raise Unauthorized(f"inbound source {name!r}: {exc}") from None
    payload: Any = None
    try:
        payload = strict_loads(body)
    except (ValueError, RecursionError) as exc:
        problem: str | None = f"not JSON: {exc}"
    else:
        problem = None
    delivery = _delivery_id(source, lowered, payload)
    keep = partial(
        _keep, session, name=name, delivery=delivery, headers=lowered, body=body, now=now
    )
    if problem is not None:
        return keep([problem])
    try:
        translation = translate(name, source, payload, lowered, f"{name}:{delivery}")
    except Unmappable as exc:
        return keep([str(exc)])
    items = _events(session, translation, f"{name}:{delivery}")
    if not items:
        return Received("duplicate")  # a snapshot that changes nothing
    actor = Principal(key_id=0, name=f"webhook:{source.vendor}", role=Role.AGENT)
    received = _counted(
        ingest(
            session,
            items,
            principal=actor,
            provenance=Provenance(webhook_source(source.vendor.value), _actor(translation)),
            now=now,
            future_allowance=future_allowance,
        )
    )
    if received.reasons:
        stored = keep(received.reasons)
        stored.accepted, stored.duplicate = received.accepted, received.duplicate
        return stored
    return received


def _actor(translation: Translation) -> str | None:
    """Who made the change in the helpdesk, as events keep an actor (at most
    ``ACTOR_LENGTH`` characters; an id longer than that is no one's)."""
    actor = translation.actor.strip() if translation.actor is not None else ""
    return actor if 0 < len(actor) <= ACTOR_LENGTH else None


def _counted(results: list[EventResult]) -> Received:
    received = Received("accepted")
    for result in results:
        if result.outcome is Outcome.ACCEPTED:
            received.accepted += 1
        elif result.outcome is Outcome.DUPLICATE:
            received.duplicate += 1
        else:
            received.reasons.extend(result.errors)
    if received.accepted == 0 and not received.reasons:
        received.status = "duplicate"
    return received


def _delivery_id(source: InboundSource, headers: Mapping[str, str], payload: Any) -> str:
    if source.vendor is Vendor.ZENDESK:
        found = payload.get("id") if isinstance(payload, dict) else None
        where = "the event's id"
    else:
        found = headers.get(DELIVERY_HEADERS[source.vendor])
        where = f"the {DELIVERY_HEADERS[source.vendor]} header"
    if not isinstance(found, str) or not found.strip() or len(found) > 150:
        raise ValidationFailed(f"no delivery id ({where}): it is the idempotency key")
    return found.strip()


def _events(session: Session, translation: Translation, key: str) -> list[dict[str, Any]]:
    """The translation's events, with a snapshot's diff against the stored record first."""
    events = list(translation.events)
    if translation.snapshot is not None and translation.at is not None:
        row = RecordRepository(session).columns([translation.record]).get(translation.record)
        previous = None
        if row is not None:
            previous = {
                name: row["account_id" if name == "account" else name] for name in SNAPSHOT_FIELDS
            }
        fields = {
            k: v for k, v in translation.snapshot.items() if previous is None or k in previous
        }
        events = [
            *snapshot_events(
                translation.record, translation.at, fields, previous, f"{key}:created"
            ),
            *events,
        ]
    return events


def _keep(
    session: Session,
    reasons: list[str],
    *,
    name: str,
    delivery: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> Received:
    InboundPayloadRepository(session).keep(
        {
            "source": name,
            "delivery_id": delivery,
            "received_at": now,
            "reason": "; ".join(reasons)[:10_000],
            "headers": {k: v for k, v in headers.items() if k in KEPT_HEADERS},
            "body": body.decode("utf-8", errors="replace"),
        }
    )
    return Received("stored", reasons=reasons)


def stored_payloads(session: Session, *, source: str | None, limit: int) -> list[InboundPayloadRow]:
    """The deliveries kept for inspection, newest first."""
    return list(InboundPayloadRepository(session).latest(source=source, limit=limit))
