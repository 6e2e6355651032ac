"""Closed days from iCalendar files: a calendar document's ``holidays_from`` read into its
holidays when the document is read (never fetched while caseclock runs)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import closed_days_from_ics
from caseclock.document_files import load_document
from caseclock.errors import ValidationFailed

# The shape of a public holiday feed (one all-day VEVENT per holiday, DTEND exclusive), as
# Zammad imports them and as calendar applications export them (RFC 5545, 3.6.1).
FEED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//caseclock tests//holidays//EN\r
BEGIN:VEVENT\r
UID:christmas-2026@example.com\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20261225\r
DTEND;VALUE=DATE:20261226\r
SUMMARY:Christmas Day\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:shutdown-2026@example.com\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20261228\r
DTEND;VALUE=DATE:20261231\r
SUMMARY:Year-end shutdown\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:offsite@example.com\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=America/New_York:20260320T090000\r
DTEND;TZID=America/New_York:20260320T170000\r
SUMMARY:Team offsite\r
END:VEVENT\r
END:VCALENDAR\r
"""

WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_all_day_and_timed_events_close_the_days_they_cover() -> None:
    """An all-day event closes its date up to its exclusive end; a timed one the date it
    falls on, in its own zone."""
    assert closed_days_from_ics(FEED) == (
        date(2026, 3, 20),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
    )


def test_a_calendar_file_takes_its_holidays_from_an_ics_file(tmp_path: Path) -> None:
    """``holidays_from`` (relative to the calendar file) adds the feed's days to the
    holidays written by hand, and the calendar skips them when it counts."""
    (tmp_path / "holidays.ics").write_text(FEED, encoding="utf-8")
    document = {
        "name": "us-east",
        "timezone": "America/New_York",
        "week": WEEKDAYS,
        "holidays": ["2026-12-24"],
        "holidays_from": ["holidays.ics"],
    }
    (tmp_path / "cal.json").write_text(json.dumps(document), encoding="utf-8")
    loaded = load_document(tmp_path / "cal.json")
    assert "holidays_from" not in loaded
    assert loaded["holidays"][:2] == ["2026-03-20", "2026-12-24"]
    calendar = BusinessCalendar.from_dict(loaded)
    new_york = ZoneInfo("America/New_York")
    thursday = datetime(2026, 3, 19, 16, 0, tzinfo=new_york)
    # one hour on Thursday, Friday the 20th closed by the feed, seven on Monday
    assert calendar.add(thursday, timedelta(hours=8)) == datetime(
        2026, 3, 23, 16, 0, tzinfo=new_york
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not a calendar", "not an iCalendar file"),
        (FEED.replace("DTEND;VALUE=DATE:20261226\r\n", "RRULE:FREQ=YEARLY\r\n"), "repeats"),
    ],
)
def test_unusable_feeds_are_refused_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    """A file that is not iCalendar, or a recurring event it would have to expand, is refused
    with the file's name and the reason; a missing file likewise."""
    (tmp_path / "h.ics").write_text(content, encoding="utf-8")
    document = {"name": "x", "timezone": "UTC", "week": WEEKDAYS, "holidays_from": ["h.ics"]}
    (tmp_path / "cal.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValidationFailed, match=message):
        load_document(tmp_path / "cal.json")
    document["holidays_from"] = ["missing.ics"]
    (tmp_path / "cal.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"missing\.ics: cannot read"):
        load_document(tmp_path / "cal.json")
