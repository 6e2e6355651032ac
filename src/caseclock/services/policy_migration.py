"""Move open records to new process versions, re-evaluating each from its timeline.

``--migrate`` is ``none`` (records keep their versions), ``open`` (every open record of a
process the bundle holds moves to that process's newest version) or ``matching:CONDITION``
(those of them that meet a level condition, written as YAML: ``matching:{field: tier, value:
Gold}``). A migration is a row (``PolicyMigrationRow``) walked in batches in record id order:
each batch locks its records, keeps the cycles already decided as they are (``kept_version``:
the version they ran under; evaluations leave such a row alone), sets the new version and
re-evaluates the records from their timelines. The row's cursor moves with each batch in the
same transaction, so a migration interrupted anywhere resumes after its last committed batch,
and every record ends on exactly one version. Services never commit: the caller commits each
batch (resumable) or all of them with the apply (one transaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.core.condition_spec import Condition, has_triggers
from caseclock.core.conditions import Predicate, compile_condition
from caseclock.core.policy import PolicyBundle, PolicyInvalid, parse_document
from caseclock.core.policy_preview import PreviewSummary
from caseclock.core.validation import describe_validation_error
from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services import audit
from caseclock.services.evaluation import AccountFacts
from caseclock.services.ingest import refresh
from caseclock.services.policy import AppliedPolicy, apply_bundle
from caseclock.services.policy_preview import Asked, Progress, matches, no_progress, preview
from caseclock.store.models import PolicyMigrationRow
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.policy import (
    CalendarPinRepository,
    MigrationRepository,
    PolicyChangeRepository,
    ProcessRepository,
)
from caseclock.store.repositories.records import RecordRepository

BATCH = 500
MODES = "none, open or matching:CONDITION"


@dataclass(frozen=True, slots=True)
class MigrateChoice:
    """Which open records move: none, all, or those meeting ``condition``."""

    text: str  # as written: "none", "open", "matching:{field: tier, value: Gold}"
    moves: bool
    condition: Condition | None = None

    def predicate(self) -> Predicate | None:
        return None if self.condition is None else compile_condition(self.condition)


def parse_migrate(text: str) -> MigrateChoice:
    """``none`` | ``open`` | ``matching:CONDITION``; ``ValidationFailed`` naming the problem."""
    given = text.strip()
    if given in ("none", "open"):
        return MigrateChoice(given, moves=given == "open")
    if not given.startswith("matching:"):
        raise ValidationFailed(f"migrate is {MODES}, not {given!r}", path="migrate")
    try:
        data = parse_document(given.removeprefix("matching:"))
        condition = Condition.model_validate(data)
    except PolicyInvalid as exc:
        raise ValidationFailed(f"matching: {exc.detail}", path="migrate") from None
    except ValidationError as exc:
        problems = "; ".join(describe_validation_error(exc))
        raise ValidationFailed(f"matching: {problems}", path="migrate") from None
    if has_triggers(condition):
        raise ValidationFailed(
            "matching is a condition on fields; event triggers ('on') cannot hold there",
            path="migrate",
        )
    return MigrateChoice(given, moves=True, condition=condition)


def targets_of(session: Session, bundle: PolicyBundle) -> dict[str, Any]:
    """Where a migration after applying ``bundle`` moves open records: each of its processes'
    newest version, and its calendars as they read today (their pins removed)."""
    repo = ProcessRepository(session)
    found = {key: repo.latest(key) for key in sorted(bundle.processes)}
    return {
        "processes": {key: row.version for key, row in found.items() if row is not None},
        "calendars": sorted(spec.name for spec in bundle.calendars),
    }


def start(
    session: Session,
    *,
    targets: dict[str, Any],
    choice: MigrateChoice,
    actor: str,
    now: datetime,
    summary: dict[str, Any],
) -> PolicyMigrationRow:
    """A new migration (and its audit row); ``Conflict`` while another is unfinished."""
    repo = MigrationRepository(session)
    running = repo.unfinished()
    if running is not None:
        raise _unfinished(running)
    row = repo.add(
        PolicyMigrationRow(
            created_at=now,
            actor=actor,
            targets=targets,
            criteria=choice.text,
            summary=summary,
            cursor=None,
            moved=0,
        )
    )
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.POLICY,
        target=f"migration {row.id}",
        action="migrate",
        at=now,
        details={"targets": targets, "criteria": choice.text, "preview": summary},
    )
    return row


def _unfinished(running: PolicyMigrationRow) -> Conflict:
    return Conflict(
        f"policy migration {running.id} is unfinished; resume it first "
        "(`caseclock policy migrate --resume`)"
    )


def unfinished(session: Session) -> PolicyMigrationRow:
    """The migration to resume; ``NotFound`` when none is unfinished."""
    row = MigrationRepository(session).unfinished()
    if row is None:
        raise NotFound("no policy migration is unfinished")
    return row


def _walked_keys(migration: PolicyMigrationRow) -> list[str] | None:
    """The process keys whose open records a migration walks (None: every open record, as
    one that moves calendars walks)."""
    return None if migration.targets["calendars"] else list(migration.targets["processes"])


def remaining(session: Session, migration: PolicyMigrationRow) -> int:
    """How many open records the migration has still to walk."""
    return PolicyChangeRepository(session).count_open(
        after=migration.cursor, keys=_walked_keys(migration)
    )


def run_batch(
    session: Session, migration: PolicyMigrationRow, *, now: datetime, size: int = BATCH
) -> int:
    """Move the next ``size`` open records of the migration (those already on their target
    or not meeting its criteria are passed over); the number walked, 0 once it is finished
    (then ``finished_at`` is set and the trail says how many moved)."""
    if migration.finished_at is not None:
        return 0
    versions: dict[str, int] = dict(migration.targets["processes"])
    calendars: list[str] = list(migration.targets["calendars"])
    changes = PolicyChangeRepository(session)
    ids = changes.open_ids(migration.cursor, size, keys=_walked_keys(migration))
    if not ids:
        migration.finished_at = now
        audit.record(
            session,
            actor=migration.actor,
            kind=audit.Kind.POLICY,
            target=f"migration {migration.id}",
            action="migrated",
            at=now,
            details={"moved": migration.moved},
        )
        session.flush()
        return 0
    predicate = parse_migrate(migration.criteria).predicate()
    records = RecordRepository(session)
    columns = records.lock(ids)
    pins = CalendarPinRepository(session)
    pinned = {r for r, held in pins.pins(ids).items() if set(held) & set(calendars)}
    facts_of = AccountFacts(
        AccountRepository(session).get_many(
            {c["account_id"] for c in columns.values() if c["account_id"] is not None}
        )
    )

    def new_version(row: Mapping[str, Any]) -> bool:
        target = versions.get(row["process_key"])
        return target is not None and row["process_version"] != target

    moving = [
        row
        for row in columns.values()
        if not row["is_closed"]
        and (new_version(row) or row["id"] in pinned)
        and matches(predicate, row, facts_of(row["account_id"]), now)
    ]
    if moving:
        by_version: dict[int, list[str]] = {}
        for row in moving:
            by_version.setdefault(row["process_version"], []).append(row["id"])
        for version, record_ids in by_version.items():
            changes.keep_decided(record_ids, version, before=now)
        pins.unpin([row["id"] for row in moving], calendars)
        updates = [
            {"id": row["id"], "process_version": versions[row["process_key"]]}
            for row in moving
            if new_version(row)
        ]
        records.update_many(updates)
        refresh(session, {row["id"] for row in moving}, now=now)
    migration.cursor = ids[-1]
    migration.moved += len(moving)
    session.flush()
    return len(ids)


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """An applied bundle, the preview run before it, and the migration it started."""

    applied: AppliedPolicy
    summary: PreviewSummary
    migration: PolicyMigrationRow | None


def change_policy(
    session: Session,
    bundle: PolicyBundle,
    *,
    choice: MigrateChoice,
    actor: str,
    asked: Asked,
    progress: Progress = no_progress,
) -> PolicyChange:
    """Preview ``bundle`` (``asked``: the instant and the period; which records move is
    ``choice``'s), apply it, and start the migration ``choice`` asks for (its batches are the
    caller's to run: ``run_batch``, ``run_all``); the audit trail keeps the apply and the
    migration with the preview's counts. Raises before changing anything when the bundle is
    refused or another migration is unfinished."""
    if choice.moves:
        running = MigrationRepository(session).unfinished()
        if running is not None:
            raise _unfinished(running)
    moving = replace(asked, moves=choice.moves, matching=choice.predicate())
    summary = preview(session, bundle, moving, progress=progress)
    now = asked.now
    applied = apply_bundle(session, bundle, now=now)
    audit.policy_applied(session, applied, actor=actor, at=now, preview=summary.brief())
    migration = None
    if choice.moves:
        migration = start(
            session,
            targets=targets_of(session, bundle),
            choice=choice,
            actor=actor,
            now=now,
            summary=summary.brief(),
        )
    return PolicyChange(applied, summary, migration)


def run_all(session: Session, migration: PolicyMigrationRow, *, now: datetime) -> int:
    """Every batch in the caller's transaction; the records moved."""
    while run_batch(session, migration, now=now):
        pass
    return migration.moved
