"""Instants: the one check that one carries a time zone (a naive datetime is a bug: see
docs/semantics.md), and the conversion to and from UTC microseconds, the unit the
evaluator's arithmetic runs in.

The conversions avoid datetime arithmetic across zones on purpose: subtracting or comparing
aware datetimes of different zones asks both zones for their offset through a slow generic
method call, so ``instant_us`` reads the fields and asks for one offset, and ``local_us`` lets
the zone convert whole seconds once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Final

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL: Final = 719_163  # date(1970, 1, 1).toordinal()
_SECOND_US: Final = 1_000_000
_DAY_S: Final = 86_400
_LAST_SECOND: Final = 253_402_300_799  # 9999-12-31T23:59:59Z
_FIXED_OFFSETS: Final[dict[tzinfo, int]] = {}  # fixed-offset zones seen, in microseconds
_FROM_TIMESTAMP: Final = datetime.fromtimestamp  # bound once, not looked up per call


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` if it carries a time zone, else raise a ValueError that says so."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise _naive(value, what)
    return value


def _naive(value: datetime, what: str) -> ValueError:
    return ValueError(
        f"{what} must be timezone-aware (got naive {value.isoformat()}); "
        "add an offset such as +00:00 or a zone"
    )


def timedelta_us(value: timedelta) -> int:
    """A duration in whole microseconds (``value // timedelta(microseconds=1)``, cheaper)."""
    return (value.days * _DAY_S + value.seconds) * _SECOND_US + value.microseconds


def instant_us(value: datetime) -> int:
    """An aware instant as microseconds since the Unix epoch (UTC)."""
    zone = value.tzinfo
    if type(zone) is timezone:  # a fixed offset (ISO text, UTC): the same for every instant
        shift = _FIXED_OFFSETS.get(zone)
        if shift is None:
            shift = _FIXED_OFFSETS[zone] = timedelta_us(zone.utcoffset(None))
    else:
        offset = value.utcoffset()
        if offset is None:
            raise _naive(value, "an instant")
        shift = timedelta_us(offset)
    seconds = (
        (value.toordinal() - _EPOCH_ORDINAL) * _DAY_S
        + value.hour * 3600
        + value.minute * 60
        + value.second
    )
    return seconds * _SECOND_US + value.microsecond - shift


def local_us(t: int, zone: tzinfo | None) -> datetime:
    """Instant ``t`` (UTC microseconds) as a datetime in ``zone``."""
    seconds, micro = t // _SECOND_US, t % _SECOND_US  # on machine integers, no tuple
    if micro == 0 and 0 <= seconds <= _LAST_SECOND:
        return _FROM_TIMESTAMP(seconds, zone)  # one conversion by the zone: the fast way
    return (_EPOCH + timedelta(0, seconds, micro)).astimezone(zone)
