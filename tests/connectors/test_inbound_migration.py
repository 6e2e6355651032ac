"""The inbound payloads table comes with an upgrade from the schema before it, data kept."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from caseclock.store import migrate
from caseclock.store.database import make_engine


def test_upgrading_from_the_previous_schema_keeps_records_and_adds_inbound_payloads(
    tmp_path: Path,
) -> None:
    """A database at 0010 with a record in it upgrades to head: the record is kept, the
    inbound payloads table takes one row per (source, delivery id), and a downgrade drops it
    again."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    try:
        migrate.upgrade(engine, "0010")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO records (id, type, fields, is_closed, created_at, updated_at,"
                    " received_at, event_count) VALUES ('r', 'case', '{}', 0,"
                    " '2026-03-09 14:00:00', '2026-03-09 14:00:00', '2026-03-09 14:00:00', 1)"
                )
            )
        migrate.upgrade(engine)
        insert = text(
            "INSERT INTO inbound_payloads (source, delivery_id, received_at, reason, headers,"
            " body) VALUES ('gh', 'd-1', '2026-03-09 14:00:00', 'ping', '{}', '{}')"
            " ON CONFLICT DO NOTHING"
        )
        with engine.begin() as connection:
            connection.execute(insert)
            connection.execute(insert)
            assert connection.execute(text("SELECT count(*) FROM inbound_payloads")).scalar() == 1
            assert connection.execute(text("SELECT id FROM records")).scalar() == "r"
        with engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "0010")
            tables = inspect(connection).get_table_names()
        assert "inbound_payloads" not in tables
        assert "records" in tables
    finally:
        engine.dispose()
