"""When to try a failed delivery again: capped exponential backoff with full jitter.

Attempt ``n`` (1 for the first attempt, which failed) waits a uniformly random time in
``[0, min(cap, base * 2 ** (n - 1))]`` before attempt ``n + 1``: full jitter spreads the retries of
many deliveries that failed together (a receiver that was down) instead of sending them back in
a wave. After ``max_attempts`` failed attempts the delivery is dead-lettered. Pure: the caller
passes the ``random.Random``, so tests are deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff parameters. With the defaults, the eleven waits between twelve attempts add up to
    at most 14.5 hours (about 7 on average) before a delivery is dead-lettered."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)
    max_attempts: int = 12

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError(f"backoff needs 0 < base <= cap (got {self.base} and {self.cap})")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 (got {self.max_attempts})")

    def ceiling(self, attempt: int) -> timedelta:
        """The longest wait after failed attempt ``attempt`` (1-based): the jitter's upper bound."""
        if attempt < 1:
            raise ValueError(f"attempts are numbered from 1 (got {attempt})")
        doublings = min(attempt - 1, 62)  # past any cap long before; keeps the float finite
        seconds = min(self.cap.total_seconds(), self.base.total_seconds() * 2.0**doublings)
        return timedelta(seconds=seconds)

    def delay(
        self, attempt: int, rng: random.Random, retry_after: timedelta | None = None
    ) -> timedelta:
        """The wait after failed attempt ``attempt``.

        A ``retry_after`` the receiver asked for is honoured when longer than the jittered wait,
        up to ``cap`` (a receiver cannot park a delivery for a year).
        """
        jittered = self.ceiling(attempt) * rng.random()
        if retry_after is not None and retry_after > jittered:
            return min(retry_after, self.cap)
        return jittered

    def exhausted(self, attempt: int) -> bool:
        """True when failed attempt ``attempt`` was the last one: dead-letter the delivery."""
        return attempt >= self.max_attempts
