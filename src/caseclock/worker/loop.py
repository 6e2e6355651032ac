"""The worker: a firing loop and a sending loop, side by side, neither waiting for the other.

The firing loop fires what is due at the instant it woke, batch by batch, each batch one short
transaction (the ledger, the effects, the outbox rows), then sleeps until the next timer or a
wake-up (``listen.Wakeup``) says an earlier one appeared. It never sends: after each pass it
wakes the sender (``sender.Sender``), which runs in a thread of its own with a bounded pool and
per-endpoint lanes, so a receiver that hangs delays no timer.

``Worker.run_once(now)`` is one pass of both, one after the other, at the instant it is given
(tests with a fixed clock, ``caseclock worker --once``): fire everything due, then send until
nothing due is left in flight.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import httpx
from sqlalchemy.orm import Session

from caseclock.channels.backoff import RetryPolicy
from caseclock.channels.email import EmailTemplates
from caseclock.clock import Clock, FixedClock
from caseclock.config import Settings
from caseclock.services import firing_holds, outbox
from caseclock.services.firing import Fired, FireOptions, fire_due, targets_for
from caseclock.services.timers import WAKE_HORIZON
from caseclock.store.database import SessionFactory
from caseclock.store.repositories.timers import TimerRepository
from caseclock.worker.listen import Wakeup
from caseclock.worker.sender import Counts, Sender

ERROR_PAUSE = 1.0  # seconds after a failed iteration (database unreachable, deadlock, ...)
BUSY_PAUSE = 0.05  # seconds when what is due is held by another worker
STOP_WAIT = 60.0  # seconds a stopping worker gives its sends in flight
log = logging.getLogger(__name__)

BeforeCommit = Callable[[Session], None]
# A periodic job (the review digests, ``worker.reviews``): run every ``JOB_PACE`` seconds in
# a thread of its own beside the firing loop (after the firing pass in ``run_once``), at the
# instant it is given; it keeps its own pace and its own transactions.
Job = Callable[[datetime], object]
JOB_PACE = 1.0  # seconds between two runs of the jobs
SENDING_POLL = 1.0  # seconds a sending-only worker waits at most between looks at the outbox


class Role(StrEnum):
    """What a running worker does: both loops (the default), or one of them, so that firing
    and sending can run in processes of their own (``caseclock worker --only``): each then
    has a core and an interpreter lock to itself."""

    BOTH = "both"
    FIRING = "firing"
    SENDING = "sending"


def _start(
    target: Callable[..., None], *args: object, name: str, **kwargs: object
) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, kwargs=kwargs, name=name, daemon=True)
    thread.start()
    return thread


@dataclass(slots=True)
class Iteration:
    """What one iteration did, and when the next one is needed."""

    fired: list[Fired] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # records whose firing is held from now on
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    next_due: datetime | None = None

    def count(self, sent: Counts) -> None:
        self.delivered += sent.delivered
        self.retrying += sent.retrying
        self.failed += sent.failed


class Worker:
    """Fires timers and delivers actions for one database; see the module docstring.

    ``before_commit`` is called in each firing transaction that claimed something, before it
    commits (the crash tests hold the transaction there and kill the process).
    """

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
        self.templates = templates or EmailTemplates()
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
        self.sender = Sender(
            session_factory,
            settings,
            http=http,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not secrets
            retry_policy=self.retry_policy,
        )
        self.jobs: list[Job] = []

    def add_job(self, job: Job) -> None:
        """Run ``job(now)`` once a second at most, beside the firing loop (see ``Job``)."""
        self.jobs.append(job)

    def _run_jobs(self, now: datetime) -> None:
        for job in self.jobs:
            try:
                job(now)
            except Exception:  # one job's failure ends neither the others nor the worker
                log.exception("worker job %s failed; it runs again at the next pass", job)

    def close(self) -> None:
        self.sender.close()

    def run_once(self, now: datetime, *, sending: Clock | None = None) -> Iteration:
        """Fire everything due at ``now``, send what is due, and say when to come back.

        Sends are stamped by ``sending`` (the system clock for a real ``--once`` run), by
        default the instant ``now`` itself (replays and tests).
        """
        iteration = Iteration()
        self._fire(now, iteration)
        self._run_jobs(now)
        self.sender.drain(sending or FixedClock(now))
        iteration.count(self.sender.take_counts())
        with self.session_factory() as session:
            found = [TimerRepository(session).next_due(), outbox.next_attempt(session)]
        known = [at for at in found if at is not None]
        iteration.next_due = min(known) if known else None
        return iteration

    def _fire(self, now: datetime, iteration: Iteration) -> None:
        """Fire everything due at ``now``, batch by batch. A batch that fails (not for the
        database's sake) is fired again one record at a time, so that a record whose firing
        keeps failing holds up only itself (``services.firing_holds``)."""
        while True:
            try:
                claimed = self._fire_batch(now, iteration)
            except Exception as exc:
                if not firing_holds.is_record_fault(exc):
                    raise
                log.warning("a firing batch failed (%s); firing its records one by one", exc)
                claimed = self._fire_apart(now, iteration)
            if claimed < self.options.limit:
                return

    def _fire_batch(
        self, now: datetime, iteration: Iteration, only: Collection[str] | None = None
    ) -> int:
        with self.session_factory() as session:
            targets = targets_for(
                session,
                console_url=self.settings.console_url,
                email_domain=self.settings.email_domain,
                templates=self.templates,
            )
            result = fire_due(session, now=now, targets=targets, options=self.options, only=only)
            if result.claimed and self.before_commit is not None:
                self.before_commit(session)
            session.commit()
        iteration.fired.extend(result.fired)
        return result.claimed

    def _fire_apart(self, now: datetime, iteration: Iteration) -> int:
        """Fire the records of the batch that failed one per transaction; count a failure
        against each that fails alone. Returns how many records the batch had."""
        with self.session_factory() as session:
            record_ids = TimerRepository(session).claim_records(now, self.options.limit)
        for record_id in record_ids:
            try:
                self._fire_batch(now, iteration, only=[record_id])
            except Exception as exc:
                if not firing_holds.is_record_fault(exc):
                    raise
                log.exception("firing record %s failed", record_id)
                with self.session_factory() as session:
                    hold = firing_holds.record_failure(
                        session,
                        record_id,
                        error=firing_holds.error_text(exc),
                        now=now,
                        attempts=self.settings.worker_firing_attempts,
                    )
                    session.commit()
                if hold.held_at is not None:
                    iteration.held.append(record_id)
        return len(record_ids)

    def run(
        self,
        clock: Clock,
        wakeup: Wakeup,
        *,
        on_iteration: Callable[[Iteration], None] | None = None,
        role: Role = Role.BOTH,
    ) -> None:
        """Run until ``wakeup.stop()``: the firing loop here, the sender and the jobs each in a
        thread of their own (``role`` keeps only one of the two loops, see ``Role``)."""
        stopped = threading.Event()
        threads = []
        if role is not Role.SENDING:
            threads.append(_start(self._jobs_loop, clock, stopped, name="caseclock-jobs"))
        if role is Role.FIRING:
            self._loop_until_stopped(self._fire_loop, clock, wakeup, on_iteration, stopped)
        elif role is Role.SENDING:
            wakeup.also_wake(self.sender.signal)
            self.sender.run(clock, wakeup.stopped_event, idle=SENDING_POLL)
        else:
            idle = self.settings.worker_idle_seconds
            threads.append(
                _start(self.sender.run, clock, stopped, idle=idle, name="caseclock-sender")
            )
            self._loop_until_stopped(self._fire_loop, clock, wakeup, on_iteration, stopped)
        stopped.set()
        self.sender.wake()
        for thread in threads:
            thread.join(STOP_WAIT)

    @staticmethod
    def _loop_until_stopped(
        loop: Callable[[Clock, Wakeup, Callable[[Iteration], None] | None], None],
        clock: Clock,
        wakeup: Wakeup,
        on_iteration: Callable[[Iteration], None] | None,
        stopped: threading.Event,
    ) -> None:
        try:
            loop(clock, wakeup, on_iteration)
        finally:
            stopped.set()

    def _jobs_loop(self, clock: Clock, stopped: threading.Event) -> None:
        """Run the jobs every ``JOB_PACE`` seconds until ``stopped``, in a thread of their own:
        a job that sends (a digest by email) or fails never holds up a timer."""
        while not stopped.is_set():
            self._run_jobs(clock.now())
            stopped.wait(JOB_PACE)

    def _fire_loop(
        self,
        clock: Clock,
        wakeup: Wakeup,
        on_iteration: Callable[[Iteration], None] | None,
    ) -> None:
        idle = min(self.settings.worker_idle_seconds, WAKE_HORIZON.total_seconds())
        while not wakeup.stopped:
            wakeup.clear()
            iteration = Iteration()
            try:
                self._fire(clock.now(), iteration)
                with self.session_factory() as session:
                    iteration.next_due = TimerRepository(session).next_due()
            except Exception:  # one bad iteration must not end the worker: log, pause, retry
                log.exception("firing failed; trying again in %ss", ERROR_PAUSE)
                wakeup.wait(ERROR_PAUSE)
                continue
            self.sender.wake()  # new deliveries, or a retried dead letter (a wake-up)
            iteration.count(self.sender.take_counts())
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
