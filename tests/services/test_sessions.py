"""Console sign-in with a password: rate limits, rehashing, and sessions that end at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.errors import Unauthorized
from caseclock.services import people, sessions
from caseclock.services.passwords import PasswordPolicy, hash_password
from caseclock.store.models import UserRow
from tests.conftest import FAST_PASSWORDS, Database, with_fast_passwords

PASSWORD = "tangerine-otter-44"


def _settings(db: Database, **changes: int) -> Settings:
    return with_fast_passwords(Settings.model_validate({"database_url": db.url, **changes}))


def _user(db: Database, clock: FixedClock, handle: str = "ana") -> None:
    with db.session_factory() as session:
        people.create_user(
            session,
            people.NewUser(handle=handle, email=f"{handle}@example.com", password=PASSWORD),
            actor="test",
            passwords=FAST_PASSWORDS,
            now=clock.now(),
        )
        session.commit()


def _try(
    db: Database,
    clock: FixedClock,
    login: str,
    password: str,
    *,
    address: str = "10.0.0.1",
    settings: Settings | None = None,
) -> sessions.SignedIn:
    """One sign-in in its own transaction, committed whatever happened (as the console does)."""
    with db.session_factory() as session:
        try:
            return sessions.sign_in_with_password(
                session,
                login=login,
                password=password,
                address=address,
                agent="pytest",
                settings=settings or _settings(db),
                now=clock.now(),
            )
        finally:
            session.commit()


def test_sign_in_by_handle_or_email(db: Database, clock: FixedClock) -> None:
    """A user signs in with their handle or their email in any case; a wrong password and an
    unknown name get the same message."""
    _user(db, clock)
    assert _try(db, clock, "ana", PASSWORD).user.handle == "ana"
    assert _try(db, clock, "ANA@Example.com", PASSWORD).user.handle == "ana"
    with pytest.raises(Unauthorized) as wrong:
        _try(db, clock, "ana", "wrong-password-1")
    with pytest.raises(Unauthorized) as unknown:
        _try(db, clock, "nobody", PASSWORD)
    assert wrong.value.detail == unknown.value.detail


def test_failures_per_user_pause_sign_in_with_a_clear_message(
    db: Database, clock: FixedClock
) -> None:
    """After five failures for one account within the window, even the right password is
    refused with a message saying when to retry; once the window has passed it works."""
    _user(db, clock)
    for attempt in range(5):
        with pytest.raises(Unauthorized):
            _try(db, clock, "ana", "wrong-password-1", address=f"10.0.0.{attempt}")
        clock.advance(timedelta(minutes=1))
    with pytest.raises(sessions.TooManyAttempts) as paused:
        _try(db, clock, "ana", PASSWORD, address="10.0.0.99")
    assert paused.value.status == 429
    assert "for this account; try again in 11 minutes" in paused.value.detail
    clock.advance(timedelta(minutes=11))
    assert _try(db, clock, "ana", PASSWORD).user.handle == "ana"


def test_failures_per_address_pause_every_account_from_it(db: Database, clock: FixedClock) -> None:
    """Failures spread over many names from one address pause sign-in from that address only;
    another address still signs in."""
    _user(db, clock)
    settings = _settings(db, sign_in_max_per_address=3)
    for name in ("x1", "x2", "x3"):
        with pytest.raises(Unauthorized):
            _try(db, clock, name, "whatever-password", settings=settings)
    with pytest.raises(sessions.TooManyAttempts, match="from your network address"):
        _try(db, clock, "ana", PASSWORD, settings=settings)
    assert _try(db, clock, "ana", PASSWORD, address="10.9.9.9", settings=settings).user


def test_old_hash_is_upgraded_at_sign_in(db: Database, clock: FixedClock) -> None:
    """A password hashed with weaker parameters signs in and is stored again with the
    installation's current ones."""
    _user(db, clock)
    weak = PasswordPolicy(time_cost=1, memory_kib=512, parallelism=1)
    with db.session_factory() as session:
        user = people.get_user(session, "ana")
        user.password_hash = hash_password(weak, PASSWORD)
        session.commit()
    _try(db, clock, "ana", PASSWORD)
    with db.session_factory() as session:
        stored = people.get_user(session, "ana").password_hash
    assert stored is not None
    assert "m=1024,t=1,p=1" in stored


def test_revoked_session_and_deactivated_user_are_out_at_the_next_lookup(
    db: Database, clock: FixedClock
) -> None:
    """A session works until revoked; signing out everywhere ends the others; deactivating the
    user ends a session even if it were not revoked."""
    _user(db, clock)
    first = _try(db, clock, "ana", PASSWORD)
    second = _try(db, clock, "ana", PASSWORD)
    third = _try(db, clock, "ana", PASSWORD)
    with db.session_factory() as session:
        live = sessions.session_for_token(session, first.token, now=clock.now())
        assert live is not None
        assert live.principal.handle == "ana"
        user = session.get(UserRow, live.user.id)
        assert user is not None
        sessions.revoke_session(session, user, first.row.id, now=clock.now())
        session.commit()
    with db.session_factory() as session:
        assert sessions.session_for_token(session, first.token, now=clock.now()) is None
        assert sessions.session_for_token(session, second.token, now=clock.now()) is not None
        user = people.get_user(session, "ana")
        assert len(sessions.live_sessions(session, user, now=clock.now())) == 2
        sessions.sign_out_everywhere(session, user, now=clock.now())
        session.commit()
    with db.session_factory() as session:
        assert sessions.session_for_token(session, second.token, now=clock.now()) is None
        assert sessions.session_for_token(session, third.token, now=clock.now()) is None
    fourth = _try(db, clock, "ana", PASSWORD)
    with db.session_factory() as session:
        user = people.get_user(session, "ana")
        user.active = False
        session.commit()
    with db.session_factory() as session:
        assert sessions.session_for_token(session, fourth.token, now=clock.now()) is None
