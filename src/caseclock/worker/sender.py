"""The delivery loop: send the outbox beside the firing loop, never in its way.

One ``Sender`` owns a bounded pool of send threads and the per-target lanes (``lanes``): each
lane has a cap on its sends in flight and a queue of claimed deliveries behind them. Each step
of its loop, in its own thread and one short transaction:

1. settles the sends that finished (each at the instant its attempt ended) and gives back,
   uncounted, what was queued for a lane whose breaker has opened;
2. renews the lease of every delivery held (in flight or queued), each third of a lease;
3. claims as many due deliveries as the lanes have room for (their sends in flight and their
   queues), only for targets whose lane admits more (not full, breaker closed), queues them
   and starts those a lane and a free thread allow.

A send thread that finishes feeds its lane (and breaker), then starts the next delivery queued
in that lane at once, without waiting for the loop: the loop's transactions set how fast the
outbox is claimed and settled, not how soon a free lane sends again. A delivery's signature
timestamp is taken when its send begins; its lease, taken when it is claimed, is renewed while
it waits and while it is in flight.

The send threads only talk to the outside world (``delivery.send`` never raises); only the
loop's thread touches the database, so a worker holds two connections (firing, sending) plus
its LISTEN connection. A delivery whose settlement finds that its lease was lost (another
worker claimed it again, counting one more attempt) leaves the row to that worker. A stopping
sender gives back what it had queued and settles what was in flight.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from caseclock.channels.backoff import RetryPolicy
from caseclock.channels.email import smtp_settings
from caseclock.channels.outcome import DeliveryOutcome, DeliveryStatus
from caseclock.clock import Clock
from caseclock.config import Settings
from caseclock.services import outbox
from caseclock.services.outbox import Attempt, Claimed
from caseclock.store.database import SessionFactory
from caseclock.worker.delivery import send
from caseclock.worker.lanes import QUEUED, SMTP, BreakerSettings, Lanes, endpoint_target

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
        self.lanes: Lanes[Claimed] = Lanes(
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
        self._lock = threading.Lock()  # the lanes and ``_sending``: the loop and send threads
        self._finished: queue.SimpleQueue[_Finished] = queue.SimpleQueue()
        self._sending: dict[int, Claimed] = {}  # in a send thread
        self._unsettled: list[_Finished] = []  # sent, the outcome not yet recorded
        self._released: list[tuple[Claimed, datetime]] = []  # queued, to give back
        self._renew_at: datetime | None = None
        self._signal = threading.Event()
        self._counts_lock = threading.Lock()
        self._counts = Counts()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    @property
    def signal(self) -> threading.Event:
        """Set to make the loop look at the outbox now (``wake``)."""
        return self._signal

    def wake(self) -> None:
        """Look at the outbox now (a firing committed deliveries, a send finished)."""
        self._signal.set()

    def take_counts(self) -> Counts:
        with self._counts_lock:
            counts, self._counts = self._counts, Counts()
        return counts

    def step(self, clock: Clock) -> datetime | None:
        """One pass, one transaction: settle what finished, give back what a breaker holds,
        renew the leases held, claim what the lanes have room for, and start it. Returns the
        instant of the next pass unless woken earlier (``now``: at once), None when only a
        wake-up brings work."""
        now = clock.now()
        self._collect()
        with self._lock:
            self._released.extend(self.lanes.drop_closed(now))
            room = (1 + QUEUED) * self.threads - len(self._sending) - len(self.lanes.queued())
            blocked = self.lanes.blocked(now)
        renew = self._renew_at is not None and now >= self._renew_at
        admit = _Admission(self.lanes, self._lock, now)
        claimed: list[Claimed] = []
        due: datetime | None = None
        with self.session_factory() as session:
            self._settle(session)
            if renew:
                outbox.renew(session, self._leases(), until=now + self.lease)
            if room > 0:
                claimed = outbox.claim(
                    session,
                    now=now,
                    limit=room,
                    lease=self.lease,
                    skip_endpoints=_endpoints(blocked),
                    skip_email=SMTP in blocked,
                    admit=admit,
                )
                if len(claimed) < room and not admit.declined:
                    due = self._next_due(session, now, searched=not claimed)
            session.commit()
        self._unsettled.clear()
        self._released.clear()
        with self._lock:
            for one in claimed:
                self.lanes.enqueue(target_of(one.channel, one.endpoint), one)
        self._start(clock)
        if renew:
            self._renew_at = now + self.lease / 3
        if not self._held():
            self._renew_at = None
        elif self._renew_at is None:
            self._renew_at = now + self.lease / 3
        if claimed and (len(claimed) == room or admit.declined):
            return now  # more may be claimable now that those lanes are full
        found = [due, self.lanes.next_probe(now), self._renew_at]
        return min((at for at in found if at is not None), default=None)

    def drain(self, clock: Clock) -> None:
        """Send until nothing is due, claimable, queued or in flight (``worker --once``)."""
        while True:
            self._signal.clear()
            wake_at = self.step(clock)
            if not self._held() and self._finished.empty():
                return
            if wake_at is None or wake_at > clock.now():
                self._signal.wait(self._seconds_until(wake_at, clock))

    def run(self, clock: Clock, stopped: threading.Event, *, idle: float) -> None:
        """Step until ``stopped`` is set, sleeping in between until the next instant a step
        is needed (at most ``idle`` seconds) or a wake-up; then give back what is queued and
        settle the sends in flight."""
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
        with self._lock:
            self._released.extend((one, clock.now()) for one in self.lanes.drop_all())
        while self._sending or self._unsettled or self._released or not self._finished.empty():
            self._signal.clear()
            self._collect()
            try:
                with self.session_factory() as session:
                    self._settle(session)
                    session.commit()
            except Exception:
                log.exception("settling failed while stopping; the leases will lapse")
                return
            self._unsettled.clear()
            self._released.clear()
            if self._sending:
                self._signal.wait(ERROR_PAUSE)

    def _held(self) -> bool:
        with self._lock:
            return bool(self._sending) or bool(self.lanes.queued())

    def _collect(self) -> None:
        """Take the finished sends off the queue the send threads fill; they wait in
        ``_unsettled`` until a transaction records them."""
        while True:
            try:
                self._unsettled.append(self._finished.get_nowait())
            except queue.Empty:
                return

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
        if self._released:
            outbox.release(session, [(c.id, c.attempt, at) for c, at in self._released])

    def _leases(self) -> list[tuple[int, int]]:
        with self._lock:
            held = [*self._sending.values(), *self.lanes.queued()]
        held.extend(f.claimed for f in self._unsettled)
        return [(claimed.id, claimed.attempt) for claimed in held]

    def _start(self, clock: Clock) -> None:
        """Start what the lanes and the free threads allow, each in a send thread."""
        with self._lock:
            free = self.threads - len(self._sending)
            started = self.lanes.startable(clock.now(), free) if free > 0 else []
            for _, one in started:
                self._sending[one.id] = one
        for target, one in started:
            self._pool.submit(self._send, target, one, clock)

    def _send(self, target: str, claimed: Claimed, clock: Clock) -> None:
        """In a send thread: attempt ``claimed``, hand the outcome to the loop, then go on
        with the next delivery queued in the same lane while there is one it may start.
        Never raises."""
        current: Claimed | None = claimed
        while current is not None:
            outcome = self._attempt(current, clock)
            at = clock.now()
            with self._lock:
                self.lanes.finish(target, outcome.status, at)
                del self._sending[current.id]
                self._finished.put(_Finished(current, outcome, at))
                current = self.lanes.start(target, at)
                if current is not None:
                    self._sending[current.id] = current
            with self._counts_lock:
                self._counts.add(outcome.status)
            self._signal.set()
        self._start(clock)  # this thread is free again: start what waited for one

    def _attempt(self, claimed: Claimed, clock: Clock) -> DeliveryOutcome:
        try:
            return send(
                claimed,
                http=self.http,
                smtp=self.smtp,
                now=clock.now(),
                allow_private=self.allow_private,
            )
        except Exception as exc:  # an attempt never ends the process
            return DeliveryOutcome.retryable(f"{type(exc).__name__}: {exc}")

    def _next_due(self, session: Session, now: datetime, *, searched: bool) -> datetime | None:
        """When the next due delivery to a lane that admits one falls due (due ones that a
        claim just found none of are held by another worker: look again shortly)."""
        blocked = self.lanes.blocked(now)
        due = outbox.next_attempt(
            session, skip_endpoints=_endpoints(blocked), skip_email=SMTP in blocked
        )
        if due is not None and searched:
            due = max(due, now + timedelta(seconds=BUSY_PAUSE))
        return due

    @staticmethod
    def _seconds_until(at: datetime | None, clock: Clock) -> float | None:
        if at is None:
            return None
        return max(0.0, (at - clock.now()).total_seconds())


class _Admission:
    """Admits a delivery to a claim while its lane has room, counting those already taken."""

    def __init__(self, lanes: Lanes[Claimed], lock: threading.Lock, now: datetime) -> None:
        self.lanes, self.lock, self.now = lanes, lock, now
        self.taken: Counter[str] = Counter()
        self.declined = 0

    def __call__(self, channel: str, endpoint: str | None) -> bool:
        target = target_of(channel, endpoint)
        with self.lock:
            room = self.lanes.room(target, self.now)
        if room <= self.taken[target]:
            self.declined += 1
            return False
        self.taken[target] += 1
        return True


def _endpoints(targets: set[str]) -> set[str]:
    return {t.removeprefix("endpoint:") for t in targets if t.startswith("endpoint:")}
