"""The at-risk queue's counts are reused for a few seconds by readers of the same filters, and
never once this process has written: a reused count says when it was taken."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert

from caseclock.services.access import Principal, Role
from caseclock.services.at_risk import CountsCache, QueueCounts, QueueFilter, queue_counts
from caseclock.store.models import AccountRow, MilestoneRow, RecordRow
from tests.conftest import T0, Database

NOW = T0
YELLOW = timedelta(minutes=15)
EVERYONE = Principal(key_id=0, name="test", role=Role.ADMIN)
OPEN = QueueFilter(open_only=True)
MILESTONES = cast(Table, MilestoneRow.__table__)


def _milestone(record: str, cycle: int, deadline: datetime) -> dict[str, object]:
    return {
        "record_id": record,
        "key": "first_response",
        "cycle": cycle,
        "name": "First response",
        "state": "running",
        "is_open": True,
        "deadline": deadline,
        "team": "L1" if cycle % 2 else "L2",
        "elapsed_seconds": 0.0,
        "paused_seconds": 0.0,
        "timers": [],
        "evaluated_at": NOW,
        "digest": "",
    }


def _store(db: Database) -> None:
    with db.session_factory() as session:
        session.add(RecordRow(id="r", type="case", created_at=NOW, updated_at=NOW, received_at=NOW))
        session.flush()
        session.execute(
            insert(MILESTONES),
            [
                _milestone("r", 1, NOW - timedelta(hours=1)),
                _milestone("r", 2, NOW + timedelta(hours=3)),
            ],
        )
        session.commit()


def _written_elsewhere(db: Database, cycle: int) -> None:
    """A row written as another process would: through the connection, so no session of this
    process sees a write of its own (the tests on PostgreSQL share one outer transaction)."""
    with db.session_factory() as session:
        session.connection().execute(
            insert(MILESTONES), [_milestone("r", cycle, NOW - timedelta(hours=2))]
        )
        session.commit()


def _counts(
    db: Database, cache: CountsCache, at: datetime, where: QueueFilter = OPEN
) -> QueueCounts:
    with db.session_factory() as session:
        return queue_counts(session, where, EVERYONE, now=at, yellow_within=YELLOW, cache=cache)


def test_a_young_count_answers_for_the_same_filters_and_says_when_it_was_taken(
    db: Database,
) -> None:
    _store(db)
    cache = CountsCache(timedelta(seconds=10))
    first = _counts(db, cache, NOW)
    assert (first.at, first.violated, first.on_track) == (NOW, 1, 1)
    _written_elsewhere(db, 3)
    again = _counts(db, cache, NOW + timedelta(seconds=9))
    assert again == first  # taken at NOW: the other process's row shows within max_age
    later = _counts(db, cache, NOW + timedelta(seconds=11))
    assert (later.at, later.violated) == (NOW + timedelta(seconds=11), 2)


def test_other_filters_and_other_scopes_are_counted_apart(db: Database) -> None:
    _store(db)
    cache = CountsCache(timedelta(seconds=10))
    assert _counts(db, cache, NOW).total == 2
    team = _counts(db, cache, NOW, QueueFilter(open_only=True, team="L1"))
    assert (team.total, team.violated) == (1, 1)
    scoped = Principal(key_id=1, name="scoped", role=Role.AGENT, accounts=frozenset({"other"}))
    with db.session_factory() as session:
        walled = queue_counts(session, OPEN, scoped, now=NOW, yellow_within=YELLOW, cache=cache)
    assert walled.total == 0


def test_a_write_committed_by_this_process_recounts_at_once(db: Database) -> None:
    _store(db)
    cache = CountsCache(timedelta(seconds=10))
    assert _counts(db, cache, NOW).violated == 1
    with db.session_factory() as session:
        session.execute(insert(MILESTONES), [_milestone("r", 3, NOW - timedelta(hours=2))])
        session.commit()
    fresh = _counts(db, cache, NOW + timedelta(seconds=1))
    assert (fresh.at, fresh.violated) == (NOW + timedelta(seconds=1), 2)


def test_a_rolled_back_write_keeps_the_count(db: Database) -> None:
    _store(db)
    cache = CountsCache(timedelta(seconds=10))
    first = _counts(db, cache, NOW)
    with db.session_factory() as session:
        session.execute(insert(MILESTONES), [_milestone("r", 3, NOW - timedelta(hours=2))])
        session.rollback()
    assert _counts(db, cache, NOW + timedelta(seconds=1)) == first


def test_max_age_zero_counts_afresh_every_time(db: Database) -> None:
    _store(db)
    cache = CountsCache(timedelta(0))
    assert _counts(db, cache, NOW).violated == 1
    _written_elsewhere(db, 3)
    assert _counts(db, cache, NOW).violated == 2


def test_a_count_from_the_future_is_not_reused(db: Database) -> None:
    """A clock set back (or a request that read its clock earlier) never gets counts taken
    after its own instant."""
    _store(db)
    cache = CountsCache(timedelta(seconds=10))
    _counts(db, cache, NOW + timedelta(seconds=5))
    earlier = _counts(db, cache, NOW)
    assert earlier.at == NOW


def test_an_orm_write_recounts_and_other_tables_do_not(db: Database) -> None:
    """Objects flushed to the watched tables move the generation; a write elsewhere (say, a
    key's last use on every request) leaves the count to be reused."""
    _store(db)
    cache = CountsCache(timedelta(seconds=10))
    first = _counts(db, cache, NOW)
    with db.session_factory() as session:
        session.add(RecordRow(id="q", type="case", created_at=NOW, updated_at=NOW, received_at=NOW))
        session.commit()
    assert _counts(db, cache, NOW + timedelta(seconds=1)).at == NOW + timedelta(seconds=1)
    with db.session_factory() as session:
        session.add(AccountRow(id="acme", name="Acme", created_at=NOW, updated_at=NOW))
        session.commit()
    assert _counts(db, cache, NOW + timedelta(seconds=2)).at == NOW + timedelta(seconds=1)
    assert first.total == 2
