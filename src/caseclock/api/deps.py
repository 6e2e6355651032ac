"""Dependencies as types: ``DbSession``, ``Now``, ``CountsCacheDep``,
``Viewer``/``Agent``/``Lead``/``Admin``, ``CurrentRecord``.

The session commits when the endpoint returns and rolls back when it raises: the request is the
unit of work. ``Now`` reads the app's clock once per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from caseclock.clock import Clock
from caseclock.config import Settings
from caseclock.services import accounts, records
from caseclock.services.access import Principal, Role, authenticate
from caseclock.services.at_risk import CountsCache
from caseclock.store.database import SessionFactory
from caseclock.store.models import AccountRow, RecordRow


def get_session(request: Request) -> Iterator[Session]:
    factory: SessionFactory = request.app.state.session_factory
    with factory() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


def get_now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_counts_cache(request: Request) -> CountsCache:
    cache: CountsCache = request.app.state.counts_cache
    return cache


DbSession = Annotated[Session, Depends(get_session, scope="function")]
CountsCacheDep = Annotated[CountsCache, Depends(get_counts_cache)]
Now = Annotated[datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer <key>`")


def get_principal(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    request: Request,
    now: Now,
) -> Principal:
    header = request.headers.get("authorization")
    if credentials is not None:
        header = f"Bearer {credentials.credentials}"
    return authenticate(session, header, now=now)


def _needs(role: Role) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        principal.require(role)
        return principal

    check.__name__ = f"needs_{role.value}"
    return check


def _needs_unscoped_admin(
    principal: Annotated[Principal, Depends(_needs(Role.ADMIN))],
) -> Principal:
    principal.require_unscoped()
    return principal


Viewer = Annotated[Principal, Depends(_needs(Role.VIEWER))]
Agent = Annotated[Principal, Depends(_needs(Role.AGENT))]
Lead = Annotated[Principal, Depends(_needs(Role.LEAD))]
# An admin key that sees every account: policy, calendars, endpoints, the outbox and people act
# on, or show, every account; a key limited to accounts gets 403 there.
Admin = Annotated[Principal, Depends(_needs_unscoped_admin)]


def get_current_record(
    record_id: Annotated[str, Path(description="the record's id, e.g. C-1042")],
    session: DbSession,
    principal: Viewer,
) -> RecordRow:
    return records.get_record(session, record_id, principal)


def get_current_account(
    account_id: Annotated[str, Path(description="the account's id")],
    session: DbSession,
    principal: Viewer,
) -> AccountRow:
    return accounts.get_account(session, account_id, principal)


CurrentRecord = Annotated[RecordRow, Depends(get_current_record)]
CurrentAccount = Annotated[AccountRow, Depends(get_current_account)]
