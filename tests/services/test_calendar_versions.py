"""Calendar versions on both stores: a record counts on the versions it holds (set when it is
created, moved only by a migration), so a calendar edit writes nothing per record, every figure
of a record reads the version its deadline was counted on, and reports over a period spanning
an edit agree with a fresh evaluation of the same history."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseclock.services.at_risk import Order, milestone_queue, queue_counts
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest, refresh
from caseclock.services.policy import apply_bundle
from caseclock.services.policy_migration import change_policy, parse_migrate, run_all
from caseclock.services.records import evaluate_record, get_record
from caseclock.services.reports import compliance_report
from caseclock.store.models import MilestoneRow, RecordRow
from caseclock.store.repositories.milestones import QueueFilter
from tests.conftest import HELPDESK, Database
from tests.services.policy_setup import DAYS, NOW, changed, event, install

HOLIDAY = ("timezone: UTC, week:", 'timezone: UTC, holidays: ["2026-03-10"], week:')
RESOLUTION = QueueFilter(milestone="resolution", open_only=True)


def _records(session: Session) -> dict[str, tuple[int | None, dict[str, int] | None]]:
    rows = session.execute(
        select(RecordRow.id, RecordRow.process_version, RecordRow.calendar_versions)
    ).all()
    return {record_id: (version, held) for record_id, version, held in rows}


def _new_record(session: Session, record: str) -> None:
    created = event(record, f"{record}-c", "created", NOW, tier="Gold")
    results = ingest(session, [created], principal=SYSTEM, provenance=HELPDESK, now=NOW)
    assert all(r.outcome is Outcome.ACCEPTED for r in results), [r.errors for r in results]


def test_a_calendar_edit_writes_to_no_record(db: Database) -> None:
    """Tuesday becomes a holiday: the calendar gets version 2 and no record row changes (the
    open ones keep counting on version 1 because they hold it); a record created afterwards
    holds version 2."""
    install(db)
    with db.session_factory() as session:
        before = _records(session)
        apply_bundle(session, changed(*HOLIDAY), now=NOW)
        assert _records(session) == before
        _new_record(session, "R-5")
        session.commit()
    with db.session_factory() as session:
        assert _records(session)["R-5"] == (1, {"office": 2})
        versions = dict(
            session.execute(
                select(MilestoneRow.record_id, MilestoneRow.calendar_version).where(
                    MilestoneRow.key == "resolution"
                )
            ).all()
        )
    assert versions == {"R-1": 1, "R-2": 1, "R-3": 1, "R-4": 1, "R-5": 2}


def test_time_left_colours_and_the_queue_read_the_version_counted_on(db: Database) -> None:
    """After the holiday is added without moving anyone, R-1's resolution (due Wednesday
    11:00 on version 1) has 13 business hours left, not the 5 version 2 would count, so it is
    on track with a 12-hour threshold and sorts after R-2 and R-4 (11 h left); R-5, opened on
    version 2, has its 16 hours. The counts, the queue, the record page agree."""
    install(db)
    with db.session_factory() as session:
        apply_bundle(session, changed(*HOLIDAY), now=NOW)
        _new_record(session, "R-5")
        session.commit()
    within = timedelta(hours=12)
    with db.session_factory() as session:
        queue = milestone_queue(
            session,
            RESOLUTION,
            SYSTEM,
            now=NOW,
            order=Order.TIME_LEFT,
            limit=10,
            offset=0,
            yellow_within=within,
        )
        left = {item.row.record_id: item.standing.remaining for item in queue}
        health = {item.row.record_id: item.standing.health.value for item in queue}
        counts = queue_counts(session, RESOLUTION, SYSTEM, now=NOW, yellow_within=within)
        page = evaluate_record(session, get_record(session, "R-1", SYSTEM), now=NOW)
    order = [item.row.record_id for item in queue]
    assert (set(order[:2]), order[2:]) == ({"R-2", "R-4"}, ["R-1", "R-5"])  # tie
    assert left == {
        "R-2": timedelta(hours=11),
        "R-4": timedelta(hours=11),
        "R-1": timedelta(hours=13),
        "R-5": timedelta(hours=16),
    }
    assert health == {"R-2": "yellow", "R-4": "yellow", "R-1": "green", "R-5": "green"}
    assert (counts.at_risk, counts.on_track) == (2, 2)
    resolution = next(m for m in page.milestones if m.key == "resolution")
    assert resolution.remaining == timedelta(hours=13)


ROUND_THE_CLOCK = ('"09:00", "17:00"', '"00:00", "24:00"')


def test_reports_over_a_calendar_edit_agree_with_a_fresh_evaluation(db: Database) -> None:
    """The office calendar becomes open around the clock on weekdays: last week's R-3
    (resolved the next morning, on time on office hours) would be late on the new version.
    A late event on the closed R-3 and a fresh evaluation of every record leave the report
    of the period as it was: history keeps the version each cycle ran under."""
    install(db)
    with db.session_factory() as session:
        before = compliance_report(session, SYSTEM, now=NOW, days=DAYS)
        apply_bundle(session, changed(*ROUND_THE_CLOCK), now=NOW)
        note = event("R-3", "R-3-n", "comment", NOW, public=False, author_role="agent")
        results = ingest(session, [note], principal=SYSTEM, provenance=HELPDESK, now=NOW)
        assert all(r.outcome is Outcome.ACCEPTED for r in results)
        session.commit()
    with db.session_factory() as session:
        after_event = compliance_report(session, SYSTEM, now=NOW, days=DAYS)
        refresh(session, {"R-1", "R-2", "R-3", "R-4"}, now=NOW)  # a fresh evaluation
        session.commit()
    with db.session_factory() as session:
        fresh = compliance_report(session, SYSTEM, now=NOW, days=DAYS)
        late = session.scalar(
            select(MilestoneRow.late).where(
                MilestoneRow.record_id == "R-3", MilestoneRow.key == "resolution"
            )
        )
    assert late is False
    assert after_event.overall == before.overall == fresh.overall
    assert after_event.by_milestone == before.by_milestone == fresh.by_milestone


def test_a_kept_cycle_shows_the_version_it_ran_under(db: Database) -> None:
    """First response cut from 4 h to 2 h and the open records moved: R-2's answer after 3 h
    was decided under version 1 and stays on time; the record's evaluation (the record page,
    the API) says so and explains it on version 1, while R-1's open cycle runs on version 2."""
    install(db)
    with db.session_factory() as session:
        made = change_policy(
            session,
            changed("target: 4h", "target: 2h"),
            choice=parse_migrate("open"),
            actor="tester",
            now=NOW,
        )
        assert made.migration is not None
        run_all(session, made.migration, now=NOW)
        session.commit()
    with db.session_factory() as session:
        kept = evaluate_record(session, get_record(session, "R-2", SYSTEM), now=NOW)
        moved = evaluate_record(session, get_record(session, "R-1", SYSTEM), now=NOW)
    first = next(m for m in kept.milestones if m.key == "first_response")
    assert (kept.kept_version(first), first.late, first.target) == (1, False, timedelta(hours=4))
    assert kept.kept[("first_response", 1)].process.version == 1
    running = next(m for m in moved.milestones if m.key == "first_response")
    assert (moved.kept_version(running), running.target) == (None, timedelta(hours=2))
