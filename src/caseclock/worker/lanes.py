"""Per-target lanes for the sender: a cap on concurrent sends and a circuit breaker each.

A target is where a delivery goes: a registered endpoint (``endpoint:NAME``) or the SMTP server
(``smtp``). Each has at most ``limit`` sends in flight, so one slow receiver holds at most that
many of the sender's threads. After ``threshold`` retryable failures in a row (timeouts, refused
connections, 5xx) its breaker opens for a cool-down, which doubles at each reopening up to
``max_cooldown``; meanwhile its deliveries wait in the outbox, untried and uncounted. Once the
cool-down has passed, one send probes the target: success (or a permanent answer, which shows
the receiver is up) closes the breaker, another failure opens it again.

The state belongs to one sender in one process and is only touched by its loop: each worker
learns about a dead receiver for itself. Instants are passed in; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from caseclock.channels.outcome import DeliveryStatus

SMTP = "smtp"
ENDPOINT_PREFIX = "endpoint:"


def endpoint_target(name: str) -> str:
    return ENDPOINT_PREFIX + name


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    threshold: int = 5
    cooldown: timedelta = timedelta(seconds=30)
    max_cooldown: timedelta = timedelta(minutes=10)


@dataclass(slots=True)
class Lane:
    cooldown: timedelta
    in_flight: int = 0
    failures: int = 0  # retryable failures in a row
    open_until: datetime | None = None


class Lanes:
    """The lanes of one sender, created on first use; see the module docstring."""

    def __init__(self, limit: int, breaker: BreakerSettings | None = None) -> None:
        if limit < 1:
            raise ValueError(f"a lane needs room for one send at least (got {limit})")
        self.limit = limit
        self.breaker = breaker or BreakerSettings()
        self._lanes: dict[str, Lane] = {}

    def _lane(self, target: str) -> Lane:
        lane = self._lanes.get(target)
        if lane is None:
            lane = self._lanes[target] = Lane(self.breaker.cooldown)
        return lane

    def admits(self, target: str, now: datetime) -> bool:
        """Whether one more send to ``target`` may start at ``now``."""
        lane = self._lanes.get(target)
        if lane is None:
            return True
        if lane.open_until is not None:
            return now >= lane.open_until and lane.in_flight == 0  # one probe at a time
        return lane.in_flight < self.limit

    def take(self, target: str, now: datetime) -> bool:
        """Reserve a send to ``target`` if it is admitted; ``finish`` gives it back."""
        if not self.admits(target, now):
            return False
        self._lane(target).in_flight += 1
        return True

    def finish(self, target: str, status: DeliveryStatus | None, now: datetime) -> None:
        """A send to ``target`` ended with ``status`` (None: it never went out)."""
        lane = self._lane(target)
        lane.in_flight = max(0, lane.in_flight - 1)
        if status is None:
            return
        if status is not DeliveryStatus.RETRYABLE:
            lane.failures, lane.open_until, lane.cooldown = 0, None, self.breaker.cooldown
            return
        lane.failures += 1
        probing = lane.open_until is not None and now >= lane.open_until
        if probing or (lane.open_until is None and lane.failures >= self.breaker.threshold):
            lane.open_until = now + lane.cooldown
            lane.cooldown = min(lane.cooldown * 2, self.breaker.max_cooldown)

    def blocked(self, now: datetime) -> set[str]:
        """The targets that admit no send at ``now``."""
        return {target for target in self._lanes if not self.admits(target, now)}

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
