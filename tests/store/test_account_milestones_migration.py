"""The customer milestones migration, from the schema before it, with data in it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from caseclock.store import migrate
from caseclock.store.database import make_engine


def test_accounts_come_through_and_take_milestones(tmp_path: Path) -> None:
    """An account stored before milestones existed comes through the upgrade unchanged, takes
    a milestone, and deleting the account deletes its milestones with it."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    try:
        migrate.upgrade(engine, "0007")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO accounts (id, name, fields, created_at, updated_at) VALUES"
                    " ('acme', 'Acme', '{}', '2026-03-09 14:00:00', '2026-03-09 14:00:00')"
                )
            )
        migrate.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("PRAGMA foreign_keys = ON"))
            connection.execute(
                text(
                    "INSERT INTO account_milestones (account_id, name, anchor, due_on,"
                    " move_off_closed, occurrence, auto_complete, reminders, created_by,"
                    " created_at, updated_at) VALUES ('acme', 'Go-live', 'date', '2026-04-01',"
                    " 0, 0, 0, '{}', 'test', '2026-03-09 14:00:00', '2026-03-09 14:00:00')"
                )
            )
            assert connection.execute(text("SELECT name FROM accounts")).scalar_one() == "Acme"
            connection.execute(text("DELETE FROM accounts WHERE id = 'acme'"))
            left = connection.execute(text("SELECT count(*) FROM account_milestones"))
            assert left.scalar_one() == 0
        assert not migrate.pending(engine)
    finally:
        engine.dispose()
