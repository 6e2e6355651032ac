"""The audit trail: every change to policy, calendars, endpoints, users, teams, keys,
entitlements and SLA overrides leaves a row, written in the transaction of the change itself
(so a change that rolls back leaves no row, and a row never describes a change that did not
happen)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.events import Event
from caseclock.services.access import Principal
from caseclock.services.policy import AppliedPolicy
from caseclock.store.models import AuditRow
from caseclock.store.repositories.audit import AuditRepository

INTERNAL_KEY_ID = 0  # the engine's own principal (worker effects, demo loading)


class Kind(StrEnum):
    POLICY = "policy"
    CALENDAR = "calendar"
    ENDPOINT = "endpoint"
    USER = "user"
    TEAM = "team"
    KEY = "key"
    ENTITLEMENT = "entitlement"
    OVERRIDE = "override"
    MILESTONE = "milestone"  # customer milestones on accounts
    PLAN = "plan"  # a plan of milestones stored or deleted
    COLLABORATOR = "collaborator"  # a user given (or denied) an account by collaborating
    SIGN_IN = "sign_in"  # sign-ins and refused sign-ins, by password or single sign-on
    FIRING = "firing"  # a record's held firing released


def record(
    session: Session,
    *,
    actor: str,
    kind: Kind,
    target: str,
    action: str,
    at: datetime,
    details: dict[str, Any] | None = None,
) -> AuditRow:
    """Append one row to the trail (flushed, not committed: the caller's transaction owns it)."""
    return AuditRepository(session).add(
        AuditRow(
            at=at,
            actor=actor[:200],
            kind=kind.value,
            target=target[:300],
            action=action,
            details=details or {},
        )
    )


def entries(
    session: Session,
    *,
    actor: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> Sequence[AuditRow]:
    return AuditRepository(session).list(
        actor=actor, kind=kind, since=since, until=until, before_id=before_id, limit=limit
    )


def policy_changed_by_others(session: Session, actor: str) -> bool:
    """Whether anyone but ``actor`` ever changed the policy or a calendar."""
    return AuditRepository(session).any_by_others((Kind.POLICY, Kind.CALENDAR), actor)


def policy_applied(
    session: Session,
    applied: AppliedPolicy,
    *,
    actor: str,
    at: datetime,
    preview: dict[str, Any] | None = None,
) -> None:
    """Rows for what a bundle changed: each calendar replaced, each new process version, the
    entitlement and escalation rules it replaced or added, and with ``preview`` (the counts of
    the preview run before it) one row for the bundle holding them. Applying an unchanged
    bundle leaves no row."""
    replaced = [name for name, changed in applied.calendars if changed]
    created = {p.key: p.version for p in applied.processes if p.created}
    if preview is not None and (replaced or created):
        record(
            session,
            actor=actor,
            kind=Kind.POLICY,
            target="bundle",
            action="apply",
            at=at,
            details={"calendars": replaced, "processes": created, "preview": preview},
        )
    for name, changed in applied.calendars:
        if changed:
            record(session, actor=actor, kind=Kind.CALENDAR, target=name, action="apply", at=at)
    for process in applied.processes:
        if process.created:
            record(
                session,
                actor=actor,
                kind=Kind.POLICY,
                target=process.key,
                action="apply",
                at=at,
                details={"version": process.version},
            )
    for target, changes in (
        ("entitlement_rules", applied.entitlement_rules),
        ("escalation_rules", applied.escalation_rules),
    ):
        if changes.changed:
            record(
                session,
                actor=actor,
                kind=Kind.POLICY,
                target=target,
                action="apply",
                at=at,
                details={"replaced": changes.replaced, "added": changes.added},
            )


def overrides(
    session: Session, events: Iterable[Event], *, principal: Principal, at: datetime
) -> None:
    """One row per SLA override a person or an integration stored (the engine's own pauses are
    on the timeline already and are not repeated here)."""
    if principal.key_id == INTERNAL_KEY_ID:
        return
    for event in events:
        record(
            session,
            actor=principal.actor,
            kind=Kind.OVERRIDE,
            target=event.record,
            action="override",
            at=at,
            details={"event": event.id, "occurred_at": event.at.isoformat(), **dict(event.data)},
        )
