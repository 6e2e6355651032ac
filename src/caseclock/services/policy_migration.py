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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.core.condition_spec import Condition, has_triggers
from caseclock.core.conditions import Predicate, compile_condition
from caseclock.core.milestones import Milestone
from caseclock.core.policy import PolicyBundle, PolicyInvalid, parse_document
from caseclock.core.policy_preview import (
    PreviewSummary,
    PreviewTally,
    as_migrated,
    stored_milestone,
)
from caseclock.core.validation import describe_validation_error
from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services import audit
from caseclock.services.evaluation import AccountFacts
from caseclock.services.ingest import refresh
from caseclock.services.policy import AppliedPolicy, apply_bundle
from caseclock.services.policy_preview import matches
from caseclock.store.database import SessionFactory
from caseclock.store.models import PolicyMigrationRow
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.policy import (
    CalendarRepository,
    MigrationRepository,
    PolicyChangeRepository,
    ProcessRepository,
)
from caseclock.store.repositories.records import RecordRepository

BATCH = 500
Progress = Callable[[int, int], None]
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
            summary={},
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
        details={"targets": targets, "criteria": choice.text},
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
    (then ``finished_at`` is set and the trail says how many moved, with the counts of what
    moved). The counts (``migration.summary``) grow batch by batch as the preview's would:
    each moved record's milestones as the store held them, beside its re-evaluation."""
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
            details={"moved": migration.moved, "preview": _brief(migration.summary)},
        )
        session.flush()
        return 0
    predicate = parse_migrate(migration.criteria).predicate()
    records = RecordRepository(session)
    columns = records.lock(ids)
    newest = CalendarRepository(session).versions()
    facts_of = AccountFacts(
        AccountRepository(session).get_many(
            {c["account_id"] for c in columns.values() if c["account_id"] is not None}
        )
    )

    def new_version(row: Mapping[str, Any]) -> bool:
        target = versions.get(row["process_key"])
        return target is not None and row["process_version"] != target

    def held(row: Mapping[str, Any]) -> dict[str, int]:
        """The calendar versions the record holds once moved: the bundle's, newest."""
        moved = {**(row["calendar_versions"] or {}), **{n: newest[n] for n in calendars}}
        return {name: version for name, version in moved.items() if version > 1}

    def new_calendars(row: Mapping[str, Any]) -> bool:
        return held(row) != (row["calendar_versions"] or {})

    moving = [
        row
        for row in columns.values()
        if not row["is_closed"]
        and (new_version(row) or new_calendars(row))
        and matches(predicate, row, facts_of(row["account_id"]), now)
    ]
    if moving:
        moved_ids = [row["id"] for row in moving]
        stored = changes.stored_cycles(moved_ids)
        by_version: dict[int, list[str]] = {}
        for row in moving:
            by_version.setdefault(row["process_version"], []).append(row["id"])
        for version, record_ids in by_version.items():
            changes.keep_decided(record_ids, version, before=now)
        records.update_many(
            [
                {
                    "id": row["id"],
                    "process_version": versions.get(row["process_key"], row["process_version"]),
                    "calendar_versions": held(row) or None,
                }
                for row in moving
            ]
        )
        evaluated: dict[str, list[Milestone]] = {}
        refresh(session, set(moved_ids), now=now, evaluated=evaluated)
        tally = PreviewTally(since=now, until=now)
        tally.restore(migration.summary)
        for record_id in moved_ids:
            before = [stored_milestone(cycle, now=now) for cycle in stored[record_id]]
            after = as_migrated(before, evaluated.get(record_id, []), now)
            tally.add_open(record_id, before, after)
        migration.summary = tally.state()
    migration.cursor = ids[-1]
    migration.moved += len(moving)
    session.flush()
    return len(ids)


def _brief(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The counts of a migration's summary (what the trail keeps)."""
    return {name: summary.get(name, 0) for name in PreviewSummary().brief()}


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """An applied bundle, and the migration it started (None: ``--migrate none``)."""

    applied: AppliedPolicy
    migration: PolicyMigrationRow | None


def change_policy(
    session: Session,
    bundle: PolicyBundle,
    *,
    choice: MigrateChoice,
    actor: str,
    now: datetime,
) -> PolicyChange:
    """Apply ``bundle`` and start the migration ``choice`` asks for (its batches are the
    caller's to run: ``run_batch``, ``run_all``, ``run_committed``). Nothing is evaluated
    twice: the audit trail keeps the apply, and the migration's counts as it goes (the
    preview's counts of the records it moved, in its ``migrated`` row); an apply that moves
    nothing keeps the open records' counts, all unchanged. Raises before changing anything
    when the bundle is refused or another migration is unfinished."""
    if choice.moves:
        running = MigrationRepository(session).unfinished()
        if running is not None:
            raise _unfinished(running)
    applied = apply_bundle(session, bundle, now=now)
    migration = None
    if choice.moves:
        migration = start(
            session,
            targets=targets_of(session, bundle),
            choice=choice,
            actor=actor,
            now=now,
        )
        preview: dict[str, Any] = {"migration": migration.id}
    else:
        preview = PolicyChangeRepository(session).unmoved()
    audit.policy_applied(session, applied, actor=actor, at=now, preview=preview)
    return PolicyChange(applied, migration)


def migration_summary(migration: PolicyMigrationRow) -> PreviewSummary:
    """What a migration did so far: the preview's counts of the records it moved."""
    tally = PreviewTally(since=migration.created_at, until=migration.created_at)
    tally.restore(migration.summary)
    summary = tally.summary()
    summary.since = summary.until = summary.overall = None
    return summary


def run_all(session: Session, migration: PolicyMigrationRow, *, now: datetime) -> int:
    """Every batch in the caller's transaction; the records moved."""
    while run_batch(session, migration, now=now):
        pass
    return migration.moved


@dataclass(frozen=True, slots=True)
class Walked:
    """Where a migration run in committed batches stands."""

    id: int
    moved: int
    finished: bool
    summary: PreviewSummary


def run_committed(
    factory: SessionFactory,
    *,
    now: datetime,
    size: int = BATCH,
    progress: Progress = lambda _done, _total: None,
) -> Walked:
    """Run the unfinished migration to its end, each batch a transaction of its own that
    commits (unlike the rest of the services, this function owns its units of work: that is
    what makes a migration resumable). An interruption anywhere loses at most the batch under
    way; running this again continues after the last committed one. ``NotFound`` when no
    migration is unfinished; ``progress(done, total)`` after each batch."""
    with factory() as session:
        total = remaining(session, unfinished(session))
    walked = 0
    while True:
        with factory() as session:
            migration = unfinished_or_last(session)
            step = run_batch(session, migration, now=now, size=size)
            found = Walked(
                migration.id,
                migration.moved,
                migration.finished_at is not None,
                migration_summary(migration),
            )
            session.commit()
        walked += step
        progress(walked, max(total, walked))
        if step == 0:
            return found


def unfinished_or_last(session: Session) -> PolicyMigrationRow:
    """The unfinished migration, else the newest one (``NotFound``: there is none)."""
    repo = MigrationRepository(session)
    row = repo.unfinished() or repo.newest()
    if row is None:
        raise NotFound("no policy migration has been started")
    return row
