"""Policy changes on live clocks, as scenarios on both stores: each change previewed, applied
and migrated, and what the store holds afterwards agrees with a fresh evaluation of the same
history (decided cycles as they were, the rest under the new version)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseclock.core.compliance import Compliance
from caseclock.core.evaluate import evaluate
from caseclock.core.milestones import Milestone
from caseclock.core.policy import PolicyBundle, PolicyInvalid, parse_bundle
from caseclock.core.policy_preview import PreviewSummary, as_migrated
from caseclock.core.simulation import calendars_of
from caseclock.core.timeline import build_timeline
from caseclock.errors import Conflict
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest, to_event
from caseclock.services.policy import apply_bundle
from caseclock.services.policy_migration import (
    PolicyChange,
    change_policy,
    migration_summary,
    parse_migrate,
    run_all,
    run_batch,
    unfinished,
)
from caseclock.services.policy_preview import Asked, preview
from caseclock.services.reports import compliance_report
from caseclock.store.models import AuditRow, MilestoneRow, ProcessRow, RecordRow
from caseclock.store.repositories.records import EventRepository
from tests.conftest import HELPDESK, Database
from tests.services.policy_setup import BUNDLE, DAYS, MONDAY, NOW, install
from tests.services.policy_setup import changed as _changed
from tests.services.policy_setup import event as _event


@pytest.fixture
def installed(db: Database) -> Database:
    """The history of ``policy_setup``, stored under its ``BUNDLE`` (process support v1)."""
    return install(db)


ASKED = Asked(now=NOW, since=NOW - timedelta(days=DAYS), until=NOW)


def _preview(session: Session, bundle: PolicyBundle, **options: Any) -> PreviewSummary:
    return preview(session, bundle, replace(ASKED, **options))


def _change(session: Session, bundle: PolicyBundle, criteria: str = "open") -> PolicyChange:
    change = change_policy(session, bundle, choice=parse_migrate(criteria), actor="tester", now=NOW)
    assert change.migration is not None
    return change


def _migrate(session: Session, bundle: PolicyBundle, criteria: str = "open") -> PreviewSummary:
    """Apply and migrate in one transaction; what the migration says it did."""
    change = _change(session, bundle, criteria)
    assert change.migration is not None
    run_all(session, change.migration, now=NOW)
    return migration_summary(change.migration)


def _fresh(session: Session, bundle: PolicyBundle, record: str) -> list[Milestone]:
    stored = EventRepository(session).timelines([record])[record]
    timeline = build_timeline(to_event(s) for s in stored)
    process = bundle.processes["support"]
    return evaluate(process, timeline, NOW, calendars=calendars_of(bundle), account={})


def _rows(session: Session, record: str) -> dict[tuple[str, int], MilestoneRow]:
    rows = session.scalars(select(MilestoneRow).where(MilestoneRow.record_id == record)).all()
    return {(r.key, r.cycle): r for r in rows}


def _assert_stored_is_fresh(
    session: Session, before: PolicyBundle, after: PolicyBundle, record: str
) -> None:
    """The record's rows are its timeline evaluated now: decided cycles under the version they
    ran under (kept), the others under the new one."""
    expected = as_migrated(_fresh(session, before, record), _fresh(session, after, record), NOW)
    rows = _rows(session, record)
    assert sorted(rows) == sorted((m.key, m.cycle) for m in expected)
    for m in expected:
        row = rows[(m.key, m.cycle)]
        assert (row.deadline, row.state, row.late) == (m.deadline, str(m.state), m.late), m.key


def _counts(c: Compliance) -> tuple[int, int, int, int]:
    return (c.on_time, c.late, c.violated, c.open)


def test_a_shortened_target_previewed_then_migrated(installed: Database) -> None:
    """First response 4 h -> 2 h. The preview moves R-1's deadline two hours earlier, into a
    violation; R-2's answer after 3 h, decided before the change, stays on time; last week's
    compliance would have been worse. After the migration the store holds exactly that, and
    the report before the change is the preview's "before"."""
    shorter = _changed("target: 4h", "target: 2h")
    with installed.session_factory() as session:
        report_before = compliance_report(session, SYSTEM, now=NOW, days=DAYS)
        summary = _preview(session, shorter)
    assert summary.records == 3
    assert (summary.earlier, summary.later, summary.unchanged) == (1, 0, 3)
    assert summary.newly_violated == 1
    assert [(f.record, f.milestone) for f in summary.newly_violated_list] == [
        ("R-1", "first_response")
    ]
    assert [(m.record, m.by) for m in summary.largest] == [("R-1", timedelta(hours=-2))]
    assert summary.overall is not None
    assert _counts(summary.overall.before) == _counts(report_before.overall)
    first = {s.label: s for s in summary.by_milestone}["First response"]
    assert _counts(first.before) == (3, 0, 0, 0)
    assert _counts(first.after) == (1, 2, 1, 0)  # R-4 on time; late; R-1 violated
    tiers = {s.label: s for s in summary.by_tier}
    assert set(tiers) == {"Gold", "Standard"}

    with installed.session_factory() as session:
        _migrate(session, shorter)
        session.commit()
    original = parse_bundle(BUNDLE)
    with installed.session_factory() as session:
        versions = dict(session.execute(select(RecordRow.id, RecordRow.process_version)).all())
        assert versions == {"R-1": 2, "R-2": 2, "R-4": 2, "R-3": 1}
        for record in ("R-1", "R-2", "R-4"):
            _assert_stored_is_fresh(session, original, shorter, record)
        kept = _rows(session, "R-2")[("first_response", 1)]
        assert (kept.kept_version, kept.late) == (1, False)
        assert _rows(session, "R-1")[("first_response", 1)].state == "violated"
        report_after = compliance_report(session, SYSTEM, now=NOW, days=DAYS)
    assert _counts(report_after.overall) == (4, 0, 1, 0)


def test_a_pause_condition_added_previewed_then_migrated(installed: Database) -> None:
    """Resolution now pauses while the record waits: R-4 (waiting since 10:00) holds its
    clock after the migration; the other records' deadlines do not move."""
    paused = _changed(
        "complete: {on: closed}",
        "complete: {on: closed}\n        pause: {field: status, value: Waiting}",
    )
    with installed.session_factory() as session:
        summary = _preview(session, paused)
    assert summary.earlier == 0
    assert summary.later + summary.no_longer_dated == 1
    assert summary.records_changed == 1
    assert summary.newly_violated == summary.no_longer_violated == 0
    with installed.session_factory() as session:
        _migrate(session, paused)
        session.commit()
    with installed.session_factory() as session:
        for record in ("R-1", "R-2", "R-4"):
            _assert_stored_is_fresh(session, parse_bundle(BUNDLE), paused, record)
        assert _rows(session, "R-4")[("resolution", 1)].state == "paused"


def test_matching_criteria_move_only_the_records_that_meet_them(installed: Database) -> None:
    """``matching:{field: tier, value: Gold}`` moves R-1 (Gold) and leaves the Standard ones
    on version 1; the preview counts only R-1's move."""
    shorter = _changed("target: 4h", "target: 2h")
    criteria = "matching:{field: tier, value: Gold}"
    with installed.session_factory() as session:
        choice = parse_migrate(criteria)
        summary = _preview(session, shorter, matching=choice.predicate())
        assert summary.earlier == 1
        _migrate(session, shorter, criteria)
        session.commit()
    with installed.session_factory() as session:
        versions = dict(session.execute(select(RecordRow.id, RecordRow.process_version)).all())
    assert versions == {"R-1": 2, "R-2": 1, "R-4": 1, "R-3": 1}


def _state(session: Session) -> tuple[int, int, int, list[tuple[str, int | None]]]:
    processes = session.scalar(select(func.count()).select_from(ProcessRow)) or 0
    audits = session.scalar(select(func.count()).select_from(AuditRow)) or 0
    milestones = session.scalar(select(func.count()).select_from(MilestoneRow)) or 0
    versions = session.execute(select(RecordRow.id, RecordRow.process_version)).all()
    return processes, audits, milestones, sorted((r, v) for r, v in versions)


def test_preview_and_migrate_change_nothing_on_error(installed: Database) -> None:
    """A bundle the store cannot hold, and a second migration while one is unfinished, are
    refused before anything changes."""
    unstorable = _changed("name: Support", "name: " + "S" * 300)
    with installed.session_factory() as session:
        before = _state(session)
        with pytest.raises(PolicyInvalid, match=r"processes\.support\.name"):
            _preview(session, unstorable)
        with pytest.raises(PolicyInvalid, match=r"processes\.support\.name"):
            _migrate(session, unstorable)
        assert _state(session) == before
    shorter = _changed("target: 4h", "target: 2h")
    with installed.session_factory() as session:
        _change(session, shorter)
        session.commit()
    longer = _changed("target: 4h", "target: 6h")
    with installed.session_factory() as session:
        before = _state(session)
        with pytest.raises(Conflict, match="unfinished"):
            _migrate(session, longer)
        session.rollback()
        assert _state(session) == before


def test_an_interrupted_migration_resumes_and_ends_with_one_version_each(db: Database) -> None:
    """30 open records moved 7 at a time: a batch that fails (rolled back) is walked again on
    resume, and in the end every open record is on the new version, none twice or skipped;
    the counts the migration keeps as it goes count each record once."""
    events = [
        _event(f"C-{n:02}", f"C-{n:02}-c", "created", MONDAY + timedelta(minutes=n))
        for n in range(30)
    ]
    shorter = _changed("target: 4h", "target: 2h")
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(BUNDLE), now=NOW - timedelta(days=1))
        ingest(session, events, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        _change(session, shorter)
        session.commit()
    with db.session_factory() as session:
        assert run_batch(session, unfinished(session), now=NOW, size=7) == 7
        session.commit()
    with db.session_factory() as session:  # the second batch dies before its commit
        assert run_batch(session, unfinished(session), now=NOW, size=7) == 7
        session.rollback()
    with db.session_factory() as session:
        migration = unfinished(session)
        assert migration.moved == 7
        while run_batch(session, migration, now=NOW, size=7):
            session.commit()
        session.commit()
    with db.session_factory() as session:
        versions = session.scalars(select(RecordRow.process_version)).all()
        assert list(versions) == [2] * 30
        done = session.scalars(select(AuditRow).where(AuditRow.action == "migrated")).one()
        assert done.details["moved"] == 30
        counted = done.details["preview"]  # counted as it went: the lost batch counted once
        assert (counted["records"], counted["earlier"], counted["unchanged"]) == (30, 30, 30)
        for record in ("C-00", "C-29"):
            _assert_stored_is_fresh(session, parse_bundle(BUNDLE), shorter, record)


HOLIDAY = ("timezone: UTC, week:", 'timezone: UTC, holidays: ["2026-03-10"], week:')


def _deadline(session: Session, record: str, key: str) -> datetime | None:
    return _rows(session, record)[(key, 1)].deadline


def test_a_holiday_added_keeps_open_clocks_until_they_are_migrated(installed: Database) -> None:
    """Tuesday becomes a holiday. Applied without a migration, the open records keep the
    calendar they ran on (R-1's resolution stays due Wednesday 11:00 after a new event) and a
    record opened now gets the holiday. Previewed, the migration moves the three open
    resolutions a day later; migrated, the store holds a fresh evaluation on the new calendar."""
    holiday = _changed(*HOLIDAY)
    wednesday = MONDAY + timedelta(days=2, hours=2)
    with installed.session_factory() as session:
        apply_bundle(session, holiday, now=NOW)
        later = [
            _event("R-1", "R-1-n", "comment", NOW, public=False, author_role="agent"),
            _event("R-5", "R-5-c", "created", NOW, tier="Gold"),
        ]
        assert all(
            r.outcome is Outcome.ACCEPTED
            for r in ingest(session, later, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        )
        session.commit()
    with installed.session_factory() as session:
        assert _deadline(session, "R-1", "resolution") == wednesday
        assert _deadline(session, "R-5", "resolution") == NOW + timedelta(days=3)  # Thursday
        summary = _preview(session, holiday)
    assert (summary.earlier, summary.later) == (0, 3)
    assert all(m.by == timedelta(days=1) for m in summary.largest)
    with installed.session_factory() as session:
        _migrate(session, holiday)
        session.commit()
    with installed.session_factory() as session:
        assert _deadline(session, "R-1", "resolution") == wednesday + timedelta(days=1)
        for record in ("R-1", "R-2", "R-4", "R-5"):
            _assert_stored_is_fresh(session, holiday, holiday, record)
        again = _preview(session, holiday)
    assert (again.earlier, again.later, again.records_changed) == (0, 0, 0)
