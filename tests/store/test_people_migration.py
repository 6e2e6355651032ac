"""The people migration on a database that already holds keys: they keep working."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from caseclock.services.access import Role, authenticate, digest
from caseclock.store import migrate
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import T0


def test_keys_made_before_people_belong_to_a_service_account(tmp_path: Path) -> None:
    """A key stored before users existed becomes a service account's key named after it,
    authenticates with its old role and scope, and survives a downgrade and upgrade again."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(engine, "0004")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO api_keys (name, prefix, key_hash, role, accounts, created_at) "
                    "VALUES ('zendesk-sync', 'abcd1234', :hash, 'agent', '[\"ACME\"]', :at)"
                ),
                {"hash": digest("cc_abcd1234_old"), "at": T0.replace(tzinfo=None)},
            )
        migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            principal = authenticate(session, "Bearer cc_abcd1234_old", now=T0)
            owner = session.execute(text("SELECT service_account FROM api_keys")).scalar_one()
        assert principal.role is Role.AGENT
        assert principal.accounts == frozenset({"ACME"})
        assert principal.actor == "service:zendesk-sync"
        assert owner == "zendesk-sync"
        migrate.upgrade(engine, "head")
        with engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "0004")
        migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            assert authenticate(session, "Bearer cc_abcd1234_old", now=T0).name == "zendesk-sync"
    finally:
        engine.dispose()
