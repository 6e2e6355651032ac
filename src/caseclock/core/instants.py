"""The one check that an instant carries a time zone: a naive datetime is a bug (DESIGN.md)."""

from __future__ import annotations

from datetime import datetime


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` if it carries a time zone, else raise a ValueError that says so."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"{what} must be timezone-aware (got naive {value.isoformat()}); "
            "add an offset such as +00:00 or a zone"
        )
    return value
