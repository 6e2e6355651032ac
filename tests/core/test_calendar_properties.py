"""The fast calendar against the slow reference, on random calendars, instants and durations.

Calendars mix split days, overnight shifts, 24:00 ends, 24x7, holidays, public-holiday sets and
dated exceptions, in zones with DST (New York, Berlin, Sydney) and without (Kolkata). Instants
cluster around DST changes so that gaps and folds are hit often.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import WEEKDAYS
from tests.core.calendar_reference import ReferenceCalendar

ZONES = ("America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC")
# DST changes of 2026 (UTC instants): New York, Berlin, Sydney.
DST_CHANGES = (
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 4, 4, 16, 0, tzinfo=UTC),
    datetime(2026, 10, 3, 16, 0, tzinfo=UTC),
)
BASE = datetime(2026, 1, 1, tzinfo=UTC)
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[list[str]]:
    """0-3 non-overlapping intervals on a 15-minute grid; the last may run overnight."""
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    intervals = [
        [_clock(points[i] * 15), _clock(points[i + 1] * 15)] for i in range(0, len(points), 2)
    ]
    overnight = bool(intervals) and draw(st.booleans())
    if overnight and points[-1] < 96:
        last_start = points[-1] * 15
        end = draw(st.integers(0, last_start // 15 - 1 if last_start else 0)) * 15
        if end < last_start:
            intervals.append([_clock(last_start), _clock(end)])
            intervals.pop(-2)
    return intervals


@st.composite
def calendar_docs(draw: st.DrawFn) -> dict[str, Any]:
    """A random calendar document that opens at least once a week."""
    zone = draw(st.sampled_from(ZONES))
    doc: dict[str, Any] = {"name": "random", "timezone": zone}
    if draw(st.integers(0, 9)) == 0:
        doc["always_open"] = True
    else:
        week = {day: draw(day_hours()) for day in WEEKDAYS if draw(st.booleans())}
        assume(any(week.values()))
        doc["week"] = week
    day_offsets = st.integers(0, 400)
    doc["holidays"] = [
        (BASE + timedelta(days=d)).date().isoformat()
        for d in draw(st.sets(day_offsets, max_size=6))
    ]
    if draw(st.integers(0, 4)) == 0:
        doc["holiday_sets"] = [draw(st.sampled_from([{"country": "US"}, {"country": "DE"}]))]
    exception_days = draw(st.sets(day_offsets, max_size=3))
    doc["exceptions"] = [
        {"date": (BASE + timedelta(days=d)).date().isoformat(), "hours": draw(day_hours())}
        for d in exception_days
    ]
    return doc


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Instants over 2026, often within a day of a DST change, with sub-minute noise."""
    if draw(st.booleans()):
        anchor = draw(st.sampled_from(DST_CHANGES))
        offset = timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
    else:
        anchor = BASE
        offset = timedelta(minutes=draw(st.integers(0, 365 * 24 * 60)))
    noise = timedelta(microseconds=draw(st.sampled_from([0, 0, 0, 1, 30_000_000, 59_999_999])))
    return anchor + offset + noise


durations = st.integers(0, 30 * 60).map(lambda m: timedelta(minutes=m)) | st.integers(1, 10**8).map(
    lambda us: timedelta(microseconds=us)
)


@PROPERTY_SETTINGS
@given(doc=calendar_docs(), start=instants(), span_minutes=st.integers(0, 4 * 24 * 60))
def test_between_matches_reference(doc: dict[str, Any], start: datetime, span_minutes: int) -> None:
    """Open time between two instants equals the reference's cell-by-cell count."""
    calendar = BusinessCalendar.from_dict(doc)
    reference = ReferenceCalendar(calendar.spec)
    end = start + timedelta(minutes=span_minutes)
    assert calendar.between(start, end) == reference.between(start, end)


@PROPERTY_SETTINGS
@given(doc=calendar_docs(), start=instants(), duration=durations)
def test_add_matches_reference(doc: dict[str, Any], start: datetime, duration: timedelta) -> None:
    """A deadline equals the reference's, closing-time and zero-duration rules included."""
    calendar = BusinessCalendar.from_dict(doc)
    reference = ReferenceCalendar(calendar.spec)
    # Compare in UTC: Python's == is always False across zones for an instant in a DST fold.
    assert calendar.add(start, duration).astimezone(UTC) == reference.add(start, duration)


@PROPERTY_SETTINGS
@given(doc=calendar_docs(), at=instants())
def test_is_open_and_next_open_match_reference(doc: dict[str, Any], at: datetime) -> None:
    """is_open agrees with the definition; next_open is the first open instant from ``at``."""
    calendar = BusinessCalendar.from_dict(doc)
    reference = ReferenceCalendar(calendar.spec)
    assert calendar.is_open(at) == reference.is_open(at)
    assert calendar.next_open(at).astimezone(UTC) == reference.add(at, timedelta(0))


@PROPERTY_SETTINGS
@given(doc=calendar_docs(), start=instants(), hours=st.integers(0, 500))
def test_between_inverts_add(doc: dict[str, Any], start: datetime, hours: int) -> None:
    """between(s, add(s, d)) == d, for durations up to 500 business hours."""
    calendar = BusinessCalendar.from_dict(doc)
    duration = timedelta(hours=hours, seconds=7)
    # A sparse calendar may need longer than the 12-year horizon; add refuses those.
    assume(calendar.between(start, start + timedelta(days=366 * 12)) >= duration)
    deadline = calendar.add(start, duration)
    assert calendar.between(start, deadline) == duration


@PROPERTY_SETTINGS
@given(
    doc=calendar_docs(),
    start=instants(),
    later=st.integers(0, 72 * 60),
    d1=st.integers(0, 100 * 60),
    d2=st.integers(0, 100 * 60),
)
def test_add_is_monotonic(
    doc: dict[str, Any], start: datetime, later: int, d1: int, d2: int
) -> None:
    """A longer duration or a later start never gives an earlier deadline."""
    calendar = BusinessCalendar.from_dict(doc)
    short, long_ = sorted((timedelta(minutes=d1), timedelta(minutes=d2)))
    assert calendar.add(start, short) <= calendar.add(start, long_)
    later_start = start + timedelta(minutes=later)
    assert calendar.add(start, short) <= calendar.add(later_start, short)


@PROPERTY_SETTINGS
@given(doc=calendar_docs(), start=instants(), n=st.integers(1, 12))
def test_business_days_land_in_open_hours(doc: dict[str, Any], start: datetime, n: int) -> None:
    """add_business_days ends after the start, inside (or at the close of) open hours;
    end_of_business_day(n) is a closing time after the start."""
    calendar = BusinessCalendar.from_dict(doc)
    landed = calendar.add_business_days(start, n)
    origin = calendar.next_open(start)
    assert landed > origin
    assert calendar.is_open(landed) or calendar.is_open(landed - timedelta(microseconds=1))
    end_of_day = calendar.end_of_business_day(start, n)
    assert end_of_day > start
    assert calendar.is_open(end_of_day - timedelta(microseconds=1))


@PROPERTY_SETTINGS
@given(doc=calendar_docs(), start=instants(), hours=st.integers(0, 48))
def test_results_are_in_the_calendar_zone(doc: dict[str, Any], start: datetime, hours: int) -> None:
    """Every instant returned is aware and expressed in the calendar's own zone."""
    calendar = BusinessCalendar.from_dict(doc)
    result = calendar.add(start, timedelta(hours=hours))
    assert result.tzinfo is calendar.zone
    assert calendar.next_open(start).tzinfo is calendar.zone
