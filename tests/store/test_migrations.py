"""Migrations are code: the schema comes from them, and the models never drift from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from caseclock.store import migrate
from caseclock.store.database import make_engine
from caseclock.store.models import Base
from tests.conftest import Database


def test_models_and_migrations_agree(db: Database) -> None:
    """`alembic check` finds nothing to generate on a database built by the migrations."""
    with db.session_factory() as session:
        migrate.check_connection(session.connection())


def test_database_is_at_head(db: Database) -> None:
    """The test schema stands at the newest revision, so nothing is pending."""
    with db.session_factory() as session:
        assert migrate.current_revision(session.connection()) == migrate.head_revision()


def test_every_table_exists(db: Database) -> None:
    """Every model's table was created by the migrations."""
    with db.session_factory() as session:
        tables = set(inspect(session.connection()).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_fresh_sqlite_is_pending(tmp_path: Path) -> None:
    """A database that never ran the migrations is reported as pending."""
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
    try:
        assert migrate.pending(engine)
        migrate.upgrade(engine)
        assert not migrate.pending(engine)
    finally:
        engine.dispose()


def _with_one_milestone(tmp_path: Path, revision: str) -> Engine:
    """A SQLite file at ``revision`` holding one record with one running milestone row."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(engine, revision)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO records (id, type, fields, is_closed, created_at, updated_at,"
                " received_at, event_count) VALUES ('r', 'case', '{}', 0,"
                " '2026-03-09 14:00:00', '2026-03-09 14:00:00', '2026-03-09 14:00:00', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO milestones (record_id, key, cycle, name, state, is_open,"
                " elapsed_seconds, paused_seconds, timers, evaluated_at, digest) VALUES"
                " ('r', 'm', 1, 'm', 'running', 1, 0, 0, '[]', '2026-03-09 14:00:00', '')"
            )
        )
    return engine


def test_milestone_rows_written_before_basis_read_as_business_time(tmp_path: Path) -> None:
    """Rows stored before milestones kept their basis and first breach come through the
    upgrade as business-time rows with no breach recorded (the next evaluation rewrites
    them)."""
    engine = _with_one_milestone(tmp_path, "0005")
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT basis, violated_at FROM milestones")).one()
        assert tuple(row) == ("business", None)
    finally:
        engine.dispose()


def test_rows_written_before_policy_migrations_run_on_their_records_version(
    tmp_path: Path,
) -> None:
    """Upgraded from 0011, a milestone row keeps no version of its own (it runs on its
    record's) and no policy migration is recorded."""
    engine = _with_one_milestone(tmp_path, "0011")
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT kept_version FROM milestones")).scalar_one()
            count = connection.execute(text("SELECT count(*) FROM policy_migrations")).scalar()
        assert (kept, count) == (None, 0)
    finally:
        engine.dispose()


def test_calendars_stored_before_versions_become_their_version_1(tmp_path: Path) -> None:
    """Upgraded from 0012, each calendar is at version 1, kept in its versions with the same
    document, and no record is pinned."""
    engine = _with_one_milestone(tmp_path, "0012")
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO calendars (name, document, created_at, updated_at) VALUES"
                    """ ('utc', '{"name": "utc"}', '2026-03-09 14:00:00',"""
                    " '2026-03-09 14:00:00')"
                )
            )
        migrate.upgrade(engine, "0013")
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version FROM calendars")).scalar_one()
            kept = connection.execute(
                text("SELECT name, version, document FROM calendar_versions")
            ).one()
            pins = connection.execute(text("SELECT count(*) FROM record_calendar_pins")).scalar()
        assert version == 1
        assert (kept[0], kept[1], pins) == ("utc", 1, 0)
        assert "utc" in str(kept[2])
    finally:
        engine.dispose()


def test_pins_become_the_versions_records_hold(tmp_path: Path) -> None:
    """Upgraded from 0023, a pinned record holds its pins, every other record the versions in
    force (it was counting on them), and each milestone row names the version it counts on;
    the pins are gone."""
    engine = _with_one_milestone(tmp_path, "0023")
    try:
        with engine.begin() as connection:
            for name, version in (("utc", 3), ("eu", 2), ("us", 1)):
                connection.execute(
                    text(
                        "INSERT INTO calendars (name, document, created_at, updated_at, version)"
                        " VALUES (:name, '{}', '2026-03-09 14:00:00', '2026-03-09 14:00:00',"
                        " :version)"
                    ),
                    {"name": name, "version": version},
                )
            connection.execute(
                text(
                    "INSERT INTO records (id, type, fields, is_closed, created_at, updated_at,"
                    " received_at, event_count) VALUES ('q', 'case', '{}', 0,"
                    " '2026-03-09 14:00:00', '2026-03-09 14:00:00', '2026-03-09 14:00:00', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO record_calendar_pins (record_id, calendar, version)"
                    " VALUES ('q', 'utc', 1), ('q', 'eu', 1)"
                )
            )
            connection.execute(text("UPDATE milestones SET calendar = 'utc'"))
        migrate.upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, calendar_versions FROM records")).all()
            held: dict[str, str | None] = {str(r[0]): r[1] for r in rows}
            counted_on = connection.execute(
                text("SELECT calendar_version FROM milestones")
            ).scalar()
            tables = inspect(connection).get_table_names()
        assert json.loads(held["r"] or "") == {"utc": 3, "eu": 2}
        assert held["q"] is None  # pinned to every calendar's version 1
        assert counted_on == 3
        assert "record_calendar_pins" not in tables
    finally:
        engine.dispose()


def test_records_from_before_firing_holds_are_not_held_and_a_hold_goes_with_its_record(
    tmp_path: Path,
) -> None:
    """Upgraded from 0016, no record has a firing hold; a hold then refers to its record and
    is deleted with it."""
    engine = _with_one_milestone(tmp_path, "0016")
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM firing_holds")).scalar() == 0
            connection.execute(
                text(
                    "INSERT INTO firing_holds (record_id, failures, error, first_failed_at,"
                    " failed_at) VALUES ('r', 1, 'ValueError: x', '2026-03-09 14:00:00',"
                    " '2026-03-09 14:00:00')"
                )
            )
            connection.execute(text("DELETE FROM records WHERE id = 'r'"))
            assert connection.execute(text("SELECT count(*) FROM firing_holds")).scalar() == 0
    finally:
        engine.dispose()


def test_revisions_form_one_chain_named_by_their_files() -> None:
    """Every migration file ``vNNNN_*.py`` holds revision ``NNNN``, revises ``NNNN - 1``, and
    there is exactly one head: two branches landing the same number break here, not in CI."""
    versions = Path(migrate.__file__).parent / "migrations" / "versions"
    revisions: dict[str, str | None] = {}
    for path in sorted(versions.glob("v*.py")):
        source = path.read_text()
        revision = re.search(r'^revision = "(\w+)"', source, re.MULTILINE)
        down = re.search(r'^down_revision = (?:"(\w+)"|None)', source, re.MULTILINE)
        assert revision, f"{path.name}: no revision"
        assert down, f"{path.name}: no down_revision"
        number = path.name[1:5]
        assert revision.group(1) == number, f"{path.name} holds revision {revision.group(1)}"
        assert number not in revisions, f"two migrations numbered {number}"
        revisions[number] = down.group(1)
    numbers = sorted(revisions)
    assert numbers == [f"{n:04d}" for n in range(1, len(numbers) + 1)], "a number is skipped"
    for previous, number in zip([None, *numbers], numbers, strict=False):
        assert revisions[number] == previous, f"{number} revises {revisions[number]}"
    assert migrate.head_revision() == numbers[-1]
