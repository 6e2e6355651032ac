"""Per-target lanes for the sender: a queue, a cap on concurrent sends and a circuit breaker each.

A target is where a delivery goes: a registered endpoint (``endpoint:NAME``) or the SMTP server
(``smtp``). Each has at most ``limit`` sends in flight, so one slow receiver holds at most that
many of the sender's threads, and at most ``QUEUED * limit`` more claimed deliveries queued
behind them, so that a send thread that finishes starts the next one at once instead of
waiting for the sender's loop to claim it (the queue covers what a lane sends while the loop
runs a step). After ``threshold`` retryable failures in a row (timeouts, refused
connections, 5xx) its breaker opens for a cool-down, which doubles at each reopening up to
``max_cooldown``; meanwhile its deliveries wait in the outbox, untried and uncounted (the
sender gives back those it had queued: ``drop_closed``). Once the cool-down has passed, one
send probes the target: success (or a permanent answer, which shows the receiver is up) closes
the breaker, another failure opens it again.

The state belongs to one sender in one process, which guards it with a lock (its loop claims,
its send threads start and finish); each worker learns about a dead receiver for itself.
Instants are passed in; nothing here reads a clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from caseclock.channels.outcome import DeliveryStatus

SMTP = "smtp"
ENDPOINT_PREFIX = "endpoint:"
QUEUED = 4  # claimed deliveries a lane may queue, per send it may have in flight
T = TypeVar("T")


def endpoint_target(name: str) -> str:
    return ENDPOINT_PREFIX + name


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    threshold: int = 5
    cooldown: timedelta = timedelta(seconds=30)
    max_cooldown: timedelta = timedelta(minutes=10)


@dataclass(slots=True)
class Lane(Generic[T]):
    cooldown: timedelta
    in_flight: int = 0
    failures: int = 0  # retryable failures in a row
    open_until: datetime | None = None
    queued: deque[T] = field(default_factory=deque)


class Lanes(Generic[T]):
    """The lanes of one sender, created on first use; see the module docstring."""

    def __init__(self, limit: int, breaker: BreakerSettings | None = None) -> None:
        if limit < 1:
            raise ValueError(f"a lane needs room for one send at least (got {limit})")
        self.limit = limit
        self.breaker = breaker or BreakerSettings()
        self._lanes: dict[str, Lane[T]] = {}

    def _lane(self, target: str) -> Lane[T]:
        lane = self._lanes.get(target)
        if lane is None:
            lane = self._lanes[target] = Lane(self.breaker.cooldown)
        return lane

    def room(self, target: str, now: datetime) -> int:
        """How many more deliveries to ``target`` may be claimed at ``now``: none while its
        breaker is open, one probe once the cool-down has passed, else what its sends in
        flight and its queue leave of ``(1 + QUEUED) * limit``."""
        lane = self._lanes.get(target)
        if lane is None:
            return (1 + QUEUED) * self.limit
        held = lane.in_flight + len(lane.queued)
        if lane.open_until is not None:
            return 1 if now >= lane.open_until and held == 0 else 0
        return max(0, (1 + QUEUED) * self.limit - held)

    def enqueue(self, target: str, item: T) -> None:
        """Queue a claimed delivery to ``target``; ``start`` takes it off when it may go."""
        self._lane(target).queued.append(item)

    def start(self, target: str, now: datetime) -> T | None:
        """The next queued delivery to ``target`` if one more send may start at ``now`` (it
        then counts as in flight until ``finish``), else None."""
        lane = self._lanes.get(target)
        if lane is None or not lane.queued:
            return None
        if lane.open_until is not None:
            if now < lane.open_until or lane.in_flight:
                return None  # open, or its one probe is out
        elif lane.in_flight >= self.limit:
            return None
        lane.in_flight += 1
        return lane.queued.popleft()

    def startable(self, now: datetime, most: int) -> list[tuple[str, T]]:
        """Take up to ``most`` queued deliveries that may start at ``now``, one lane at a
        time in turn."""
        started: list[tuple[str, T]] = []
        progress = True
        while progress and len(started) < most:
            progress = False
            for target in self._lanes:
                if len(started) == most:
                    break
                item = self.start(target, now)
                if item is not None:
                    started.append((target, item))
                    progress = True
        return started

    def finish(self, target: str, status: DeliveryStatus, now: datetime) -> None:
        """A send to ``target`` ended with ``status`` at ``now``."""
        lane = self._lane(target)
        lane.in_flight = max(0, lane.in_flight - 1)
        if status is not DeliveryStatus.RETRYABLE:
            lane.failures, lane.open_until, lane.cooldown = 0, None, self.breaker.cooldown
            return
        lane.failures += 1
        probing = lane.open_until is not None and now >= lane.open_until
        if probing or (lane.open_until is None and lane.failures >= self.breaker.threshold):
            lane.open_until = now + lane.cooldown
            lane.cooldown = min(lane.cooldown * 2, self.breaker.max_cooldown)

    def drop_closed(self, now: datetime) -> list[tuple[T, datetime]]:
        """Take the queued deliveries of every lane whose breaker is open at ``now``, each
        with the instant its lane lets a probe through (the sender gives them back)."""
        dropped: list[tuple[T, datetime]] = []
        for lane in self._lanes.values():
            if lane.open_until is not None and now < lane.open_until:
                dropped.extend((item, lane.open_until) for item in lane.queued)
                lane.queued.clear()
        return dropped

    def drop_all(self) -> list[T]:
        """Take every queued delivery (the sender is stopping)."""
        dropped = [item for lane in self._lanes.values() for item in lane.queued]
        for lane in self._lanes.values():
            lane.queued.clear()
        return dropped

    def queued(self) -> list[T]:
        return [item for lane in self._lanes.values() for item in lane.queued]

    def in_flight(self) -> int:
        return sum(lane.in_flight for lane in self._lanes.values())

    def blocked(self, now: datetime) -> set[str]:
        """The targets no more deliveries may be claimed for at ``now``."""
        return {target for target in self._lanes if self.room(target, now) == 0}

    def is_open(self, target: str, now: datetime) -> bool:
        lane = self._lanes.get(target)
        return lane is not None and lane.open_until is not None and now < lane.open_until

    def next_probe(self, now: datetime) -> datetime | None:
        """The earliest instant after ``now`` at which an open breaker lets a probe through."""
        later = [
            lane.open_until
            for lane in self._lanes.values()
            if lane.open_until is not None and lane.open_until > now
        ]
        return min(later, default=None)
