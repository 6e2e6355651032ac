"""Every downgrade keeps the rows of the tables it leaves in place: on SQLite a migration that
rebuilds a referenced table in batch mode drops the old one, and the drop cascades to every row
that references it (events, tasks, collaborators) unless the migration avoids it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from caseclock.demo.generator import generate
from caseclock.demo.loader import load_demo
from caseclock.document_files import load_bundle
from caseclock.store import migrate
from caseclock.store.database import make_engine, make_session_factory

NOW = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
BUNDLE = Path(__file__).resolve().parents[2] / "examples" / "policies" / "b2b.yaml"
LOWEST = "0010"  # every table below exists at this revision
KEPT = ("accounts", "records", "events", "notes", "account_milestones", "account_tasks")


def test_each_downgrade_step_keeps_every_row_it_does_not_drop(tmp_path: Path) -> None:
    """The demo loaded at head, then one downgrade at a time down to 0010: after each step the
    accounts, records, events, notes, customer milestones and their tasks are all still there
    (the demo holds some of each)."""
    engine = make_engine(f"sqlite:///{tmp_path}/demo.db")
    try:
        migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            load_demo(session, load_bundle(BUNDLE), generate(now=NOW, cases=30), now=NOW)
            session.commit()
        with engine.connect() as connection:
            counts = {t: connection.scalar(text(f"SELECT count(*) FROM {t}")) for t in KEPT}  # noqa: S608
        assert all(counts.values()), counts
        revision = str(migrate.head_revision())
        while revision != LOWEST:
            revision = f"{int(revision) - 1:04d}"
            with engine.begin() as connection:
                command.downgrade(migrate.alembic_config(connection), revision)
            with engine.connect() as connection:
                tables = set(inspect(connection).get_table_names())
                after = {
                    t: connection.scalar(text(f"SELECT count(*) FROM {t}"))  # noqa: S608
                    for t in KEPT
                    if t in tables
                }
            assert after == {t: counts[t] for t in after}, f"downgrading to {revision}"
    finally:
        engine.dispose()
