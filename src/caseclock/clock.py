"""The one clock seam: everything that needs "now" gets it from a Clock passed in.

The pure core never reads a clock; the service, the worker and the CLI read it once at
their edge and pass the instant down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from caseclock.core.instants import require_aware

__all__ = ["Clock", "FixedClock", "SystemClock", "require_aware"]


class Clock(Protocol):
    """Something that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told: for tests, demos and simulations."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at, "FixedClock instant")

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = require_aware(at, "FixedClock instant")

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta
