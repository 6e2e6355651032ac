"""An installation that signs people in through a real OpenID Connect provider: the seeded
console served by uvicorn on a socket (``LiveServer``), configured with the provider's issuer
and its own address as the callback's base, on a clock of the caller's choosing (the provider
stamps tokens with the real time, so the site's clock is the real time, shifted when a test
wants the server ahead of the provider)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from caseclock.api.app import create_app
from caseclock.config import Settings
from caseclock.services import people, teams
from caseclock.store.database import SessionFactory, make_engine, make_session_factory
from caseclock.store.models import AuditRow, UserIdentityRow, UserRow
from tests.conftest import FAST_PASSWORDS, with_fast_passwords
from tests.console.live import LiveServer
from tests.console.scenario import seed


class ShiftedClock:
    """The real time plus ``shift``: a server whose clock runs ahead of (or behind) the
    provider's, without waiting for time to pass."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


@dataclass(frozen=True)
class SsoSite:
    url: str
    sessions: SessionFactory
    clock: ShiftedClock

    def browser(self) -> httpx.Client:
        """A cookie-keeping client that follows nothing by itself."""
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def users(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)

    def user(self, handle: str) -> UserRow | None:
        with self.sessions() as session:
            return session.scalars(select(UserRow).where(UserRow.handle == handle)).one_or_none()

    def identities(self) -> list[tuple[str, str]]:
        """(handle, subject) of every linked identity."""
        with self.sessions() as session:
            rows = session.execute(
                select(UserRow.handle, UserIdentityRow.subject).join(
                    UserRow, UserRow.id == UserIdentityRow.user_id
                )
            ).all()
            return sorted((handle, subject) for handle, subject in rows)

    def audit(self, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(actor, action, details) of the trail's rows of ``kind``, oldest first."""
        with self.sessions() as session:
            rows = session.scalars(
                select(AuditRow).where(AuditRow.kind == kind).order_by(AuditRow.id)
            ).all()
            return [(row.actor, row.action, dict(row.details)) for row in rows]


def add_person(
    sessions: SessionFactory, handle: str, email: str, *, now: datetime, **fields: Any
) -> None:
    with sessions() as session:
        people.create_user(
            session,
            people.NewUser(handle=handle, email=email, **fields),
            actor="test",
            passwords=FAST_PASSWORDS,
            now=now,
        )
        session.commit()


def add_team(sessions: SessionFactory, name: str, *, now: datetime) -> None:
    with sessions() as session:
        teams.create_team(session, name, {}, actor="test", now=now)
        session.commit()


@contextmanager
def sso_site(template: Path, tmp_path: Path, *, issuer: str, **settings: Any) -> Iterator[SsoSite]:
    database = tmp_path / "caseclock.db"
    shutil.copyfile(template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        seed(session)
        session.commit()
    clock = ShiftedClock()
    holder: dict[str, Any] = {}
    try:
        with LiveServer(_late_app(holder)) as server:
            holder["app"] = create_app(
                with_fast_passwords(
                    Settings(
                        database_url=url,
                        console_secret="sso-tests",
                        console_url=server.url,
                        oidc_issuer=issuer,
                        oidc_client_id="caseclock",
                        oidc_client_secret="client-secret",
                        oidc_provider_name="Example SSO",
                        **settings,
                    )
                ),
                clock=clock,
                engine=engine,
            )
            yield SsoSite(server.url, sessions, clock)
    finally:
        engine.dispose()


def _late_app(holder: dict[str, Any]) -> Any:
    """An ASGI app that hands each request to ``holder['app']``: the settings need the
    server's address, which exists only once its socket is bound."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await holder["app"](scope, receive, send)

    return app
