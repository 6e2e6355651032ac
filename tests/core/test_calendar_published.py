"""The published test suites of the business-time libraries, restated as caseclock cases.

These are the situations other business-hours libraries pin down in their own test suites,
re-expressed with our API (``add``, ``between``, ``add_business_days``, ``end_of_business_day``,
``is_open``, ``next_open``, ``next_close``) and held to our conventions (docs/semantics.md, "Time").
No code is copied; each case restates the inputs and the expected instant. Where a library's
convention differs from ours, the expected value is ours and a comment says how theirs differs.
The ones that recur:

- A deadline that lands exactly on a closing time is that closing time. pandas' BusinessHour,
  Zammad and biz's business-day arithmetic roll it (or any closed instant) on to the next opening.
- A closing instant is closed: ``is_open(17:00)`` on a 09:00-17:00 day is False. biz's
  ``in_hours?`` and pandas' ``is_on_offset`` treat both ends as open.
- Business days keep the wall-clock time and clamp it into the target day's open hours;
  a closed start counts from the next opening. working_hours keeps a closed wall time as is.
- ``between`` of a closed span is zero (ERPNext records a 1-second floor) and a reversed span is
  an error (working_hours and business_time return a negative duration).

Sources (each case's id starts with its source):

- ``biz``: zendesk/biz, ``spec/`` (calculation/*, periods/*, time_spec, biz_spec)
- ``pandas``: pandas-dev/pandas, ``pandas/tests/tseries/offsets/test_business_hour.py``,
  ``test_custom_business_hour.py``, ``test_dst.py``
- ``btd``: seppemans/businesstimedelta, ``businesstimedelta/test/`` and its README
- ``working_hours``: Intrepidd/working_hours, ``spec/working_hours/computation_spec.rb``
- ``business_time``: bokmann/business_time, ``test/`` (business_hours, business_days,
  calculating_business_duration, time_extensions)
- ``zammad``: zammad/zammad, ``spec/models/ticket/escalation_examples.rb``,
  ``test/unit/ticket_sla_test.rb``
- ``erpnext``: frappe/erpnext, ``erpnext/support/doctype/issue/test_issue.py``
- ``helpdesk``: frappe/helpdesk, ``helpdesk/helpdesk/doctype/hd_ticket/test_hd_ticket.py``
- ``design``: DST weeks none of the suites covers in our zones, stated from docs/semantics.md
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest

from caseclock import BusinessCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
EVERY_DAY = (*WEEKDAYS, "sat", "sun")


def _hours(days: tuple[str, ...], *intervals: tuple[str, str]) -> dict[str, list[list[str]]]:
    return {day: [list(interval) for interval in intervals] for day in days}


def _doc(timezone: str, week: dict[str, list[list[str]]], **extra: Any) -> dict[str, Any]:
    return {"timezone": timezone, "week": week, **extra}


NINE_TO_FIVE = _hours(WEEKDAYS, ("09:00", "17:00"))
TEN_TO_SIX = _hours(WEEKDAYS, ("10:00", "18:00"))
LUNCH_BREAK = _hours(WEEKDAYS, ("09:00", "12:00"), ("13:00", "18:00"))
SPLIT_MONDAY = {"mon": [["07:00", "12:00"], ["13:00", "18:00"]]}

CALENDARS: dict[str, dict[str, Any]] = {
    # biz's spec schedule: uneven days and a short Saturday, in UTC.
    "biz": _doc(
        "Etc/UTC",
        {
            "mon": [["09:00", "17:00"]],
            "tue": [["10:00", "16:00"]],
            "wed": [["09:00", "17:00"]],
            "thu": [["10:00", "16:00"]],
            "fri": [["09:00", "17:00"]],
            "sat": [["11:00", "14:30"]],
        },
    ),
    "biz-sunday-hour": _doc("Africa/Abidjan", {"sun": [["11:00", "12:00"]]}),
    "biz-la-saturday": _doc("America/Los_Angeles", {"sat": [["06:00", "18:00"]]}),
    # Sunday 02:30-03:15 on the spring-forward day: 02:30 moves to 03:30, the interval vanishes.
    "biz-la-gap": _doc(
        "America/Los_Angeles", {"sun": [["02:30", "03:15"]], "mon": [["09:00", "17:00"]]}
    ),
    "biz-la-gap-opening": _doc("America/Los_Angeles", {"sun": [["02:30", "05:00"]]}),
    "biz-la-fold-opening": _doc("America/Los_Angeles", {"sun": [["01:30", "03:00"]]}),
    "biz-sao-paulo-endnight": _doc("America/Sao_Paulo", {"sat": [["20:00", "24:00"]]}),
    "biz-break": _doc(
        "Etc/UTC",
        NINE_TO_FIVE,
        exceptions=[{"date": "2006-01-04", "hours": [["09:00", "11:00"], ["13:00", "17:00"]]}],
    ),
    "biz-holiday": _doc("Etc/UTC", NINE_TO_FIVE, holidays=["2006-01-04"]),
    # pandas BusinessHour: Monday-Friday, no holidays (2014-07-04 is an ordinary Friday).
    "pandas": _doc("Etc/UTC", NINE_TO_FIVE),
    "pandas-13-16": _doc("Etc/UTC", _hours(WEEKDAYS, ("13:00", "16:00"))),
    "pandas-night": _doc("Etc/UTC", _hours(WEEKDAYS, ("19:00", "05:00"))),
    "pandas-late-night": _doc("Etc/UTC", _hours(WEEKDAYS, ("21:00", "02:00"))),
    "pandas-long-day": _doc("Etc/UTC", _hours(WEEKDAYS, ("00:00", "23:00"))),
    "pandas-split": _doc("Etc/UTC", _hours(WEEKDAYS, ("09:00", "12:00"), ("14:00", "18:00"))),
    "pandas-custom": _doc(
        "Etc/UTC", NINE_TO_FIVE, holidays=["2014-06-27", "2014-06-30", "2014-07-02"]
    ),
    "pandas-us-federal": _doc("Etc/UTC", NINE_TO_FIVE, holiday_sets=[{"country": "US"}]),
    "pandas-mon-sat": _doc(
        "Etc/UTC", _hours((*WEEKDAYS, "sat"), ("08:00", "17:00")), holidays=["2018-11-09"]
    ),
    "pandas-tue-sat": _doc(
        "Etc/UTC",
        _hours(("tue", "wed", "thu", "fri", "sat"), ("08:00", "17:00")),
        holidays=["2018-11-09"],
    ),
    "pandas-sun-mon-ny": _doc("America/New_York", _hours(("sun", "mon"), ("00:00", "24:00"))),
    # businesstimedelta: WorkDayRule 9-17, and the README's 9-18 with a 12-13 LunchTimeRule.
    "btd": _doc("Etc/UTC", NINE_TO_FIVE),
    "btd-lunch": _doc("Etc/UTC", LUNCH_BREAK),
    "btd-lunch-ca": _doc(
        "Etc/UTC", LUNCH_BREAK, holiday_sets=[{"country": "US", "subdivision": "CA"}]
    ),
    "btd-santiago": _doc("America/Santiago", LUNCH_BREAK),
    # working_hours: Monday-Friday 9-17 UTC by default.
    "wh": _doc("Etc/UTC", NINE_TO_FIVE),
    "wh-tokyo": _doc("Asia/Tokyo", NINE_TO_FIVE),
    "wh-may-day": _doc("Etc/UTC", NINE_TO_FIVE, holidays=["2014-05-01"]),
    "wh-mon-wed": _doc("Etc/UTC", _hours(("mon", "wed"), ("09:00", "17:00"))),
    "wh-mon-wed-holiday": _doc(
        "Etc/UTC", _hours(("mon", "wed"), ("09:00", "17:00")), holidays=["2014-04-09"]
    ),
    "wh-no-tue-fri-sat": _doc("Etc/UTC", _hours(("mon", "wed", "thu", "sun"), ("09:00", "17:00"))),
    "wh-tue-holiday": _doc("Etc/UTC", NINE_TO_FIVE, holidays=["2014-04-08"]),
    "wh-wed-holiday": _doc("Etc/UTC", NINE_TO_FIVE, holidays=["2014-04-09"]),
    "wh-split-monday": _doc("Etc/UTC", SPLIT_MONDAY),
    "wh-split-week": _doc(
        "Etc/UTC", {**_hours(("tue", "wed", "thu", "fri"), ("09:00", "17:00")), **SPLIT_MONDAY}
    ),
    "wh-monday-24h": _doc("Etc/UTC", {"mon": [["00:00", "24:00"]]}),
    "wh-monday-24h-tue": _doc(
        "Etc/UTC", {"mon": [["00:00", "24:00"]], "tue": [["09:00", "17:00"]]}
    ),
    # business_time: Monday-Friday 9-17 by default; its Eastern suite runs in US Eastern.
    "bt": _doc("Etc/UTC", NINE_TO_FIVE),
    "bt-eastern-jul5": _doc("America/New_York", NINE_TO_FIVE, holidays=["2010-07-05"]),
    "bt-jul5": _doc("Etc/UTC", NINE_TO_FIVE, holidays=["2010-07-05"]),
    "bt-jul4": _doc("Etc/UTC", NINE_TO_FIVE, holidays=["2010-07-04"]),
    "bt-mon-fri-sat": _doc(
        "Etc/UTC",
        {"mon": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]], "sat": [["10:00", "15:00"]]},
    ),
    "bt-whole-days": _doc(
        "Etc/UTC",
        {"mon": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["11:00", "15:00"]]},
    ),
    "bt-all-whole-days": _doc("Etc/UTC", _hours(("mon", "fri", "sat", "sun"), ("00:00", "24:00"))),
    "bt-friday": _doc("Etc/UTC", {"fri": [["09:00", "17:00"]]}),
    "bt-9-18": _doc("Etc/UTC", _hours(("mon", "tue", "wed"), ("09:00", "18:00"))),
    "bt-8-20": _doc("Etc/UTC", _hours(("mon", "tue"), ("08:00", "20:00"))),
    # Zammad calendars (Europe/Berlin; "active: false" days are closed).
    "zammad-eu1": _doc("Europe/Berlin", NINE_TO_FIVE),
    "zammad-eu4": _doc(
        "Europe/Berlin", _hours(EVERY_DAY, ("08:00", "17:00")), holidays=["2015-09-22"]
    ),
    "zammad-eu5": _doc("Europe/Berlin", _hours(EVERY_DAY, ("09:00", "18:00"))),
    "zammad-holiday": _doc(
        "Europe/Berlin", _hours(WEEKDAYS, ("08:00", "20:00")), holidays=["2016-11-01"]
    ),
    # Frappe (ERPNext, Helpdesk): Monday-Friday 10-18.
    "frappe": _doc("Etc/UTC", TEN_TO_SIX),
    "frappe-thu-fri-off": _doc("Etc/UTC", TEN_TO_SIX, holidays=["2024-06-06", "2024-06-07"]),
    # DST weeks in the zones caseclock's own examples use.
    "ny": _doc("America/New_York", NINE_TO_FIVE),
    "ny-us-holidays": _doc("America/New_York", NINE_TO_FIVE, holiday_sets=[{"country": "US"}]),
    "ny-daily": _doc("America/New_York", _hours(EVERY_DAY, ("09:00", "17:00"))),
    "ny-night": _doc("America/New_York", _hours(EVERY_DAY, ("22:00", "06:00"))),
    "berlin": _doc("Europe/Berlin", NINE_TO_FIVE),
    "berlin-night": _doc("Europe/Berlin", _hours(EVERY_DAY, ("22:00", "06:00"))),
    "sydney-night": _doc("Australia/Sydney", _hours(EVERY_DAY, ("22:00", "06:00"))),
    "sydney-24x7": {"timezone": "Australia/Sydney", "always_open": True},
}


@cache
def calendar(name: str) -> BusinessCalendar:
    return BusinessCalendar.from_dict({"name": name, **CALENDARS[name]})


def at(text: str) -> datetime:
    """An aware instant from ISO text with an explicit offset, e.g. ``2006-01-02T09:00+00:00``."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text} needs an offset"
    return value


def utc(value: datetime | None) -> datetime:
    """The same instant in UTC. Python never finds an instant in a DST fold equal to one in
    another zone (PEP 495), so results are compared in UTC."""
    assert value is not None
    return value.astimezone(UTC)


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


# --- add -------------------------------------------------------------------------------------

ADD_CASES = [
    # zendesk/biz (UTC schedule: Mon/Wed/Fri 9-17, Tue/Thu 10-16, Sat 11-14:30)
    pytest.param(
        "biz", "2006-01-02T11:00+00:00", h(19), "2006-01-04T16:00+00:00", id="biz:hours-after"
    ),
    pytest.param(
        "biz", "2006-01-04T14:00+00:00", h(3), "2006-01-04T17:00+00:00", id="biz:ends-at-close"
    ),
    pytest.param(
        "biz", "2006-01-04T15:30+00:00", m(90), "2006-01-04T17:00+00:00", id="biz:minutes-to-close"
    ),
    pytest.param(
        "biz", "2006-01-04T15:58:30+00:00", s(90), "2006-01-04T16:00+00:00", id="biz:seconds"
    ),
    pytest.param(
        "biz", "2006-01-03T00:00+00:00", h(0), "2006-01-03T10:00+00:00", id="biz:zero-when-closed"
    ),
    pytest.param(
        "biz-sunday-hour",
        "2006-01-01T00:00+00:00",
        h(2),
        "2006-01-08T12:00+00:00",
        id="biz:one-hour-a-week",
    ),
    # pandas BusinessHour (Mon-Fri 09-17 UTC)
    pytest.param(
        "pandas", "2014-07-01T11:00+00:00", h(1), "2014-07-01T12:00+00:00", id="pandas:in-hours"
    ),
    # pandas rolls a result at closing time to the next opening (2014-07-02 09:00).
    pytest.param(
        "pandas",
        "2014-07-01T16:00+00:00",
        h(1),
        "2014-07-01T17:00+00:00",
        id="pandas:ends-at-close",
    ),
    pytest.param(
        "pandas",
        "2014-07-01T17:00+00:00",
        h(1),
        "2014-07-02T10:00+00:00",
        id="pandas:start-at-close",
    ),
    # pandas: 2014-07-02 09:00.
    pytest.param(
        "pandas", "2014-07-01T13:00+00:00", h(4), "2014-07-01T17:00+00:00", id="pandas:4h-to-close"
    ),
    # pandas: 2014-07-09 09:00 (the closing time rolled on).
    pytest.param(
        "pandas",
        "2014-07-01T17:00+00:00",
        h(40),
        "2014-07-08T17:00+00:00",
        id="pandas:40h-from-close",
    ),
    # pandas: 2014-07-14 09:00.
    pytest.param(
        "pandas",
        "2014-07-05T15:00+00:00",
        h(40),
        "2014-07-11T17:00+00:00",
        id="pandas:40h-from-saturday",
    ),
    # pandas: 2014-07-02 13:00.
    pytest.param(
        "pandas-13-16",
        "2014-07-01T15:00+00:00",
        h(1),
        "2014-07-01T16:00+00:00",
        id="pandas:short-day-to-close",
    ),
    pytest.param(
        "pandas-night",
        "2014-07-02T04:30+00:00",
        h(1),
        "2014-07-02T19:30+00:00",
        id="pandas:night-shift-tail",
    ),
    pytest.param(
        "pandas-night",
        "2014-07-04T23:00+00:00",
        h(1),
        "2014-07-05T00:00+00:00",
        id="pandas:friday-shift-into-saturday",
    ),
    # pandas: Monday 2014-07-07 19:00.
    pytest.param(
        "pandas-night",
        "2014-07-05T04:00+00:00",
        h(1),
        "2014-07-05T05:00+00:00",
        id="pandas:friday-shift-to-close",
    ),
    # pandas: 14:00, the next opening after the break.
    pytest.param(
        "pandas-split",
        "2014-07-01T11:00+00:00",
        h(1),
        "2014-07-01T12:00+00:00",
        id="pandas:split-ends-at-break",
    ),
    pytest.param(
        "pandas-split",
        "2014-07-02T08:00+00:00",
        h(4),
        "2014-07-02T15:00+00:00",
        id="pandas:split-across-break",
    ),
    pytest.param(
        "pandas-late-night",
        "2014-07-01T11:00+00:00",
        h(28),
        "2014-07-09T00:00+00:00",
        id="pandas:night-28h",
    ),
    # pandas: 2014-07-09 21:00.
    pytest.param(
        "pandas-late-night",
        "2014-07-01T23:00+00:00",
        h(28),
        "2014-07-09T02:00+00:00",
        id="pandas:night-28h-to-close",
    ),
    pytest.param(
        "pandas-late-night",
        "2014-07-07T01:00+00:00",
        h(28),
        "2014-07-15T00:00+00:00",
        id="pandas:night-28h-sunday-tail-closed",
    ),
    pytest.param(
        "pandas-custom",
        "2014-07-01T16:30:15+00:00",
        h(1),
        "2014-07-03T09:30:15+00:00",
        id="pandas:custom-over-holiday",
    ),
    pytest.param(
        "pandas-us-federal",
        "2014-01-17T15:00+00:00",
        h(8),
        "2014-01-21T15:00+00:00",
        id="pandas:us-federal-mlk-day",
    ),
    # pandas: Tuesday 2018-11-13 08:00.
    pytest.param(
        "pandas-tue-sat",
        "2018-11-08T08:00+00:00",
        h(18),
        "2018-11-10T17:00+00:00",
        id="pandas:weekmask-to-saturday-close",
    ),
    # A multi-week target: 10 weeks of 40 h. pandas: Monday 2014-09-15 09:00.
    pytest.param(
        "pandas", "2014-07-07T09:00+00:00", h(400), "2014-09-12T17:00+00:00", id="pandas:400h"
    ),
    # businesstimedelta
    pytest.param(
        "btd", "2016-01-23T13:14+00:00", h(2), "2016-01-25T11:00+00:00", id="btd:from-weekend"
    ),
    pytest.param(
        "btd", "2016-01-22T09:00+00:00", h(8), "2016-01-22T17:00+00:00", id="btd:exactly-one-day"
    ),
    pytest.param(
        "btd",
        "2016-01-23T13:14+00:00",
        h(12),
        "2016-01-26T13:00+00:00",
        id="btd:more-than-one-day",
    ),
    pytest.param(
        "btd-lunch",
        "2016-01-18T09:00+00:00",
        h(40),
        "2016-01-22T18:00+00:00",
        id="btd:readme-40h-with-lunch",
    ),
    # working_hours
    pytest.param(
        "wh",
        "1991-11-15T16:59:42+00:00",
        s(120),
        "1991-11-18T09:01:42+00:00",
        id="working_hours:seconds-over-weekend",
    ),
    pytest.param(
        "wh-tokyo",
        "1991-11-15T07:00+00:00",
        h(3),
        "1991-11-18T11:00+09:00",
        id="working_hours:tokyo-friday-afternoon",
    ),
    pytest.param(
        "wh-split-monday",
        "1991-11-11T05:00+00:00",
        h(6),
        "1991-11-11T14:00+00:00",
        id="working_hours:two-timespans",
    ),
    pytest.param(
        "wh-monday-24h",
        "2014-04-07T23:59:30+00:00",
        s(60),
        "2014-04-14T00:00:30+00:00",
        id="working_hours:midnight-to-next-monday",
    ),
    # business_time
    pytest.param(
        "bt",
        "2010-04-09T16:50+00:00",
        h(1),
        "2010-04-12T09:50+00:00",
        id="business_time:over-weekend",
    ),
    pytest.param(
        "bt-eastern-jul5",
        "2010-07-02T16:50-04:00",
        h(1),
        "2010-07-06T09:50-04:00",
        id="business_time:eastern-holiday-monday",
    ),
    pytest.param(
        "bt-mon-fri-sat",
        "2010-12-24T08:00+00:00",
        h(15),
        "2010-12-27T11:00+00:00",
        id="business_time:work-hours-before-open",
    ),
    pytest.param(
        "bt-whole-days",
        "2010-12-24T15:00+00:00",
        h(24),
        "2010-12-27T11:00+00:00",
        id="business_time:whole-days",
    ),
    pytest.param(
        "bt-friday",
        "2010-12-24T08:00+00:00",
        h(8),
        "2010-12-24T17:00+00:00",
        id="business_time:whole-day-to-close",
    ),
    # Zammad (Europe/Berlin calendars; Zammad works in whole minutes)
    pytest.param(
        "zammad-eu1",
        "2013-03-21T09:30+00:00",
        m(180),
        "2013-03-21T12:30+00:00",
        id="zammad:update-time-winter",
    ),
    pytest.param(
        "zammad-eu4",
        "2013-10-21T05:30+00:00",
        m(120),
        "2013-10-21T08:00+00:00",
        id="zammad:before-open-summer",
    ),
    pytest.param(
        "zammad-eu4",
        "2015-09-21T14:30+00:00",
        m(120),
        "2015-09-23T07:30+00:00",
        id="zammad:over-holiday",
    ),
    # The 60 min left after a pending pause, resumed at 15:00 UTC (17:00 Berlin): Zammad
    # reports the next opening, 2013-06-05 07:00 UTC; we keep the closing time.
    pytest.param(
        "zammad-eu5",
        "2013-06-04T15:00+00:00",
        m(60),
        "2013-06-04T16:00+00:00",
        id="zammad:resume-to-close",
    ),
    pytest.param(
        "zammad-holiday",
        "2016-11-01T13:56:21+00:00",
        m(120),
        "2016-11-02T09:00+00:00",
        id="zammad:created-on-holiday",
    ),
    pytest.param(
        "zammad-holiday",
        "2016-11-07T13:26+00:00",
        m(1200),
        "2016-11-09T09:26+00:00",
        id="zammad:1200m-over-two-nights",
    ),
    # ERPNext and Helpdesk (Mon-Fri 10-18); Helpdesk's "current week" is 2024-06-03.
    pytest.param(
        "frappe",
        "2019-03-04T12:00+00:00",
        h(6),
        "2019-03-04T18:00+00:00",
        id="erpnext:resolution-to-close",
    ),
    pytest.param(
        "frappe",
        "2019-03-04T07:00+00:00",
        h(4),
        "2019-03-04T14:00+00:00",
        id="erpnext:before-hours",
    ),
    pytest.param(
        "frappe",
        "2024-06-03T20:00+00:00",
        m(30),
        "2024-06-04T10:30+00:00",
        id="helpdesk:after-hours",
    ),
    pytest.param(
        "frappe",
        "2024-06-08T15:00+00:00",
        h(24),
        "2024-06-12T18:00+00:00",
        id="helpdesk:saturday-24h-to-close",
    ),
    pytest.param(
        "frappe",
        "2024-06-08T15:00+00:00",
        h(72),
        "2024-06-20T18:00+00:00",
        id="helpdesk:saturday-72h",
    ),
    pytest.param(
        "frappe-thu-fri-off",
        "2024-06-06T15:00+00:00",
        m(30),
        "2024-06-10T10:30+00:00",
        id="helpdesk:thursday-friday-holidays",
    ),
    # 2 h resolution plus 1 h of hold time ends at the 18:00 close; one second more, next day.
    pytest.param(
        "frappe",
        "2024-06-06T15:00+00:00",
        h(3),
        "2024-06-06T18:00+00:00",
        id="helpdesk:hold-time-to-close",
    ),
    pytest.param(
        "frappe",
        "2024-06-06T15:00+00:00",
        h(3) + s(1),
        "2024-06-07T10:00:01+00:00",
        id="helpdesk:hold-time-past-close",
    ),
    # DST weeks (docs/semantics.md): wall-clock hours, real elapsed time.
    pytest.param(
        "ny",
        "2026-03-06T16:00-05:00",
        h(2),
        "2026-03-09T10:00-04:00",
        id="design:ny-over-spring-forward",
    ),
    pytest.param(
        "ny",
        "2026-10-30T16:00-04:00",
        h(2),
        "2026-11-02T10:00-05:00",
        id="design:ny-over-fall-back",
    ),
    pytest.param(
        "ny-us-holidays",
        "2026-11-23T09:00-05:00",
        h(120),
        "2026-12-14T17:00-05:00",
        id="design:ny-three-weeks-over-thanksgiving",
    ),
    pytest.param(
        "berlin",
        "2026-03-27T16:00+01:00",
        h(2),
        "2026-03-30T10:00+02:00",
        id="design:berlin-over-spring-forward",
    ),
    # The 22:00-06:00 shift is 9 h on the night Sydney leaves DST, 7 h on the night it enters.
    pytest.param(
        "sydney-night",
        "2026-04-04T22:00+11:00",
        h(8),
        "2026-04-05T05:00+10:00",
        id="design:sydney-shift-leaving-dst",
    ),
    pytest.param(
        "sydney-night",
        "2026-10-03T22:00+10:00",
        h(7),
        "2026-10-04T06:00+11:00",
        id="design:sydney-shift-entering-dst-to-close",
    ),
]


@pytest.mark.parametrize(("name", "start", "duration", "expected"), ADD_CASES)
def test_add(name: str, start: str, duration: timedelta, expected: str) -> None:
    """``add`` lands where the library's case lands, converted to our conventions."""
    assert utc(calendar(name).add(at(start), duration)) == utc(at(expected))


# --- between ---------------------------------------------------------------------------------

BETWEEN_CASES = [
    pytest.param(
        "biz", "2006-01-01T00:00+00:00", "2006-01-08T00:00+00:00", h(39.5), id="biz:whole-week"
    ),
    pytest.param(
        "biz", "2006-01-01T00:00+00:00", "2006-01-01T00:00+00:00", h(0), id="biz:empty-span"
    ),
    pytest.param(
        "biz-sunday-hour",
        "2006-01-01T11:30+00:00",
        "2006-01-08T11:30+00:00",
        h(1),
        id="biz:halves-of-two-periods",
    ),
    # pandas-style split day, read on both sides of the break.
    pytest.param(
        "pandas-split",
        "2014-07-01T11:30+00:00",
        "2014-07-01T14:30+00:00",
        h(1),
        id="pandas:both-sides-of-break",
    ),
    pytest.param(
        "pandas-custom",
        "2014-07-01T16:00+00:00",
        "2014-07-03T10:00+00:00",
        h(2),
        id="pandas:both-sides-of-holiday",
    ),
    pytest.param(
        "btd-lunch",
        "2016-01-18T09:00+00:00",
        "2016-01-25T09:00+00:00",
        h(40),
        id="btd:readme-week",
    ),
    pytest.param(
        "btd-lunch-ca",
        "2015-12-21T09:00+00:00",
        "2015-12-28T09:00+00:00",
        h(32),
        id="btd:readme-christmas-week",
    ),
    pytest.param(
        "btd-santiago",
        "2016-01-18T09:00-08:00",
        "2016-01-18T18:00-08:00",
        h(4),
        id="btd:santiago-hours-seen-from-sf",
    ),
    pytest.param(
        "wh",
        "2014-04-11T20:00+00:00",
        "2014-04-14T05:00+00:00",
        h(0),
        id="working_hours:closed-span",
    ),
    # working_hours drops fractions of a second; we count them, so the instants are whole.
    pytest.param(
        "wh",
        "2014-04-13T09:10:24+00:00",
        "2014-04-14T09:10:24+00:00",
        s(624),
        id="working_hours:sunday-to-monday",
    ),
    pytest.param(
        "wh",
        "2014-04-07T07:00+00:00",
        "2014-04-07T20:00+00:00",
        h(8),
        id="working_hours:outside-both-ends",
    ),
    pytest.param(
        "wh-monday-24h",
        "2014-04-06T12:00+00:00",
        "2016-04-06T12:00+00:00",
        h(24 * 105),
        id="working_hours:two-years-of-mondays",
    ),
    pytest.param(
        "wh-split-monday",
        "2014-04-07T11:59+00:00",
        "2014-04-07T13:01+00:00",
        m(2),
        id="working_hours:across-break",
    ),
    pytest.param(
        "wh-split-monday",
        "2014-04-07T11:00+00:00",
        "2014-04-14T13:00+00:00",
        h(11),
        id="working_hours:to-next-week-opening",
    ),
    pytest.param(
        "wh",
        "2014-04-07T01:00-09:00",
        "2014-04-07T15:00-04:00",
        h(7),
        id="working_hours:foreign-offsets",
    ),
    pytest.param(
        "bt",
        "2012-02-01T07:25+00:00",
        "2012-02-01T15:30+00:00",
        m(390),
        id="business_time:start-before-open",
    ),
    pytest.param(
        "bt",
        "2012-02-01T10:00+00:00",
        "2012-02-09T11:00+00:00",
        h(49),
        id="business_time:several-days",
    ),
    # business_time's documentation example gives 8 h 10 min for Friday 10:40 to Saturday
    # 10:50; the open time in that span is Friday 10:40-17:00.
    pytest.param(
        "bt",
        "2012-02-03T10:40+00:00",
        "2012-02-04T10:50+00:00",
        h(6) + m(20),
        id="business_time:documented-example",
    ),
    pytest.param(
        "bt-mon-fri-sat",
        "2010-12-24T15:00+00:00",
        "2010-12-27T11:00+00:00",
        h(9),
        id="business_time:work-hours",
    ),
    pytest.param(
        "bt-all-whole-days",
        "2010-12-24T15:00+00:00",
        "2010-12-27T11:00+00:00",
        h(68),
        id="business_time:whole-days",
    ),
    pytest.param(
        "bt-9-18",
        "2012-05-28T11:04:26+03:00",
        "2012-05-29T17:56:45+03:00",
        s(53805),
        id="business_time:utc-calendar-foreign-offsets",
    ),
    pytest.param(
        "bt-8-20",
        "2014-05-12T20:50+00:00",
        "2014-05-13T08:10+00:00",
        m(10),
        id="business_time:overnight-gap",
    ),
    pytest.param(
        "zammad-eu1",
        "2013-03-21T09:30+00:00",
        "2013-03-21T14:00+00:00",
        m(270),
        id="zammad:first-response-in-min",
    ),
    # ERPNext records 1 second for a span with no working time in it.
    pytest.param(
        "frappe",
        "2021-06-28T19:00+00:00",
        "2021-06-28T20:00+00:00",
        h(0),
        id="erpnext:frt-both-after-hours",
    ),
    pytest.param(
        "frappe",
        "2021-06-25T06:00+00:00",
        "2021-06-26T11:00+00:00",
        h(8),
        id="erpnext:frt-reply-on-saturday",
    ),
    pytest.param(
        "frappe",
        "2021-06-28T06:00+00:00",
        "2021-07-01T11:00+00:00",
        h(25),
        id="erpnext:frt-few-days",
    ),
    # DST: zendesk/biz's boundary rules (gap moves forward, fold takes the earlier offset).
    pytest.param(
        "biz-la-fold-opening",
        "2014-11-02T00:00-07:00",
        "2014-11-02T04:00-08:00",
        h(2.5),
        id="biz:opening-in-fold-takes-earlier-offset",
    ),
    pytest.param(
        "biz-sao-paulo-endnight",
        "2015-10-17T19:00-03:00",
        "2015-10-18T02:00-02:00",
        h(4),
        id="biz:endnight-in-gap-moves-forward",
    ),
    pytest.param(
        "ny",
        "2026-03-06T09:00-05:00",
        "2026-03-09T17:00-04:00",
        h(16),
        id="design:ny-spring-forward-weekend",
    ),
    pytest.param(
        "ny-daily",
        "2026-03-08T00:00-05:00",
        "2026-03-09T00:00-04:00",
        h(8),
        id="design:ny-day-on-spring-forward",
    ),
    pytest.param(
        "ny-night",
        "2026-03-07T21:00-05:00",
        "2026-03-08T07:00-04:00",
        h(7),
        id="design:ny-night-shift-spring",
    ),
    pytest.param(
        "ny-night",
        "2026-10-31T21:00-04:00",
        "2026-11-01T07:00-05:00",
        h(9),
        id="design:ny-night-shift-fall",
    ),
    pytest.param(
        "berlin-night",
        "2026-03-28T21:00+01:00",
        "2026-03-29T07:00+02:00",
        h(7),
        id="design:berlin-night-shift-spring",
    ),
    pytest.param(
        "berlin-night",
        "2026-10-24T21:00+02:00",
        "2026-10-25T07:00+01:00",
        h(9),
        id="design:berlin-night-shift-fall",
    ),
    pytest.param(
        "sydney-night",
        "2026-04-04T21:00+11:00",
        "2026-04-05T07:00+10:00",
        h(9),
        id="design:sydney-night-shift-autumn",
    ),
    pytest.param(
        "sydney-24x7",
        "2026-09-28T00:00+10:00",
        "2026-10-05T00:00+11:00",
        h(167),
        id="design:sydney-24x7-week-entering-dst",
    ),
]


@pytest.mark.parametrize(("name", "start", "end", "expected"), BETWEEN_CASES)
def test_between(name: str, start: str, end: str, expected: timedelta) -> None:
    """``between`` counts the open time in ``[start, end)`` as the library's case does."""
    assert calendar(name).between(at(start), at(end)) == expected


def test_between_reversed_span_is_an_error() -> None:
    """working_hours and business_time return a negative duration for a reversed span
    (-5 h for 15:00 back to 10:00); we refuse it rather than count backwards."""
    with pytest.raises(ValueError, match="before start"):
        calendar("wh").between(at("2014-04-07T15:00+00:00"), at("2014-04-07T10:00+00:00"))


# --- business days ---------------------------------------------------------------------------

BUSINESS_DAY_CASES = [
    # biz counts Saturday (open 11-14:30) as a business day.
    pytest.param(
        "biz", "2006-01-06T12:00+00:00", 2, "2006-01-09T12:00+00:00", id="biz:days-over-saturday"
    ),
    pytest.param(
        "biz",
        "2006-01-03T08:00+00:00",
        2,
        "2006-01-05T10:00+00:00",
        id="biz:days-before-opening",
    ),
    # biz lands on Thursday 18:00 and rolls forward; we count from Wednesday's opening.
    pytest.param(
        "biz", "2006-01-03T18:00+00:00", 2, "2006-01-06T09:00+00:00", id="biz:days-after-close"
    ),
    pytest.param(
        "biz",
        "2006-01-06T12:30:52+00:00",
        2,
        "2006-01-09T12:30:52+00:00",
        id="biz:days-keep-seconds",
    ),
    pytest.param(
        "biz", "2006-01-02T13:00+00:00", 0, "2006-01-02T13:00+00:00", id="biz:zero-days-when-open"
    ),
    # Wednesday 16:30 + 1 day is past Thursday's 16:00 close: we clamp to that close,
    # biz rolls on to Friday 09:00.
    pytest.param(
        "biz",
        "2006-01-04T16:30+00:00",
        1,
        "2006-01-05T16:00+00:00",
        id="biz:days-clamped-to-shorter-day",
    ),
    pytest.param(
        "wh",
        "1991-11-15T14:00:42+00:00",
        1,
        "1991-11-18T14:00:42+00:00",
        id="working_hours:friday-to-monday",
    ),
    pytest.param(
        "wh-mon-wed",
        "2014-04-07T10:00+00:00",
        1,
        "2014-04-09T10:00+00:00",
        id="working_hours:skips-closed-weekday",
    ),
    pytest.param(
        "wh-no-tue-fri-sat",
        "2014-04-08T10:00+00:00",
        1,
        "2014-04-10T09:00+00:00",
        id="working_hours:closed-origin-day",
    ),
    pytest.param(
        "wh-tue-holiday",
        "2014-04-07T10:00+00:00",
        1,
        "2014-04-09T10:00+00:00",
        id="working_hours:skips-holiday",
    ),
    pytest.param(
        "wh-wed-holiday",
        "2014-04-09T10:00+00:00",
        1,
        "2014-04-11T09:00+00:00",
        id="working_hours:holiday-origin",
    ),
    pytest.param(
        "wh-mon-wed-holiday",
        "2014-04-07T10:00+00:00",
        3,
        "2014-04-21T10:00+00:00",
        id="working_hours:holidays-and-closed-days",
    ),
    # Thursday 21:00 UTC is Friday 06:00 in Tokyo, before opening: working_hours keeps 06:00
    # (Monday 06:00 JST); we count from Friday's 09:00 opening.
    pytest.param(
        "wh-tokyo",
        "1991-11-14T21:00+00:00",
        1,
        "1991-11-18T09:00+09:00",
        id="working_hours:tokyo-before-opening",
    ),
    pytest.param(
        "bt",
        "2010-04-09T12:33+00:00",
        1,
        "2010-04-12T12:33+00:00",
        id="business_time:over-weekend",
    ),
    pytest.param(
        "bt",
        "2010-04-10T12:33+00:00",
        0,
        "2010-04-12T09:00+00:00",
        id="business_time:zero-days-on-weekend",
    ),
    pytest.param(
        "bt-jul5",
        "2010-07-02T16:50+00:00",
        1,
        "2010-07-06T16:50+00:00",
        id="business_time:holiday-monday",
    ),
    pytest.param(
        "bt-jul4",
        "2010-07-02T16:50+00:00",
        1,
        "2010-07-05T16:50+00:00",
        id="business_time:holiday-on-sunday",
    ),
    pytest.param(
        "bt",
        "2015-10-14T01:54+00:00",
        1,
        "2015-10-15T09:00+00:00",
        id="business_time:before-hours",
    ),
    pytest.param(
        "bt",
        "2015-10-14T21:54+00:00",
        1,
        "2015-10-16T09:00+00:00",
        id="business_time:after-hours",
    ),
    # pandas counts 01:00 on a Wednesday as part of Tuesday's 19:00-05:00 shift (an interval
    # belongs to the day it starts on): one business day later is the same point of
    # Wednesday's shift, Thursday 01:00.
    pytest.param(
        "pandas-night",
        "2014-07-02T01:00+00:00",
        1,
        "2014-07-03T01:00+00:00",
        id="pandas:night-shift-next-business-day",
    ),
    # pandas raises AmbiguousTimeError: the target 01:20 occurs twice on 2021-11-07.
    # We take the earlier offset (EDT), as docs/semantics.md decides for folds.
    pytest.param(
        "pandas-sun-mon-ny",
        "2021-10-31T01:20-04:00",
        2,
        "2021-11-07T01:20-04:00",
        id="pandas:custom-day-lands-in-fold",
    ),
    pytest.param(
        "ny",
        "2026-03-06T10:00-05:00",
        1,
        "2026-03-09T10:00-04:00",
        id="design:ny-same-wall-time-after-spring-forward",
    ),
]


@pytest.mark.parametrize(("name", "start", "days", "expected"), BUSINESS_DAY_CASES)
def test_add_business_days(name: str, start: str, days: int, expected: str) -> None:
    """``add_business_days`` keeps the wall-clock time on the n-th open day, clamped into
    its hours, counting from the next opening when the start is closed."""
    assert utc(calendar(name).add_business_days(at(start), days)) == utc(at(expected))


END_OF_DAY_CASES = [
    pytest.param(
        "bt",
        "2010-08-17T11:50+00:00",
        0,
        "2010-08-17T17:00+00:00",
        id="business_time:end-of-workday",
    ),
    pytest.param(
        "wh-may-day",
        "2014-05-01T12:00+00:00",
        0,
        "2014-05-02T17:00+00:00",
        id="working_hours:closing-after-holiday",
    ),
    pytest.param(
        "wh",
        "2014-04-07T17:00+00:00",
        0,
        "2014-04-08T17:00+00:00",
        id="working_hours:closing-from-closing-time",
    ),
    # working_hours' advance_to_closing_time stops at the 12:00 break; the end of the
    # business day is the day's last closing.
    pytest.param(
        "wh-split-week",
        "2014-04-07T10:00+00:00",
        0,
        "2014-04-07T18:00+00:00",
        id="working_hours:split-day-ends-at-last-close",
    ),
    # working_hours represents Monday's 24:00 as 23:59:59.999999.
    pytest.param(
        "wh-monday-24h-tue",
        "2014-04-06T17:00+00:00",
        0,
        "2014-04-08T00:00+00:00",
        id="working_hours:whole-monday-ends-at-midnight",
    ),
    # Saturday 01:00 is inside Friday's 19:00-05:00 shift (pandas' overnight BusinessHour
    # counts it open; so does our is_open): the current business day ends at 05:00.
    pytest.param(
        "pandas-night",
        "2014-07-05T01:00+00:00",
        0,
        "2014-07-05T05:00+00:00",
        id="pandas:night-shift-end-of-current-day",
    ),
    pytest.param(
        "biz",
        "2006-01-06T12:00+00:00",
        1,
        "2006-01-07T14:30+00:00",
        id="biz:next-business-day-is-saturday",
    ),
    pytest.param(
        "wh-may-day",
        "2014-04-30T12:00+00:00",
        1,
        "2014-05-02T17:00+00:00",
        id="working_hours:next-business-day-over-holiday",
    ),
    pytest.param(
        "bt",
        "2010-04-09T12:33+00:00",
        5,
        "2010-04-16T17:00+00:00",
        id="business_time:end-of-fifth-day",
    ),
]


@pytest.mark.parametrize(("name", "start", "days", "expected"), END_OF_DAY_CASES)
def test_end_of_business_day(name: str, start: str, days: int, expected: str) -> None:
    """``end_of_business_day`` is the last closing time of the n-th open day (n = 0: of the
    current business day, or the next one when today is closed or over)."""
    assert utc(calendar(name).end_of_business_day(at(start), days)) == utc(at(expected))


# --- open, next opening, next closing --------------------------------------------------------

IS_OPEN_CASES = [
    pytest.param("biz", "2006-01-02T09:00+00:00", True, id="biz:at-opening"),
    # biz's in_hours? is true at the end of an interval; a closing instant is closed for us.
    pytest.param("biz", "2006-01-02T17:00+00:00", False, id="biz:at-closing"),
    pytest.param("biz-break", "2006-01-04T11:00+00:00", False, id="biz:break-start"),
    pytest.param("biz-break", "2006-01-04T13:00+00:00", True, id="biz:break-end"),
    pytest.param("biz-holiday", "2006-01-04T12:00+00:00", False, id="biz:holiday"),
    # pandas' is_on_offset is true at 17:00 too.
    pytest.param("pandas", "2014-07-01T17:00+00:00", False, id="pandas:at-closing"),
    pytest.param(
        "pandas-night", "2014-07-05T01:00+00:00", True, id="pandas:friday-shift-on-saturday"
    ),
    pytest.param(
        "pandas-night", "2014-07-07T03:00+00:00", False, id="pandas:no-sunday-shift-on-monday"
    ),
    pytest.param("pandas-split", "2014-07-01T12:30+00:00", False, id="pandas:in-break"),
    pytest.param("wh", "2014-04-07T16:59+00:00", True, id="working_hours:last-minute"),
    pytest.param("wh-tokyo", "2014-04-07T00:00+00:00", True, id="working_hours:tokyo-morning"),
]


@pytest.mark.parametrize(("name", "instant", "expected"), IS_OPEN_CASES)
def test_is_open(name: str, instant: str, expected: bool) -> None:
    """``is_open`` is true from an opening up to, not including, its closing."""
    assert calendar(name).is_open(at(instant)) is expected


NEXT_OPEN_CASES = [
    pytest.param(
        "wh-may-day",
        "2014-05-01T12:00+00:00",
        "2014-05-02T09:00+00:00",
        id="working_hours:advance-over-holiday",
    ),
    pytest.param(
        "wh-split-monday",
        "2014-04-07T12:00+00:00",
        "2014-04-07T13:00+00:00",
        id="working_hours:advance-over-break",
    ),
    pytest.param(
        "wh",
        "2014-04-07T22:00+02:00",
        "2014-04-08T09:00+00:00",
        id="working_hours:advance-foreign-offset",
    ),
    pytest.param(
        "bt",
        "2010-04-26T18:00+00:00",
        "2010-04-27T09:00+00:00",
        id="business_time:roll-forward-evening",
    ),
    pytest.param(
        "pandas",
        "2014-07-06T15:00+00:00",
        "2014-07-07T09:00+00:00",
        id="pandas:rollforward-sunday",
    ),
    pytest.param(
        "pandas-night",
        "2014-07-01T00:00+00:00",
        "2014-07-01T00:00+00:00",
        id="pandas:rollforward-inside-night-shift",
    ),
    pytest.param(
        "btd-lunch",
        "2016-01-25T12:30+00:00",
        "2016-01-25T13:00+00:00",
        id="btd:next-during-lunch",
    ),
    pytest.param(
        "biz-la-gap",
        "2006-04-02T00:00-08:00",
        "2006-04-03T09:00-07:00",
        id="biz:interval-emptied-by-gap",
    ),
    pytest.param(
        "biz-la-gap-opening",
        "2014-03-09T00:00-08:00",
        "2014-03-09T03:30-07:00",
        id="biz:opening-in-gap-moves-forward",
    ),
    pytest.param(
        "biz-la-fold-opening",
        "2014-11-02T00:00-07:00",
        "2014-11-02T01:30-07:00",
        id="biz:opening-in-fold-is-first-occurrence",
    ),
]


@pytest.mark.parametrize(("name", "instant", "expected"), NEXT_OPEN_CASES)
def test_next_open(name: str, instant: str, expected: str) -> None:
    """``next_open`` is the instant itself when open, else the next opening."""
    assert utc(calendar(name).next_open(at(instant))) == utc(at(expected))


NEXT_CLOSE_CASES = [
    pytest.param(
        "wh",
        "2014-04-07T17:00+00:00",
        "2014-04-08T17:00+00:00",
        id="working_hours:closing-from-closing-time",
    ),
    pytest.param(
        "wh-split-week",
        "2014-04-07T10:00+00:00",
        "2014-04-07T12:00+00:00",
        id="working_hours:closing-of-morning-slot",
    ),
    pytest.param(
        "wh-split-week",
        "2014-04-07T12:00+00:00",
        "2014-04-07T18:00+00:00",
        id="working_hours:closing-from-break",
    ),
    # working_hours: Monday 23:59:59.999999.
    pytest.param(
        "wh-monday-24h-tue",
        "2014-04-07T00:00+00:00",
        "2014-04-08T00:00+00:00",
        id="working_hours:closing-at-midnight",
    ),
    pytest.param(
        "wh-monday-24h-tue",
        "2014-04-08T00:00+00:00",
        "2014-04-08T17:00+00:00",
        id="working_hours:closing-from-midnight",
    ),
    pytest.param(
        "wh",
        "2014-04-07T00:00-09:00",
        "2014-04-07T12:00-05:00",
        id="working_hours:closing-foreign-offsets",
    ),
    pytest.param(
        "btd-lunch",
        "2016-01-25T10:00+00:00",
        "2016-01-25T12:00+00:00",
        id="btd:lunch-closes",
    ),
    pytest.param(
        "biz-la-saturday",
        "2006-01-07T17:00-08:00",
        "2006-01-07T18:00-08:00",
        id="biz:la-saturday-evening",
    ),
    pytest.param(
        "biz-sao-paulo-endnight",
        "2015-10-17T21:00-03:00",
        "2015-10-18T01:00-02:00",
        id="biz:endnight-in-gap",
    ),
]


@pytest.mark.parametrize(("name", "instant", "expected"), NEXT_CLOSE_CASES)
def test_next_close(name: str, instant: str, expected: str) -> None:
    """``next_close`` is the end of the open stretch containing the instant, or of the next."""
    assert utc(calendar(name).next_close(at(instant))) == utc(at(expected))


def test_next_close_of_a_calendar_that_never_closes() -> None:
    """A 24x7 calendar has no next closing (the libraries model it as one endless period)."""
    assert calendar("sydney-24x7").next_close(at("2026-04-05T02:30+10:00")) is None


def test_results_are_in_the_calendar_zone() -> None:
    """working_hours returns times in the configured zone (JST for Tokyo); so do we."""
    deadline = calendar("wh-tokyo").add(at("1991-11-15T07:00+00:00"), h(3))
    assert deadline.utcoffset() == h(9)
    assert deadline.isoformat() == "1991-11-18T11:00:00+09:00"
