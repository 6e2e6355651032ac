"""Registered endpoints: named webhook and chat targets that policies refer to by name.

Registering a name again replaces its URL and secret (rotation); the secret is never read back
through the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from caseclock.errors import ValidationFailed
from caseclock.store.models import EndpointRow
from caseclock.store.repositories.outbox import EndpointRepository

EndpointKind = Literal["webhook", "chat"]


def register_endpoint(
    session: Session,
    *,
    name: str,
    kind: EndpointKind,
    url: str,
    secret: str | None,
    now: datetime,
) -> tuple[EndpointRow, bool]:
    """Create or replace endpoint ``name``; return it and whether it is new."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed("an endpoint URL is http(s)://host/...", path="url")
    if kind == "webhook" and not secret:
        raise ValidationFailed("a webhook endpoint needs a signing secret", path="secret")
    repo = EndpointRepository(session)
    row = repo.get(name)
    if row is None:
        row = repo.add(
            EndpointRow(
                name=name, kind=kind, url=url, secret=secret, created_at=now, updated_at=now
            )
        )
        return row, True
    row.kind, row.url, row.secret, row.updated_at = kind, url, secret, now
    session.flush()
    return row, False


def list_endpoints(session: Session) -> Sequence[EndpointRow]:
    return list(EndpointRepository(session).all().values())
