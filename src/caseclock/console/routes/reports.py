"""Compliance and timing reports, with their CSV downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Annotated, TypeVar

from fastapi import Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from caseclock.api.deps import DbSession, Now
from caseclock.console import charts
from caseclock.console.auth import User
from caseclock.console.queues import role_queues
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.console.wording import group_words, team_words
from caseclock.services import reports
from caseclock.services.csat import CsatSlice, csat_report
from caseclock.services.dwell_report import dwell_report
from caseclock.services.report_csv import report_rows

router = console_router()
PERIODS = (30, 90, 180, 365)
Days = Annotated[int, Query(ge=1, le=730)]
Team = TypeVar("Team", reports.Slice, CsatSlice)


def _hours(value: float) -> str:
    return f"{value / 3600:.1f} h"


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def by_team(slices: Sequence[Team], queues: Collection[str]) -> list[Team]:
    """A chart's team slices, each labelled as people read the team (``team_words``)."""
    return [replace(s, label=team_words(s.label, queues)) for s in slices]


def trend_charts(
    trend: list[reports.TrendWeek], group: str, queues: Collection[str]
) -> tuple[list[str], Markup, Markup]:
    """The weeks, and the speed and quality trend charts of ``group`` ("dimension:label")."""
    dimension, _, label = group.partition(":")
    mine = [t for t in trend if (t.dimension, t.label) == (dimension, label)]
    weeks = [t.week for t in mine]
    title = group_words(dimension, label, queues)
    speed = charts.trend_lines(
        f"Average business time per week, {title}",
        weeks,
        [
            ("first response", charts.SPEED_FR, [_seconds(t.balance.first_response) for t in mine]),
            ("resolution", charts.SPEED_RES, [_seconds(t.balance.resolution) for t in mine]),
        ],
        shown=_hours,
    )
    quality = charts.trend_lines(
        f"Reopen rate and CSAT per week, {title}",
        weeks,
        [
            ("reopened", charts.REOPEN, [t.balance.reopen_rate for t in mine]),
            ("CSAT (satisfied)", charts.CSAT_LINE, [t.balance.csat_rate for t in mine]),
        ],
        top=1.0,
        shown=_percent,
    )
    return weeks, speed, quality


@router.get("/reports")
def report_page(
    *,
    request: Request,
    session: DbSession,
    user: User,
    now: Now,
    days: Days = 90,
    trend: Annotated[str, Query(max_length=220)] = "all:everyone",
) -> Response:
    p = user.principal
    comp = reports.compliance_report(session, p, now=now, days=days)
    timing = reports.timing_report(session, p, now=now, days=days)
    late = reports.violations(session, p, now=now, days=days)
    moved = reports.overrides(session, p, now=now, days=days)
    balance = reports.balance_report(session, p, now=now, days=days)
    satisfaction = csat_report(session, p, now=now, days=days)
    weekly = reports.balance_trend(session, p, now=now, days=days)
    groups = sorted({(t.dimension, t.label) for t in weekly}, key=lambda g: (g[0] != "all", g))
    chosen = trend if any(f"{d}:{label}" == trend for d, label in groups) else "all:everyone"
    queues = role_queues(session)
    _, speed_trend, quality_trend = trend_charts(weekly, chosen, queues)
    csat_weeks = satisfaction.by_week
    context = {
        "days": days,
        "periods": PERIODS,
        "report": comp,
        "violations": late[:25],
        "violation_count": len(late),
        "role_queues": queues,
        "timing": timing,
        "overrides": moved[:25],
        "override_count": len(moved),
        "balance": balance,
        "csat": satisfaction,
        "trend_groups": groups,
        "trend": chosen,
        "charts": {
            "speed_trend": speed_trend,
            "quality_trend": quality_trend,
            "csat_milestone": charts.csat_bars("CSAT by milestone", satisfaction.by_milestone),
            "csat_tier": charts.csat_bars("CSAT by tier", satisfaction.by_tier),
            "csat_team": charts.csat_bars("CSAT by team", by_team(satisfaction.by_team, queues)),
            "csat_agent": charts.csat_bars("CSAT by agent", satisfaction.by_agent[:15]),
            "csat_week": charts.trend_lines(
                "CSAT per week",
                [w.label for w in csat_weeks],
                [("CSAT (satisfied)", charts.CSAT_LINE, [w.rate for w in csat_weeks])],
                top=1.0,
                shown=_percent,
            ),
            "milestone": charts.compliance_bars("Compliance by milestone", comp.by_milestone),
            "tier": charts.compliance_bars("Compliance by tier", comp.by_tier),
            "team": charts.compliance_bars("Compliance by team", by_team(comp.by_team, queues)),
            "week": charts.weekly_columns("Share met per week", comp.by_week),
            "first_response": charts.timing_bars(
                "Time to first response (business time)", timing.first_response
            ),
            "resolution": charts.timing_bars(
                "Time to resolution (business time)", timing.resolution
            ),
        },
        "now": now,
    }
    return render(request, "reports.html", context, user=user)


@router.get("/reports/holders")
def holders_page(
    *, request: Request, session: DbSession, user: User, now: Now, days: Days = 30
) -> Response:
    """Who held the clocks: team and owner dwell, the pause audit, success criteria."""
    report = dwell_report(session, user.principal, now=now, days=days)
    context = {
        "days": days,
        "periods": PERIODS,
        "report": report,
        "role_queues": role_queues(session),
    }
    return render(request, "reports_holders.html", context, user=user)


@router.get("/reports/{name}.csv")
def report_csv(name: str, session: DbSession, user: User, now: Now, days: Days = 90) -> Response:
    rows = report_rows(name, session, user.principal, now=now, days=days)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    filename = f"caseclock-{name}-{now:%Y%m%d}-{days}d.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
