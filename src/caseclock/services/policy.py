"""Policy bundles: validated as a whole, applied atomically, processes versioned.

Applying a bundle stores its calendars (replacing same-named ones), a new version of every
process whose document differs from its newest version, and its entitlement rules. Records
keep the version they started with; only new records get the new versions. A bundle without
``entitlement_rules`` leaves the rules in force as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.policy import PolicyBundle, Process
from caseclock.errors import NotFound
from caseclock.services.calendars import put_calendar
from caseclock.services.escalations import store_rules as store_escalation_rules
from caseclock.store.models import EntitlementRuleSetRow, ProcessRow
from caseclock.store.repositories.policy import ProcessRepository, RuleSetRepository


@dataclass(frozen=True, slots=True)
class AppliedProcess:
    key: str
    version: int
    created: bool


@dataclass(slots=True)
class AppliedPolicy:
    calendars: list[tuple[str, bool]] = field(default_factory=list)
    processes: list[AppliedProcess] = field(default_factory=list)
    rule_set: int | None = None


def process_document(process: Process) -> dict[str, Any]:
    """The stored form: the process without its version (the store numbers versions)."""
    document = process.model_dump(mode="json", exclude_none=True)
    document.pop("version", None)
    return document


def apply_bundle(session: Session, bundle: PolicyBundle, *, now: datetime) -> AppliedPolicy:
    applied = AppliedPolicy()
    for spec in bundle.calendars:
        _, changed = put_calendar(session, spec, now=now, replace=True)
        applied.calendars.append((spec.name, changed))
    repo = ProcessRepository(session)
    for key, process in sorted(bundle.processes.items()):
        document = process_document(process)
        latest = repo.latest(key)
        if latest is not None and latest.document == document:
            applied.processes.append(AppliedProcess(key, latest.version, created=False))
            continue
        version = 1 if latest is None else latest.version + 1
        repo.add(
            ProcessRow(
                key=key, version=version, name=process.name, document=document, created_at=now
            )
        )
        applied.processes.append(AppliedProcess(key, version, created=True))
    rule_sets = RuleSetRepository(session)
    current = rule_sets.latest()
    if "entitlement_rules" in bundle.model_fields_set:
        rules = bundle.entitlement_rules.model_dump(mode="json", exclude_none=True)
        if current is None or current.document != rules:
            current = rule_sets.add(EntitlementRuleSetRow(document=rules, created_at=now))
    applied.rule_set = current.id if current is not None else None
    store_escalation_rules(session, bundle, now=now)
    return applied


def get_process(session: Session, key: str, version: int | None) -> ProcessRow:
    repo = ProcessRepository(session)
    row = repo.latest(key) if version is None else repo.get(key, version)
    if row is None:
        wanted = f"process {key!r}" + (f" version {version}" if version is not None else "")
        raise NotFound(f"no {wanted}")
    return row


def list_processes(session: Session) -> Sequence[ProcessRow]:
    return ProcessRepository(session).list_latest()


def process_versions(session: Session, key: str) -> Sequence[int]:
    return ProcessRepository(session).versions(key)


def parsed_process(row: ProcessRow) -> Process:
    return Process.model_validate({**row.document, "version": row.version})
