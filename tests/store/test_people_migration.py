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


def test_users_come_through_the_identities_migration_and_back(tmp_path: Path) -> None:
    """Users stored before single sign-on identities and invitations keep every field through
    the upgrade, can be linked after it, and come back through a downgrade and upgrade."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(engine, "0017")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (handle, display_name, email, time_zone, role, active,"
                    " created_at, updated_at) VALUES ('ana', 'Ana', 'ana@example.com', 'UTC',"
                    " 'admin', 1, :at, :at)"
                ),
                {"at": T0.replace(tzinfo=None)},
            )
        migrate.upgrade(engine)
        with engine.begin() as connection:
            user = connection.execute(text("SELECT id, handle, email, role FROM users")).one()
            assert tuple(user)[1:] == ("ana", "ana@example.com", "admin")
            connection.execute(
                text(
                    "INSERT INTO user_identities (user_id, issuer, subject, created_at,"
                    " last_used_at) VALUES (:id, 'https://id.example.com', 's-1', :at, :at)"
                ),
                {"id": user.id, "at": T0.replace(tzinfo=None)},
            )
        with engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "0017")
        migrate.upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT handle FROM users")).scalar_one() == "ana"
            assert connection.execute(text("SELECT count(*) FROM user_identities")).scalar() == 0
    finally:
        engine.dispose()
