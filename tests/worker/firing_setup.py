"""Helpers for the worker tests: apply the test policy, register endpoints, send events."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseclock.channels.email import EmailTemplates
from caseclock.config import Settings
from caseclock.document_files import load_bundle
from caseclock.services.endpoints import EndpointKind, register_endpoint
from caseclock.services.firing import SYSTEM, FireOptions, fire_due, targets_for
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.policy import apply_bundle
from caseclock.store.database import SessionFactory
from caseclock.worker.loop import Iteration, Worker
from tests.conftest import HELPDESK

POLICY = Path(__file__).parent / "policy.yaml"
SECRET = "whsec_worker_tests"


def settings_for(url: str, smtp_port: int = 25, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "email_domain": "example.com",
        "console_url": "https://sla.example.com/console",
        "allow_private_endpoints": True,  # the receivers listen on 127.0.0.1
        **changes,
    }
    return Settings(**values)


def prepare(
    factory: SessionFactory, now: datetime, *, hook: str | None = None, chat: str | None = None
) -> None:
    """Apply the test policy; register ``ops`` (webhook) and ``#support-leads`` (chat)."""
    with factory() as session:
        apply_bundle(session, load_bundle(POLICY), now=now)
        if hook is not None:
            register_local(session, "ops", "webhook", hook, now)
        if chat is not None:
            register_local(session, "#support-leads", "chat", chat, now)
        session.commit()


def register_local(
    session: Session, name: str, kind: EndpointKind, url: str, now: datetime
) -> None:
    """Register a receiver on 127.0.0.1 (a private address, which the tests allow)."""
    secret = SECRET if kind == "webhook" else None
    register_endpoint(
        session, name=name, kind=kind, url=url, secret=secret, now=now, allow_private=True
    )


def send(factory: SessionFactory, now: datetime, *events: dict[str, Any]) -> None:
    """Ingest ``events`` as the system and commit; every one must be accepted."""
    with factory() as session:
        results = ingest(session, list(events), principal=SYSTEM, provenance=HELPDESK, now=now)
        assert all(r.outcome is Outcome.ACCEPTED for r in results), [r.errors for r in results]
        session.commit()


def created(record: str, at: datetime, **fields: Any) -> dict[str, Any]:
    data = {"owner": "ana", "team": "L1", "team_lead": "lee", **fields}
    return {
        "id": f"{record}-created",
        "record": record,
        "type": "created",
        "at": at.isoformat(),
        "data": data,
    }


def agent_reply(record: str, at: datetime) -> dict[str, Any]:
    return {
        "id": f"{record}-reply-{at.timestamp():.0f}",
        "record": record,
        "type": "comment",
        "at": at.isoformat(),
        "data": {"public": True, "author_role": "agent"},
    }


def count(session: Session, column: Any, *where: Any) -> int:
    return session.scalar(select(func.count(column)).where(*where)) or 0


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def fire_only(factory: SessionFactory, settings: Settings, at: datetime) -> None:
    """Fire what is due at ``at`` and commit, sending nothing: the outbox is left pending."""
    with factory() as session:
        targets = targets_for(
            session,
            console_url=settings.console_url,
            email_domain=settings.email_domain,
            templates=EmailTemplates(),
        )
        fire_due(session, now=at, targets=targets, options=FireOptions())
        session.commit()


def run_once(
    factory: SessionFactory, settings: Settings, client: httpx.Client, at: datetime
) -> Iteration:
    """One iteration of a fresh in-process worker at ``at``, closed afterwards."""
    worker = Worker(factory, settings, http=client)
    try:
        return worker.run_once(at)
    finally:
        worker.close()
