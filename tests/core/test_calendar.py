"""Worked examples of business-calendar arithmetic, as docs/semantics.md states it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from caseclock import BusinessCalendar
from caseclock.core.validation import describe_validation_error

NY = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def calendar(**overrides: Any) -> BusinessCalendar:
    doc: dict[str, Any] = {"name": "us-east", "timezone": "America/New_York"}
    doc["week"] = WEEKDAYS_9_TO_5
    doc.update(overrides)
    return BusinessCalendar.from_dict(doc)


def test_gold_case_opened_friday_afternoon() -> None:
    """Seed 001: opened Friday 16:30, 8 h target: 30 min on Friday, the rest from Monday 09:00."""
    deadline = calendar().add(ny(2026, 3, 6, 16, 30), timedelta(hours=8))
    assert deadline == ny(2026, 3, 9, 16, 30)


def test_standard_first_response_by_end_of_next_business_day() -> None:
    """Standard tier: a case opened Friday 16:30 is due by Monday's close."""
    assert calendar().end_of_business_day(ny(2026, 3, 6, 16, 30), 1) == ny(2026, 3, 9, 17, 0)


def test_standard_resolution_in_five_business_days() -> None:
    """Five business days from Tuesday 10:00 is the next Tuesday at 10:00."""
    assert calendar().add_business_days(ny(2026, 3, 3, 10, 0), 5) == ny(2026, 3, 10, 10, 0)


def test_holiday_monday_is_skipped() -> None:
    """With Monday a holiday, Friday 16:30 + 8 h lands on Tuesday 16:30."""
    cal = calendar(holidays=["2026-03-09"])
    assert cal.add(ny(2026, 3, 6, 16, 30), timedelta(hours=8)) == ny(2026, 3, 10, 16, 30)
    assert cal.add_business_days(ny(2026, 3, 6, 11, 0), 1) == ny(2026, 3, 10, 11, 0)


def test_public_holiday_sets_close_their_dates() -> None:
    """US public holidays close Thanksgiving: Wednesday 16:00 + 2 h is Friday 10:00."""
    cal = calendar(holiday_sets=[{"country": "US", "subdivision": "NY"}])
    assert not cal.is_open(ny(2026, 11, 26, 12, 0))
    assert cal.add(ny(2026, 11, 25, 16, 0), timedelta(hours=2)) == ny(2026, 11, 27, 10, 0)


def test_split_day_skips_the_lunch_break() -> None:
    """Tuesday 09:00-12:00 and 13:00-17:00: 11:00 + 2 h is 14:00, and lunch is not counted."""
    cal = calendar(week={"tue": [["09:00", "12:00"], ["13:00", "17:00"]]})
    assert cal.add(ny(2026, 3, 3, 11, 0), timedelta(hours=2)) == ny(2026, 3, 3, 14, 0)
    assert cal.between(ny(2026, 3, 3, 11, 30), ny(2026, 3, 3, 13, 30)) == timedelta(hours=1)
    assert cal.add_business_days(ny(2026, 3, 3, 12, 30), 1) == ny(2026, 3, 10, 13, 0)


def test_deadline_on_a_closing_time_is_that_closing_time() -> None:
    """Monday 09:00 + 8 h is Monday 17:00, not Tuesday 09:00."""
    assert calendar().add(ny(2026, 3, 2, 9, 0), timedelta(hours=8)) == ny(2026, 3, 2, 17, 0)


def test_zero_duration_is_start_or_next_opening() -> None:
    """A zero duration returns an open start itself, and a closed one's next opening."""
    cal = calendar()
    assert cal.add(ny(2026, 3, 2, 10, 0), timedelta(0)) == ny(2026, 3, 2, 10, 0)
    assert cal.add(ny(2026, 3, 7, 10, 0), timedelta(0)) == ny(2026, 3, 9, 9, 0)


def test_counting_starts_at_the_next_opening_when_closed() -> None:
    """A case created Saturday with a 2 h target is due Monday 11:00."""
    assert calendar().add(ny(2026, 3, 7, 10, 0), timedelta(hours=2)) == ny(2026, 3, 9, 11, 0)


def test_a_day_on_a_dst_change_is_still_eight_hours() -> None:
    """09:00-17:00 on the Sunday clocks spring forward (and fall back) is 8 real hours."""
    cal = calendar(week={"sun": [["09:00", "17:00"]]})
    assert cal.between(ny(2026, 3, 8), ny(2026, 3, 9)) == timedelta(hours=8)
    assert cal.between(ny(2026, 11, 1), ny(2026, 11, 2)) == timedelta(hours=8)


def test_night_shift_across_dst_is_seven_or_nine_hours() -> None:
    """A Saturday 22:00-06:00 shift lasts 7 h as clocks spring forward, 9 h as they fall back."""
    cal = calendar(week={"sat": [["22:00", "06:00"]]})
    assert cal.between(ny(2026, 3, 7), ny(2026, 3, 9)) == timedelta(hours=7)
    assert cal.between(ny(2026, 10, 31), ny(2026, 11, 2)) == timedelta(hours=9)
    assert cal.add(ny(2026, 10, 31, 22, 0), timedelta(hours=9)) == ny(2026, 11, 1, 6, 0)


def test_boundary_in_a_dst_gap_moves_forward_by_the_gap() -> None:
    """An opening at 02:30 on the spring-forward night (a time that never happens) is 03:30."""
    cal = calendar(week={"sun": [["02:30", "05:00"]]})
    assert cal.next_open(ny(2026, 3, 8, 0, 0)) == ny(2026, 3, 8, 3, 30)
    assert cal.between(ny(2026, 3, 8), ny(2026, 3, 9)) == timedelta(hours=1, minutes=30)


def test_boundary_in_a_dst_fold_takes_the_earlier_offset() -> None:
    """01:30-03:00 on the fall-back night opens at the first 01:30 (EDT): 2.5 real hours."""
    cal = calendar(week={"sun": [["01:30", "03:00"]]})
    first_one_thirty = datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=0)
    assert cal.next_open(ny(2026, 11, 1, 0, 0)) == first_one_thirty
    assert cal.next_open(ny(2026, 11, 1, 0, 0)).utcoffset() == timedelta(hours=-4)
    assert cal.between(ny(2026, 11, 1), ny(2026, 11, 2)) == timedelta(hours=2, minutes=30)


def test_exception_replaces_a_dates_hours() -> None:
    """Christmas Eve 09:00-13:00 only; an empty exception closes the date."""
    cal = calendar(
        exceptions=[
            {"date": "2026-12-24", "hours": [["09:00", "13:00"]]},
            {"date": "2026-12-28", "hours": []},
        ]
    )
    assert cal.between(ny(2026, 12, 24), ny(2026, 12, 25)) == timedelta(hours=4)
    assert not cal.is_open(ny(2026, 12, 28, 10, 0))


def test_always_open_and_24_00_ends() -> None:
    """24x7 counts wall time; a 00:00-24:00 day joins the next one without a closing."""
    always = BusinessCalendar.from_dict({"name": "24x7", "timezone": "UTC", "always_open": True})
    start = datetime(2026, 3, 6, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert always.add(start, timedelta(hours=30)) == start + timedelta(hours=30)
    assert always.next_close(start) is None
    cal = calendar(week={"mon": [["00:00", "24:00"]], "tue": [["00:00", "12:00"]]})
    assert cal.next_close(ny(2026, 3, 2, 10, 0)) == ny(2026, 3, 3, 12, 0)


def test_next_close_and_open_spans() -> None:
    """next_close is the end of the open stretch; open_spans lists the counted intervals."""
    cal = calendar()
    assert cal.next_close(ny(2026, 3, 6, 16, 30)) == ny(2026, 3, 6, 17, 0)
    assert cal.next_close(ny(2026, 3, 7, 12, 0)) == ny(2026, 3, 9, 17, 0)
    spans = cal.open_spans(ny(2026, 3, 6, 16, 30), ny(2026, 3, 9, 16, 30))
    assert spans == [
        (ny(2026, 3, 6, 16, 30), ny(2026, 3, 6, 17, 0)),
        (ny(2026, 3, 9, 9, 0), ny(2026, 3, 9, 16, 30)),
    ]


def test_naive_datetimes_are_refused() -> None:
    """A naive datetime is a clear error, never silently read as UTC or local time."""
    cal = calendar()
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(datetime(2026, 3, 6, 16, 30), timedelta(hours=1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.between(ny(2026, 3, 6), datetime(2026, 3, 7))  # noqa: DTZ001


def test_negative_spans_and_durations_are_errors() -> None:
    """between() with end before start, and a negative duration, raise instead of returning 0."""
    cal = calendar()
    with pytest.raises(ValueError, match="before start"):
        cal.between(ny(2026, 3, 7), ny(2026, 3, 6))
    with pytest.raises(ValueError, match="negative"):
        cal.add(ny(2026, 3, 7), timedelta(hours=-1))


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"weeek": {}}, "unknown field 'weeek'"),
        ({"week": {"mon": [["09:00", "25:00"]]}}, "week.mon: Value error, time '25:00'"),
        ({"week": {"mon": [["09:00", "09:00"]]}}, "is empty"),
        ({"week": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "overlap"),
        ({"week": {"funday": [["09:00", "12:00"]]}}, "week.funday"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"week": {}}, "never open"),
        ({"holiday_sets": [{"country": "XX"}]}, "holiday_sets[0]"),
        ({"exceptions": [{"date": "2026-13-01", "hours": []}]}, "exceptions[0].date"),
    ],
)
def test_bad_documents_name_the_offending_path(doc: dict[str, Any], expected: str) -> None:
    """Invalid calendar documents fail with a message naming where the problem is."""
    full = {"name": "x", "timezone": "America/New_York", "week": WEEKDAYS_9_TO_5, **doc}
    if "weeek" in doc:
        full = {"name": "x", "timezone": "UTC", "always_open": True, **doc}
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar.from_dict(full)
    assert expected.replace("Value error, ", "") in "\n".join(
        describe_validation_error(caught.value)
    )


def test_a_dumped_calendar_validates_back_to_itself() -> None:
    """model_dump(mode="json") writes hours as HH:MM (24:00 and night shifts included), so a
    stored calendar document loads again unchanged."""
    cal = calendar(
        week={"mon": [["00:00", "24:00"]], "sat": [["22:00", "06:00"]]},
        exceptions=[{"date": "2026-12-24", "hours": [["09:00", "13:00"]]}],
    )
    doc = cal.spec.model_dump(mode="json")
    assert doc["week"] == {"mon": [["00:00", "24:00"]], "sat": [["22:00", "06:00"]]}
    assert doc["exceptions"][0]["hours"] == [["09:00", "13:00"]]
    assert BusinessCalendar.from_dict(doc).spec == cal.spec
