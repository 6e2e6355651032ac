"""The insights migration adds its two tables to a database that already holds events."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from caseclock.store import migrate
from caseclock.store.database import make_engine


def test_upgrade_from_the_previous_schema_keeps_events(tmp_path: Path) -> None:
    """Events stored before the migration stay; the new tables start empty (old comments are
    scored when read)."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    try:
        migrate.upgrade(engine, "0015")
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
                    "INSERT INTO events (record_id, event_id, type, occurred_at, received_at,"
                    " data) VALUES ('r', 'e1', 'comment', '2026-03-09 14:00:00',"
                    ' \'2026-03-09 14:00:00\', \'{"public": true, "author_role": "customer"}\')'
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            events = connection.execute(text("SELECT count(*) FROM events")).scalar()
            scored = connection.execute(text("SELECT count(*) FROM comment_sentiments")).scalar()
        assert {"risk_models", "comment_sentiments"} <= tables
        assert (events, scored) == (1, 0)
    finally:
        engine.dispose()
