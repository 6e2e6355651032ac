"""Instants: the one check that one carries a time zone (a naive datetime is a bug, DESIGN.md),
and the conversion to and from UTC microseconds, the unit the evaluator's arithmetic runs in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` if it carries a time zone, else raise a ValueError that says so."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"{what} must be timezone-aware (got naive {value.isoformat()}); "
            "add an offset such as +00:00 or a zone"
        )
    return value


def instant_us(value: datetime) -> int:
    """An aware instant as microseconds since the Unix epoch (UTC)."""
    return (value - _EPOCH) // _MICROSECOND


def local_us(t: int, zone: tzinfo | None) -> datetime:
    """Instant ``t`` (UTC microseconds) as a datetime in ``zone``."""
    return (_EPOCH + timedelta(microseconds=t)).astimezone(zone)
