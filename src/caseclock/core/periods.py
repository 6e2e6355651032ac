"""Target periods: the durations of ``core.durations`` plus calendar months and years.

``8h`` business time, ``5bd`` business days, ``eobd`` end of business day, ``30d`` / ``2w``
calendar time, and for account lifecycle milestones ``3mo`` / ``1y`` calendar months (the same
day of the month, clamped to the month's last day: Jan 31 + 1mo = Feb 28).
"""

from __future__ import annotations

import calendar as gregorian
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from caseclock.core.durations import Duration, parse_duration

_MONTHS = re.compile(r"^(?P<n>\d+)(?P<unit>mo|y)$")


@dataclass(frozen=True, slots=True)
class Months:
    """A whole number of calendar months (``1y`` is 12)."""

    months: int
    text: str

    def __str__(self) -> str:
        return self.text


Period = Duration | Months


@lru_cache(maxsize=1024)
def parse_period(text: str) -> Period:
    """Parse a target period; raise ValueError naming the accepted forms (memoized: pure)."""
    raw = text.strip().lower()
    if m := _MONTHS.match(raw):
        n = int(m["n"])
        return Months(n * 12 if m["unit"] == "y" else n, raw)
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise ValueError(f"{exc}; or calendar months/years (3mo, 1y)") from None


def add_months(start: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` later in ``start``'s zone, day clamped to the month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, gregorian.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)
