"""``caseclock calendar``: check a deadline or an amount of open time by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from caseclock.cli.output import fail
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.durations import DurationKind, format_timedelta, parse_duration
from caseclock.core.validation import describe_validation_error
from caseclock.document_files import load_document
from caseclock.errors import CaseclockError

app = typer.Typer(
    help="Business-calendar arithmetic: deadlines and open time, as caseclock computes them.",
    no_args_is_help=True,
)

CalendarFile = Annotated[
    Path,
    typer.Argument(
        help="A calendar document (YAML or JSON), or a policy bundle with a 'calendars' list."
    ),
]
CalendarName = Annotated[
    str | None,
    typer.Option("--calendar", "-c", help="Which calendar of a bundle (needed if it has several)."),
]


OUT_OF_RANGE = "the arithmetic leaves the years 1 to 9999 in the calendar's time zone"


def parse_instant(text: str, what: str) -> datetime:
    """An ISO-8601 instant with an offset; a naive one is refused, not guessed."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{what} {text!r} is not an ISO-8601 instant, e.g. 2026-03-06T16:30:00-05:00")
    if value.tzinfo is None:
        fail(f"{what} {text!r} has no UTC offset; add one, e.g. {text}-05:00 or {text}Z")
    return value


def _select(doc: dict[str, Any], name: str | None, source: Path) -> dict[str, Any]:
    if "calendars" not in doc:
        return doc
    calendars = doc["calendars"]
    if not isinstance(calendars, list) or not all(isinstance(c, dict) for c in calendars):
        fail(f"{source}: 'calendars' must be a list of calendar documents")
    names = [str(c.get("name")) for c in calendars]
    if name is None:
        if len(calendars) != 1:
            fail(f"{source} holds calendars {', '.join(names)}; choose one with --calendar")
        return dict(calendars[0])
    if name not in names:
        fail(f"{source} has no calendar {name!r}; it has {', '.join(names)}")
    return dict(calendars[names.index(name)])


def load_calendar(path: Path, name: str | None = None) -> BusinessCalendar:
    """Load one calendar from a file, exiting with a one-line error when it is not valid."""
    try:
        doc = _select(load_document(path), name, path)
        return BusinessCalendar.from_dict(doc)
    except CaseclockError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(f"{path}: " + "; ".join(describe_validation_error(exc)))


@app.command("add")
def add_command(
    calendar_file: CalendarFile,
    start: Annotated[str, typer.Argument(help="ISO-8601 instant with offset.")],
    duration: Annotated[
        str,
        typer.Argument(help="Open time (8h, 90m, 2h30m), business days (5bd), eobd, or 30d."),
    ],
    calendar: CalendarName = None,
) -> None:
    """Print the deadline: START plus DURATION of this calendar's open time."""
    cal = load_calendar(calendar_file, calendar)
    at = parse_instant(start, "START")
    try:
        amount = parse_duration(duration)
        if amount.kind is DurationKind.BUSINESS_DAYS:
            result = cal.add_business_days(at, amount.days)
        elif amount.kind is DurationKind.END_OF_BUSINESS_DAY:
            result = cal.end_of_business_day(at, amount.days)
        elif amount.kind is DurationKind.CALENDAR_TIME:
            result = (at + amount.amount).astimezone(cal.zone)
        else:
            result = cal.add(at, amount.amount)
    except ValueError as exc:
        fail(str(exc))
    except OverflowError:
        fail(OUT_OF_RANGE)
    typer.echo(result.isoformat())


@app.command("between")
def between_command(
    calendar_file: CalendarFile,
    start: Annotated[str, typer.Argument(help="ISO-8601 instant with offset.")],
    end: Annotated[str, typer.Argument(help="ISO-8601 instant with offset, not before START.")],
    calendar: CalendarName = None,
    seconds: Annotated[bool, typer.Option(help="Print whole seconds instead of 2h30m.")] = False,
) -> None:
    """Print the open time between START and END (END excluded)."""
    cal = load_calendar(calendar_file, calendar)
    first, last = parse_instant(start, "START"), parse_instant(end, "END")
    try:
        open_time = cal.between(first, last)
    except ValueError as exc:
        fail(str(exc))
    except OverflowError:
        fail(OUT_OF_RANGE)
    typer.echo(str(int(open_time.total_seconds())) if seconds else format_timedelta(open_time))


@app.command("check")
def check_command(
    calendar_file: CalendarFile,
    calendar: CalendarName = None,
    start: Annotated[
        str | None, typer.Option(help="Show the week from this instant (default: none).")
    ] = None,
) -> None:
    """Validate a calendar and print its open hours for the week from --start."""
    cal = load_calendar(calendar_file, calendar)
    typer.echo(f"{cal.name}: valid ({cal.spec.timezone})")
    if start is None:
        return
    at = parse_instant(start, "--start")
    for opened, closed in cal.open_spans(at, at + timedelta(days=7)):
        typer.echo(f"  {opened.isoformat()} -> {closed.isoformat()}")
