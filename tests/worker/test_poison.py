"""One bad delivery ends that delivery, never the worker: a recipient holding CR/LF, a stored
document that cannot be built, an address mixed in with good ones."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update

from caseclock.store.database import SessionFactory
from caseclock.store.models import DeliveryRow
from tests.conftest import T0
from tests.worker.firing_setup import (
    created,
    fire_only,
    minutes,
    prepare,
    run_once,
    send,
    settings_for,
)
from tests.worker.processes import run_worker
from tests.worker.servers import Receiver, SmtpSink

AT = T0 + minutes(50)  # C-1's warning (T0+45m) is due: an email to its owner and a webhook
INJECTED = "ana@example.com\r\nBcc: eve@evil.example"


def _fired_with_email(url: str, factory: SessionFactory, receiver: Receiver, **email: Any) -> None:
    """Fire C-1's warning without sending, then change its email delivery's columns."""
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-1", T0))
    fire_only(factory, settings_for(url), AT)
    with factory() as session:
        session.execute(update(DeliveryRow).where(DeliveryRow.channel == "email").values(**email))
        session.commit()


def _states(factory: SessionFactory) -> dict[str, tuple[str, str | None]]:
    with factory() as session:
        rows = session.execute(
            select(DeliveryRow.channel, DeliveryRow.state, DeliveryRow.last_error)
        ).all()
    return {channel: (state, error) for channel, state, error in rows}


def test_a_recipient_with_a_line_break_is_dead_lettered_and_the_rest_goes_out(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
) -> None:
    """An email whose one recipient holds CR/LF (a header injection) fails for good with the
    reason; the webhook of the same firing is delivered; the SMTP server sees nothing."""
    url, factory = committed_db
    _fired_with_email(url, factory, receiver, recipients=[INJECTED])
    run_once(factory, settings_for(url, smtp_sink[1]), client, AT)
    states = _states(factory)
    assert states["webhook"] == ("delivered", None)
    state, error = states["email"]
    assert state == "failed"
    assert error is not None
    assert "control character" in error
    assert smtp_sink[0].envelopes == []


def test_a_bad_address_among_good_ones_is_left_out_and_named(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
) -> None:
    """The good recipients get the email; the one that is not an address is left out and
    named in the delivery's record."""
    url, factory = committed_db
    _fired_with_email(url, factory, receiver, recipients=["ana@example.com", "bob@a.example, x@y"])
    run_once(factory, settings_for(url, smtp_sink[1]), client, AT)
    [envelope] = smtp_sink[0].envelopes
    assert envelope.rcpt_tos == ["ana@example.com"]
    with factory() as session:
        row = session.scalars(select(DeliveryRow).where(DeliveryRow.channel == "email")).one()
    assert row.state == "delivered"


def test_a_document_that_cannot_be_built_is_dead_lettered(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
) -> None:
    """A stored email without a subject fails permanently, naming what is missing."""
    url, factory = committed_db
    _fired_with_email(url, factory, receiver, document={"text": "no subject here"})
    run_once(factory, settings_for(url, smtp_sink[1]), client, AT)
    state, error = _states(factory)["email"]
    assert state == "failed"
    assert error is not None
    assert "cannot be built" in error
    assert "subject" in error


def test_a_worker_process_survives_a_poison_delivery(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    """`caseclock worker --once` over a poison delivery exits 0 with the delivery failed and the
    other delivered (the process used to die, and every worker after it)."""
    url, factory = committed_db
    _fired_with_email(url, factory, receiver, recipients=[INJECTED])
    run_worker(url, AT, smtp_sink[1])
    states = _states(factory)
    assert (states["email"][0], states["webhook"][0]) == ("failed", "delivered")
    assert len(receiver.received) == 1
