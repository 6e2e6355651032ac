"""The worker loop: fire what is due, deliver the outbox, sleep until the next instant.

``Worker.run_once(now)`` is one iteration, driven by the instant it is given (tests call it
with a fixed clock's ``now``): fire due timers batch by batch, each batch one short
transaction; then send due deliveries (claimed and settled in short transactions, sent outside
any); then report the next instant anything is due. ``Worker.run`` repeats it, sleeping until
that instant or until a wake-up (``listen.Wakeup``) says an earlier timer appeared.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from caseclock.channels.backoff import RetryPolicy
from caseclock.channels.email import EmailTemplates
from caseclock.channels.outcome import DeliveryStatus
from caseclock.clock import Clock
from caseclock.config import Settings
from caseclock.services import outbox
from caseclock.services.firing import Fired, FireOptions, fire_due, targets_for
from caseclock.services.timers import WAKE_HORIZON
from caseclock.store.database import SessionFactory
from caseclock.store.repositories.timers import TimerRepository
from caseclock.worker.delivery import send, smtp_settings
from caseclock.worker.listen import Wakeup

SEND_THREADS = 8
ERROR_PAUSE = 1.0  # seconds after a failed iteration (database unreachable, deadlock, ...)
BUSY_PAUSE = 0.05  # seconds when what is due is held by another worker
log = logging.getLogger(__name__)

BeforeCommit = Callable[[Session], None]


@dataclass(slots=True)
class Iteration:
    """What one iteration did, and when the next one is needed."""

    fired: list[Fired] = field(default_factory=list)
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    next_due: datetime | None = None


class Worker:
    """Fires timers and delivers actions for one database; see the module docstring."""

    def __init__(
        self,
        session_factory: SessionFactory,
        settings: Settings,
        *,
        http: httpx.Client,
        templates: EmailTemplates | None = None,
        rng: random.Random | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.http = http
        self.templates = templates or EmailTemplates()
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.before_commit = before_commit
        self.options = FireOptions(
            limit=settings.worker_batch,
            late_after=timedelta(seconds=settings.late_after_seconds),
            catch_up=timedelta(hours=settings.catch_up_hours),
        )
        self.retry_policy = RetryPolicy(
            base=timedelta(seconds=settings.delivery_backoff_seconds),
            cap=max(timedelta(hours=6), timedelta(seconds=settings.delivery_backoff_seconds)),
            max_attempts=settings.delivery_max_attempts,
        )
        self.smtp = smtp_settings(settings)
        self._pool = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="caseclock-send")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def run_once(self, now: datetime) -> Iteration:
        """Fire everything due at ``now``, deliver what is due, and say when to come back."""
        iteration = Iteration()
        self._fire(now, iteration)
        self._deliver(now, iteration)
        with self.session_factory() as session:
            found = [TimerRepository(session).next_due(), outbox.next_attempt(session)]
        known = [at for at in found if at is not None]
        iteration.next_due = min(known) if known else None
        return iteration

    def _fire(self, now: datetime, iteration: Iteration) -> None:
        while True:
            with self.session_factory() as session:
                targets = targets_for(
                    session,
                    console_url=self.settings.console_url,
                    email_domain=self.settings.email_domain,
                    templates=self.templates,
                )
                result = fire_due(session, now=now, targets=targets, options=self.options)
                if result.claimed and self.before_commit is not None:
                    self.before_commit(session)
                session.commit()
            iteration.fired.extend(result.fired)
            if result.claimed < self.options.limit:
                return

    def _deliver(self, now: datetime, iteration: Iteration) -> None:
        limit = self.options.limit
        while True:
            with self.session_factory() as session:
                claimed = outbox.claim(session, now=now, limit=limit)
                session.commit()
            if not claimed:
                return
            outcomes = list(
                self._pool.map(
                    lambda c: (c.id, send(c, http=self.http, smtp=self.smtp, now=now)), claimed
                )
            )
            with self.session_factory() as session:
                outbox.settle(session, outcomes, now=now, policy=self.retry_policy, rng=self.rng)
                session.commit()
            for _, outcome in outcomes:
                if outcome.status is DeliveryStatus.DELIVERED:
                    iteration.delivered += 1
                elif outcome.status is DeliveryStatus.RETRYABLE:
                    iteration.retrying += 1
                else:
                    iteration.failed += 1
            if len(claimed) < limit:
                return

    def run(
        self,
        clock: Clock,
        wakeup: Wakeup,
        *,
        on_iteration: Callable[[Iteration], None] | None = None,
    ) -> None:
        """Iterate until ``wakeup.stop()``: sleep until the next due instant or a wake-up."""
        idle = min(self.settings.worker_idle_seconds, WAKE_HORIZON.total_seconds())
        while not wakeup.stopped:
            wakeup.clear()
            try:
                iteration = self.run_once(clock.now())
            except SQLAlchemyError:
                log.exception("worker iteration failed; trying again in %ss", ERROR_PAUSE)
                wakeup.wait(ERROR_PAUSE)
                continue
            if on_iteration is not None:
                on_iteration(iteration)
            wait = idle
            if iteration.next_due is not None:
                wait = min(idle, (iteration.next_due - clock.now()).total_seconds())
            if wait <= 0 and not iteration.fired:
                wait = BUSY_PAUSE  # due work another worker holds: let it finish
            if wait > 0:
                wakeup.wait(wait)


def run_in_thread(worker: Worker, clock: Clock, wakeup: Wakeup) -> threading.Thread:
    """Start ``worker.run`` in a daemon thread (``caseclock serve --with-worker``)."""
    thread = threading.Thread(
        target=worker.run, args=(clock, wakeup), name="caseclock-worker", daemon=True
    )
    thread.start()
    return thread
