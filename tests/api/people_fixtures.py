"""People helpers: users with a password and a key of their own (the ``people_client``
fixture, an app with cheap password hashing, is in conftest)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.services import people
from caseclock.services.access import create_key
from tests.api.conftest import Api
from tests.conftest import FAST_PASSWORDS, Database

PASSWORD = "tangerine-otter-44"


@dataclass(frozen=True)
class Person:
    handle: str
    api: Api


def add_user(
    db: Database,
    clock: FixedClock,
    handle: str,
    role: str,
    *,
    accounts: list[str] | None = None,
    key_role: str | None = None,
) -> str:
    """Create ``handle`` with ``PASSWORD`` and return a key of theirs (their role unless
    ``key_role`` says otherwise)."""
    with db.session_factory() as session:
        user = people.create_user(
            session,
            people.NewUser(
                handle=handle,
                email=f"{handle}@example.com",
                role=role,
                accounts=accounts,
                password=PASSWORD,
            ),
            actor="test",
            passwords=FAST_PASSWORDS,
            now=clock.now(),
        )
        made = create_key(
            session, role=key_role or role, name=None, accounts=None, now=clock.now(), user=user
        )
        session.commit()
        return made.secret


def person(
    client: TestClient,
    db: Database,
    clock: FixedClock,
    handle: str,
    role: str,
    *,
    accounts: list[str] | None = None,
    key_role: str | None = None,
) -> Person:
    secret = add_user(db, clock, handle, role, accounts=accounts, key_role=key_role)
    return Person(handle, Api(client, secret))
