"""Durations and target periods as people write them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from caseclock.core.durations import DurationKind, format_timedelta, parse_duration
from caseclock.core.periods import Months, add_months, parse_period
from tests.core.evaluate_setup import at


@pytest.mark.parametrize(
    ("text", "kind", "amount", "days"),
    [
        ("8h", DurationKind.BUSINESS_TIME, timedelta(hours=8), 0),
        ("2h30m", DurationKind.BUSINESS_TIME, timedelta(hours=2, minutes=30), 0),
        ("5bd", DurationKind.BUSINESS_DAYS, timedelta(0), 5),
        ("eobd", DurationKind.END_OF_BUSINESS_DAY, timedelta(0), 1),
        ("2eobd", DurationKind.END_OF_BUSINESS_DAY, timedelta(0), 2),
        ("30d", DurationKind.CALENDAR_TIME, timedelta(days=30), 0),
        ("2w", DurationKind.CALENDAR_TIME, timedelta(days=14), 0),
    ],
)
def test_parse_duration(text: str, kind: DurationKind, amount: timedelta, days: int) -> None:
    """Each written form parses to its kind and amount."""
    parsed = parse_duration(text)
    assert (parsed.kind, parsed.amount, parsed.days) == (kind, amount, days)


@pytest.mark.parametrize("text", ["", "4 parsecs", "h", "-2h", "1.5h"])
def test_bad_durations_say_what_is_accepted(text: str) -> None:
    """Anything else is refused with the accepted forms."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text", [f"{10**30}h", f"{10**30}d", "36501d", "5215w", "36501bd", "36501eobd", "876025h"]
)
def test_durations_longer_than_a_century_are_refused(text: str) -> None:
    """No SLA runs a century; 10**30 hours would overflow a timedelta instead of answering."""
    with pytest.raises(ValueError, match=r"is longer than 36,500 days \(100 years\)"):
        parse_duration(text)


def test_the_longest_duration_is_a_century() -> None:
    assert parse_duration("36500d").amount == timedelta(days=36_500)
    assert parse_duration("876000h").amount == timedelta(days=36_500)
    assert parse_duration("36500bd").days == 36_500


def test_a_duration_thousands_of_digits_long_is_refused_briefly() -> None:
    with pytest.raises(ValueError, match=r"^not a duration: '9{40}'\.\.\. is too long$"):
        parse_duration("9" * 5000 + "h")


def test_format_is_the_inverse_of_parse() -> None:
    """format_timedelta writes what parse_duration reads."""
    for text in ("2h30m", "45s", "90h"):
        assert format_timedelta(parse_duration(text).amount) == text


def test_months_and_years_are_periods() -> None:
    """3mo and 1y parse as calendar months; other periods fall back to durations."""
    assert parse_period("3mo") == Months(3, "3mo")
    assert parse_period("1y") == Months(12, "1y")
    assert parse_period("4h").kind is DurationKind.BUSINESS_TIME  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="3mo"):
        parse_period("3 moons")


def test_add_months_clamps_to_the_end_of_the_month_and_keeps_wall_time() -> None:
    """Jan 31 + 1 month is Feb 28; across DST the wall-clock time stays the same."""
    ny = ZoneInfo("America/New_York")
    start = at("2026-01-31T09:00:00-05:00").astimezone(ny)
    assert add_months(start, 1) == at("2026-02-28T09:00:00-05:00")
    assert add_months(start, 3) == at("2026-04-30T09:00:00-04:00")
    assert add_months(start, -2) == at("2025-11-30T09:00:00-05:00")
