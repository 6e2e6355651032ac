"""Durations as people write them in policies and on the command line.

``8h``, ``90m``, ``2h30m``, ``45s``  business time (open hours of a calendar)
``5bd``                            business days: same wall-clock time, n open days later
``eobd``, ``2eobd``                end of the n-th next business day (``eobd`` = 1)
``30d``, ``2w``                    calendar time (account lifecycle milestones), not business time
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final


class DurationKind(StrEnum):
    BUSINESS_TIME = "business_time"
    BUSINESS_DAYS = "business_days"
    END_OF_BUSINESS_DAY = "end_of_business_day"
    CALENDAR_TIME = "calendar_time"


@dataclass(frozen=True, slots=True)
class Duration:
    """A parsed duration: what kind of clock it runs on and how much of it."""

    kind: DurationKind
    amount: timedelta = timedelta(0)
    days: int = 0
    text: str = ""

    def __str__(self) -> str:
        return self.text or format_timedelta(self.amount)


LONGEST_DAYS: Final = 36_500
_HMS = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")
_BD = re.compile(r"^(?P<n>\d+)bd$")
_EOBD = re.compile(r"^(?P<n>\d*)eobd$")
_CAL = re.compile(r"^(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?$")


def parse_duration(text: str) -> Duration:
    """Parse a duration; raise ValueError with the accepted forms when it is not one, or when
    it is longer than ``LONGEST_DAYS`` (no SLA runs a century, and a timedelta ends at
    999,999,999 days)."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise ValueError("empty duration; use e.g. 8h, 90m, 2h30m, 5bd, eobd or 30d")
    if len(raw) > 40:  # no duration is this long; also keeps int() off thousands of digits
        raise ValueError(f"not a duration: {text[:40]!r}... is too long")
    if m := _BD.match(raw):
        return Duration(DurationKind.BUSINESS_DAYS, days=_days(int(m["n"]), text), text=raw)
    if m := _EOBD.match(raw):
        n = int(m["n"]) if m["n"] else 1
        return Duration(DurationKind.END_OF_BUSINESS_DAY, days=_days(n, text), text=raw)
    if (m := _CAL.match(raw)) and (m["w"] or m["d"]):
        days = _days(int(m["w"] or 0) * 7 + int(m["d"] or 0), text)
        return Duration(DurationKind.CALENDAR_TIME, amount=timedelta(days=days), text=raw)
    if (m := _HMS.match(raw)) and (m["h"] or m["m"] or m["s"]):
        seconds = int(m["h"] or 0) * 3600 + int(m["m"] or 0) * 60 + int(m["s"] or 0)
        _days(-(-seconds // 86400), text)
        return Duration(DurationKind.BUSINESS_TIME, amount=timedelta(seconds=seconds), text=raw)
    raise ValueError(
        f"not a duration: {text!r}; use hours/minutes/seconds of business time (8h, 90m, 2h30m), "
        "business days (5bd), end of business day (eobd, 2eobd) or calendar days/weeks (30d, 2w)"
    )


def _days(days: int, text: str) -> int:
    """``days``, or ValueError when a duration of that many days is longer than any SLA."""
    if days > LONGEST_DAYS:
        raise ValueError(f"{text.strip()!r} is longer than {LONGEST_DAYS:,} days (100 years)")
    return days


def parse_timedelta(text: str) -> timedelta:
    """Parse an amount of time (``4h``, ``90m``, ``30d``), refusing business-day forms."""
    duration = parse_duration(text)
    if duration.kind in (DurationKind.BUSINESS_DAYS, DurationKind.END_OF_BUSINESS_DAY):
        raise ValueError(f"{text!r} is counted in business days; an amount of time is needed here")
    return duration.amount


def format_timedelta(value: timedelta) -> str:
    """Format as ``2h30m`` (``-1h`` for negatives, ``0s`` for zero); the inverse of parsing."""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{seconds}s" if seconds else "",
    ]
    return sign + ("".join(parts) or "0s")
