"""Jinja2 environment of the console, its filters, and ``render`` (which also sends cookies)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from caseclock.console.auth import ConsoleUser, csrf_token, set_cookies
from caseclock.console.wording import field_label, group_words, recipient_words, team_words
from caseclock.core.account_clock import account_of, is_customer_record
from caseclock.store import limits

LONG = 100 * 3600  # from here on, durations read in days
# Pages load only their own script and styles (style attributes draw the bars) and may not be
# framed, so no other site can overlay the forms.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def duration(value: timedelta | float | None, empty: str = "\N{EN DASH}") -> str:
    """``2h 05m``, ``45s``, and whole days (``5d 4h``) only from 100 hours on, since business
    hours are not days; the sign is dropped (the caller words it)."""
    if value is None:
        return empty
    seconds = abs(int(value.total_seconds() if isinstance(value, timedelta) else value))
    days, rest = divmod(seconds, 86400) if seconds >= LONG else (0, seconds)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def when(value: datetime | None, zone: tzinfo | None = None, fmt: str = "%a %d %b %H:%M") -> str:
    """An instant on the wall clock of ``zone`` (UTC when none), with the zone's abbreviation."""
    if value is None:
        return "\N{EN DASH}"
    local = value.astimezone(zone or UTC)
    return f"{local.strftime(fmt)} {local.strftime('%Z')}"


def day(value: datetime | None, zone: tzinfo | None = None) -> str:
    return "\N{EN DASH}" if value is None else value.astimezone(zone or UTC).strftime("%d %b %Y")


def date_words(value: date | None) -> str:
    """A calendar date (no instant, no zone): ``Wed 31 Jan 2018``."""
    return "\N{EN DASH}" if value is None else value.strftime("%a %d %b %Y")


def percent(value: float | None) -> str:
    return "\N{EN DASH}" if value is None else f"{value * 100:.0f}%"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("caseclock.console", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        duration=duration,
        when=when,
        day=day,
        percent=percent,
        date_words=date_words,
        field_label=field_label,
        person=recipient_words,
        team=team_words,
        group=group_words,
    )
    env.filters["account_of"] = account_of
    env.tests["customer_record"] = is_customer_record
    env.globals["limits"] = limits
    return env


ENV = _environment()


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    user: ConsoleUser | None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page (or a fragment) with the user, their zone and a CSRF token for forms."""
    body = ENV.get_template(template).render(
        request=request,
        user=user,
        zone=user.zone if user else UTC,
        csrf=csrf_token(request),
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)
    set_cookies(response, request)
    return response
