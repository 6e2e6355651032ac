"""What the worker's periodic jobs share: looking at most once per interval, a worker name, and
claiming one unit of work, sending it, then settling the claim.

A job (the review digests, the customer-milestone reminders, the model retrain) is called by the
worker loop after every pass; ``Paced.looking(now, every)`` says whether this pass should look.
``claim_send_settle`` runs one unit: the claim is committed before anything is sent (so it goes
out once however many workers look), a failure of any kind while sending becomes a retryable
outcome rather than an exception (one unit must not stop the others), and the claim is released
for a retry or finished with the outcomes' reasons.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from caseclock.channels.outcome import DeliveryOutcome, DeliveryStatus
from caseclock.store.database import SessionFactory

log = logging.getLogger(__name__)
T = TypeVar("T")


def worker_name() -> str:
    """This process's name in claims and leases: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(kw_only=True)
class Paced:
    """A job that looks at most once per interval; ``next_look`` is when it may look again."""

    worker: str = field(default_factory=worker_name)
    next_look: datetime | None = None

    def looking(self, now: datetime, every: timedelta) -> bool:
        """Whether to look at ``now``; if so, the next look is ``every`` later."""
        if self.next_look is not None and now < self.next_look:
            return False
        self.next_look = now + every
        return True


@dataclass(frozen=True, slots=True)
class Sending:
    """What a send did: to whom, and each channel's outcome."""

    to: list[str]
    outcomes: list[DeliveryOutcome]


@dataclass(frozen=True, slots=True)
class Settled:
    """How one claimed unit ended: to whom, the outcomes' reasons, sent at all, worth a retry."""

    to: list[str]
    outcome: str
    sent: bool
    retry: bool


def claim_send_settle(
    session_factory: SessionFactory,
    *,
    claim: Callable[[Session], T | None],
    send: Callable[[T], Sending],
    release: Callable[[Session, T, Settled], None],
    finish: Callable[[Session, T, Settled], None],
    what: str,
    nobody: str,
) -> Settled | None:
    """Claim (committed), send, then release the claim if worth a retry or else finish it.

    ``None`` when another worker holds the claim. ``nobody`` is the outcome when there was no
    recipient at all; ``what`` names the unit in the log when sending raised.
    """
    with session_factory() as session:
        token = claim(session)
        session.commit()
    if token is None:
        return None
    try:
        sending = send(token)
    except Exception as exc:  # one unit must not stop the others
        log.exception("%s failed", what)
        failed = DeliveryOutcome.retryable(f"unexpected {type(exc).__name__}: {exc}")
        sending = Sending([], [failed])
    sent = any(o.status is DeliveryStatus.DELIVERED for o in sending.outcomes)
    retry = not sent and any(o.status is DeliveryStatus.RETRYABLE for o in sending.outcomes)
    text = "; ".join(o.reason for o in sending.outcomes) or nobody
    settled = Settled(sending.to, text, sent, retry)
    with session_factory() as session:
        (release if retry else finish)(session, token, settled)
        session.commit()
    return settled
