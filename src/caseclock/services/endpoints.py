"""Registered endpoints: named webhook and chat targets that policies refer to by name.

Registering a name again replaces its URL and secret (rotation); the secret is never read back
through the API. A URL is refused when a delivery could not go there
(``channels.destinations.check_url``): another scheme, control characters, a link-local or
cloud-metadata host, and a private or loopback one unless the installation allows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from caseclock.channels.destinations import RefusedDestination, check_url
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
    allow_private: bool = False,
) -> tuple[EndpointRow, bool]:
    """Create or replace endpoint ``name``; return it and whether it is new.

    ``allow_private`` (the ``allow_private_endpoints`` setting) admits private and loopback
    hosts.
    """
    try:
        check_url(url, allow_private=allow_private)
    except RefusedDestination as exc:
        raise ValidationFailed(str(exc), path="url") from None
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
