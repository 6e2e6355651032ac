"""The delivery loop: send the outbox beside the firing loop, never in its way.

One ``Sender`` owns a bounded pool of send threads and the per-target lanes (``lanes``). Each
step of its loop, in its own thread and one short transaction:

1. settles the sends that finished (each at the instant its attempt ended), and feeds the
   lanes and their breakers;
2. renews the lease of every delivery in flight, each third of a lease;
3. claims as many due deliveries as it has free threads, only for targets whose lane admits
   one more (not full, breaker closed), and starts them at once: a delivery's lease and its
   signature timestamp are taken when its send begins, not when the loop woke.

The send threads only talk to the outside world (``delivery.send`` never raises); only the
loop's thread touches the database, so a worker holds two connections (firing, sending) plus
its LISTEN connection. A delivery whose settlement finds that its lease was lost (another
worker claimed it again, counting one more attempt) leaves the row to that worker.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from caseclock.channels.backoff import RetryPolicy
from caseclock.channels.outcome import DeliveryOutcome, DeliveryStatus
from caseclock.clock import Clock
from caseclock.config import Settings
from caseclock.services import outbox
from caseclock.services.outbox import Attempt, Claimed
from caseclock.store.database import SessionFactory
from caseclock.worker.delivery import send, smtp_settings
from caseclock.worker.lanes import SMTP, BreakerSettings, Lanes, endpoint_target

log = logging.getLogger(__name__)
ERROR_PAUSE = 1.0  # seconds after a failed step (database unreachable, ...)
BUSY_PAUSE = 0.05  # seconds when what is due is held by another worker


@dataclass(slots=True)
class Counts:
    """Attempts settled since the last ``take``."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, status: DeliveryStatus) -> None:
        if status is DeliveryStatus.DELIVERED:
            self.delivered += 1
        elif status is DeliveryStatus.RETRYABLE:
            self.retrying += 1
        else:
            self.failed += 1


@dataclass(frozen=True, slots=True)
class _Finished:
    claimed: Claimed
    outcome: DeliveryOutcome
    at: datetime


def target_of(channel: str, endpoint: str | None) -> str:
    """The lane a delivery goes through: its endpoint, or the SMTP server."""
    if channel == "email":
        return SMTP
    return endpoint_target(endpoint or "")


class Sender:
    """Sends the outbox of one database; see the module docstring."""

    def __init__(
        self,
        session_factory: SessionFactory,
        settings: Settings,
        *,
        http: httpx.Client,
        rng: random.Random,
        retry_policy: RetryPolicy,
    ) -> None:
        self.session_factory = session_factory
        self.http = http
        self.rng = rng
        self.retry_policy = retry_policy
        self.smtp = smtp_settings(settings)
        self.allow_private = settings.allow_private_endpoints
        self.threads = settings.delivery_threads
        self.lease = timedelta(seconds=settings.delivery_lease_seconds)
        self.lanes = Lanes(
            settings.delivery_per_endpoint,
            BreakerSettings(
                threshold=settings.delivery_breaker_failures,
                cooldown=timedelta(seconds=settings.delivery_breaker_seconds),
                max_cooldown=max(
                    timedelta(minutes=10), timedelta(seconds=settings.delivery_breaker_seconds)
                ),
            ),
        )
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="caseclock-send")
        self._finished: queue.SimpleQueue[_Finished] = queue.SimpleQueue()
        self._sending: dict[int, Claimed] = {}  # claimed, in a send thread
        self._unsettled: list[_Finished] = []  # sent, the outcome not yet recorded
        self._renew_at: datetime | None = None
        self._signal = threading.Event()
        self._counts_lock = threading.Lock()
        self._counts = Counts()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def wake(self) -> None:
        """Look at the outbox now (a firing committed deliveries, a send finished)."""
        self._signal.set()

    def take_counts(self) -> Counts:
        with self._counts_lock:
            counts, self._counts = self._counts, Counts()
        return counts

    def step(self, clock: Clock) -> datetime | None:
        """One pass, one transaction: settle what finished, renew the leases in flight, claim
        what the free threads and lanes admit, and start it. Returns the instant of the next
        pass unless woken earlier (``now``: at once), None when only a wake-up brings work."""
        now = clock.now()
        self._collect(now)
        renew = self._renew_at is not None and now >= self._renew_at
        free = self.threads - len(self._sending)
        blocked = self.lanes.blocked(now)
        admit = _Admission(self.lanes, now)
        claimed: list[Claimed] = []
        try:
            with self.session_factory() as session:
                self._settle(session)
                if renew:
                    outbox.renew(session, self._leases(), until=now + self.lease)
                if free > 0:
                    claimed = outbox.claim(
                        session,
                        now=now,
                        limit=free,
                        lease=self.lease,
                        skip_endpoints=_endpoints(blocked),
                        skip_email=SMTP in blocked,
                        admit=admit,
                    )
                session.commit()
        except BaseException:
            admit.give_back()
            raise
        self._unsettled.clear()
        if renew:
            self._renew_at = now + self.lease / 3
        for one in claimed:
            self._sending[one.id] = one
            self._pool.submit(self._send, one, clock)
        if not self._sending:
            self._renew_at = None
        elif self._renew_at is None:
            self._renew_at = now + self.lease / 3
        if claimed and (len(claimed) == free or admit.declined):
            return now  # more may be claimable now that those lanes are full
        return self._next(now, searched=free > 0 and not claimed)

    def drain(self, clock: Clock) -> None:
        """Send until nothing is due, claimable or in flight (``caseclock worker --once``)."""
        while True:
            self._signal.clear()
            wake_at = self.step(clock)
            if not self._sending:
                return
            if wake_at is None or wake_at > clock.now():
                self._signal.wait(self._seconds_until(wake_at, clock))

    def run(self, clock: Clock, stopped: threading.Event, *, idle: float) -> None:
        """Step until ``stopped`` is set, sleeping in between until the next instant a step
        is needed (at most ``idle`` seconds) or a wake-up; then settle the sends in flight."""
        while not stopped.is_set():
            self._signal.clear()
            try:
                wake_at = self.step(clock)
            except Exception:  # one bad step must not end the loop: log it and go on
                log.exception("sending failed; trying again in %ss", ERROR_PAUSE)
                self._signal.wait(ERROR_PAUSE)
                continue
            wait = idle if wake_at is None else (wake_at - clock.now()).total_seconds()
            if wait > 0:
                self._signal.wait(min(idle, wait))
        while self._sending or self._unsettled:
            self._signal.clear()
            self._collect(clock.now())
            try:
                with self.session_factory() as session:
                    self._settle(session)
                    session.commit()
            except Exception:
                log.exception("settling failed while stopping; the leases will lapse")
                return
            self._unsettled.clear()
            if self._sending:
                self._signal.wait(ERROR_PAUSE)

    def _collect(self, now: datetime) -> None:
        """Move the finished sends out of the pool's hands: their threads and lane slots are
        free again; they wait in ``_unsettled`` until a transaction records them."""
        while True:
            try:
                done = self._finished.get_nowait()
            except queue.Empty:
                return
            self._sending.pop(done.claimed.id, None)
            self._unsettled.append(done)
            target = target_of(done.claimed.channel, done.claimed.endpoint)
            self.lanes.finish(target, done.outcome.status, now)
            with self._counts_lock:
                self._counts.add(done.outcome.status)

    def _settle(self, session: Session) -> None:
        if self._unsettled:
            outbox.settle(
                session,
                [
                    Attempt(f.claimed.id, f.claimed.attempt, f.outcome, f.at)
                    for f in self._unsettled
                ],
                policy=self.retry_policy,
                rng=self.rng,
            )

    def _leases(self) -> list[tuple[int, int]]:
        held = [*self._sending.values(), *(f.claimed for f in self._unsettled)]
        return [(claimed.id, claimed.attempt) for claimed in held]

    def _send(self, claimed: Claimed, clock: Clock) -> None:
        """In a send thread: one attempt, handed back to the loop. Never raises."""
        try:
            outcome = send(
                claimed,
                http=self.http,
                smtp=self.smtp,
                now=clock.now(),
                allow_private=self.allow_private,
            )
        except Exception as exc:  # an attempt never ends the process
            outcome = DeliveryOutcome.retryable(f"{type(exc).__name__}: {exc}")
        self._finished.put(_Finished(claimed, outcome, clock.now()))
        self._signal.set()

    def _next(self, now: datetime, *, searched: bool) -> datetime | None:
        """When the next pass is needed: a breaker's probe, a lease renewal, or the next due
        delivery to a lane that admits one (only when a thread is free to send it; due ones a
        claim just found nothing of are held by another worker: look again shortly)."""
        found = [self.lanes.next_probe(now), self._renew_at]
        if len(self._sending) < self.threads:
            blocked = self.lanes.blocked(now)
            with self.session_factory() as session:
                due = outbox.next_attempt(
                    session, skip_endpoints=_endpoints(blocked), skip_email=SMTP in blocked
                )
            if due is not None and searched:
                due = max(due, now + timedelta(seconds=BUSY_PAUSE))
            found.append(due)
        return min((at for at in found if at is not None), default=None)

    @staticmethod
    def _seconds_until(at: datetime | None, clock: Clock) -> float | None:
        if at is None:
            return None
        return max(0.0, (at - clock.now()).total_seconds())


class _Admission:
    """Reserves a lane slot for each delivery a claim takes; gives them back if it fails."""

    def __init__(self, lanes: Lanes, now: datetime) -> None:
        self.lanes, self.now = lanes, now
        self.taken: list[str] = []
        self.declined = 0

    def __call__(self, channel: str, endpoint: str | None) -> bool:
        target = target_of(channel, endpoint)
        if not self.lanes.take(target, self.now):
            self.declined += 1
            return False
        self.taken.append(target)
        return True

    def give_back(self) -> None:
        for target in self.taken:
            self.lanes.finish(target, None, self.now)


def _endpoints(targets: set[str]) -> set[str]:
    return {t.removeprefix("endpoint:") for t in targets if t.startswith("endpoint:")}
