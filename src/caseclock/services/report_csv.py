"""The reports as CSV downloads: one function per report turns it into rows, header first,
and every cell is one a spreadsheet shows as text.

A spreadsheet reads a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (and strips
a leading tab or carriage return, then reads what follows as one), so such a cell gets a
leading apostrophe, as OWASP's CSV injection guidance advises. Durations are whole seconds in
the milestone's own basis (the ``basis`` column: business or calendar time), as the pages show
them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.errors import NotFound
from caseclock.services.access import Principal
from caseclock.services.csat import CsatReport, CsatSlice, csat_report
from caseclock.services.dwell_report import DwellReport, dwell_report
from caseclock.services.reports import (
    Balance,
    ComplianceReport,
    Override,
    TimingReport,
    TrendWeek,
    Violation,
    balance_report,
    balance_trend,
    compliance_report,
    overrides,
    timing_report,
    violations,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: one that would start a formula
    gets a leading apostrophe, which spreadsheets read as "text follows" and do not show."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _safe(rows: list[list[str]]) -> list[list[str]]:
    return [[spreadsheet_cell(cell) for cell in row] for row in rows]


def compliance_rows(report: ComplianceReport) -> list[list[str]]:
    """The compliance report as CSV rows, header first."""
    out = [["dimension", "label", "on_time", "late", "violated", "decided", "share_met"]]
    for dimension, slices in (
        ("milestone", report.by_milestone),
        ("tier", report.by_tier),
        ("team", report.by_team),
        ("week", report.by_week),
    ):
        for s in slices:
            c = s.counts
            rate = "" if c.rate is None else f"{c.rate:.4f}"
            out.append(
                [
                    dimension,
                    s.label,
                    str(c.on_time),
                    str(c.late),
                    str(c.violated),
                    str(c.decided),
                    rate,
                ]
            )
    return _safe(out)


def violation_rows(items: Sequence[Violation]) -> list[list[str]]:
    """The violations as CSV rows, header first."""
    out = [
        [
            "record",
            "milestone",
            "deadline",
            "completed_at",
            "over_by_seconds",
            "owner",
            "team",
            "tier",
            "account",
            "basis",
            "violated_at",
            "since_breach",
        ]
    ]
    for v in items:
        out.append(
            [
                v.record_id,
                v.milestone,
                "" if v.deadline is None else v.deadline.isoformat(),
                "" if v.completed_at is None else v.completed_at.isoformat(),
                "" if v.over_by is None else str(int(v.over_by.total_seconds())),
                v.owner or "",
                v.team or "",
                v.tier or "",
                v.account_id or "",
                v.basis,
                "" if v.violated_at is None else v.violated_at.isoformat(),
                "; ".join(f"{o.change} by {o.by}: {o.reason}" for o in v.since_breach),
            ]
        )
    return _safe(out)


def override_rows(items: Sequence[Override]) -> list[list[str]]:
    """The overrides as CSV rows, header first."""
    out = [["record", "milestone", "at", "change", "by", "reason", "account"]]
    for o in items:
        out.append(
            [
                o.record_id,
                o.milestone,
                o.at.isoformat(),
                o.change,
                o.by,
                o.reason,
                o.account_id or "",
            ]
        )
    return _safe(out)


def timing_rows(report: TimingReport) -> list[list[str]]:
    """The timing report as CSV rows, header first."""
    out = [["measure", "tier", "count", "average_seconds", "p90_seconds"]]
    for measure, stats in (
        ("first_response", report.first_response),
        ("resolution", report.resolution),
    ):
        for s in stats:
            out.append(
                [
                    measure,
                    s.label,
                    str(s.count),
                    "" if s.average is None else str(int(s.average.total_seconds())),
                    "" if s.p90 is None else str(int(s.p90.total_seconds())),
                ]
            )
    return _safe(out)


def dwell_rows(report: DwellReport) -> list[list[str]]:
    """Holders and pauses as CSV rows, header first (durations in whole seconds)."""
    out = [["section", "dimension", "label", "count", "seconds", "average_share", "flagged"]]
    for dimension, holders in (("team", report.teams), ("owner", report.owners)):
        for h in holders:
            share = "" if h.average_share is None else f"{h.average_share:.4f}"
            seconds = str(int(h.held.total_seconds()))
            out.append(["dwell", dimension, h.label, str(h.milestones), seconds, share, ""])
    for dimension, items in (
        ("agent", report.pauses_by_agent),
        ("team", report.pauses_by_team),
        ("reason", report.pauses_by_reason),
    ):
        for t in items:
            seconds = str(int(t.held.total_seconds()))
            out.append(["pauses", dimension, t.label, str(t.count), seconds, "", str(t.flagged)])
    beyond = str(int(report.beyond_cap.total_seconds()))
    out.append(["pauses", "beyond_cap", "all", "", beyond, "", ""])
    rate = "" if not report.with_criteria else f"{report.met_criteria / report.with_criteria:.4f}"
    out.append(["criteria", "completions", "met", str(report.with_criteria), "", rate, ""])
    return _safe(out)


def balance_rows(items: Sequence[Balance]) -> list[list[str]]:
    """Speed beside reopen rate by team and tier, header first."""
    out = [
        [
            "dimension",
            "label",
            "first_response_average_seconds",
            "resolution_average_seconds",
            "resolved",
            "reopened",
            "reopen_rate",
            "csat_answers",
            "csat_satisfied",
            "csat",
        ]
    ]
    out.extend([b.dimension, b.label, *_balance_cells(b)] for b in items)
    return _safe(out)


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _balance_cells(b: Balance) -> list[str]:
    return [
        "" if b.first_response is None else str(int(b.first_response.total_seconds())),
        "" if b.resolution is None else str(int(b.resolution.total_seconds())),
        str(b.resolved),
        str(b.reopened),
        _share(b.reopen_rate),
        str(b.csat_answers),
        str(b.csat_satisfied),
        _share(b.csat_rate),
    ]


def trend_rows(items: Sequence[TrendWeek]) -> list[list[str]]:
    """The balanced trend, week by week for everyone, each team and each tier: the data of
    the speed and quality trend charts, header first."""
    head = balance_rows([])[0]
    out = [[head[0], head[1], "week", *head[2:]]]
    out.extend([t.dimension, t.label, t.week, *_balance_cells(t.balance)] for t in items)
    return _safe(out)


def csat_rows(report: CsatReport) -> list[list[str]]:
    """CSAT by milestone, tier, team, agent and week (the CSAT charts' data), header first."""
    out = [["dimension", "label", "answers", "satisfied", "csat", "average_share_of_scale"]]
    out.append(["all", "all", *_csat_cells(report.overall)])
    for dimension in ("milestone", "tier", "team", "agent", "week"):
        out.extend([dimension, s.label, *_csat_cells(s)] for s in report.dimension(dimension))
    return _safe(out)


def _csat_cells(item: CsatSlice) -> list[str]:
    return [str(item.answers), str(item.satisfied), _share(item.rate), _share(item.average)]


Rows = Callable[[Session, Principal, datetime, int], list[list[str]]]
REPORTS: dict[str, Rows] = {
    "compliance": lambda s, p, now, days: compliance_rows(
        compliance_report(s, p, now=now, days=days)
    ),
    "violations": lambda s, p, now, days: violation_rows(violations(s, p, now=now, days=days)),
    "timing": lambda s, p, now, days: timing_rows(timing_report(s, p, now=now, days=days)),
    "overrides": lambda s, p, now, days: override_rows(overrides(s, p, now=now, days=days)),
    "holders": lambda s, p, now, days: dwell_rows(dwell_report(s, p, now=now, days=days)),
    "balance": lambda s, p, now, days: balance_rows(balance_report(s, p, now=now, days=days)),
    "trend": lambda s, p, now, days: trend_rows(balance_trend(s, p, now=now, days=days)),
    "csat": lambda s, p, now, days: csat_rows(csat_report(s, p, now=now, days=days)),
}


def report_rows(
    name: str, session: Session, principal: Principal, *, now: datetime, days: int
) -> list[list[str]]:
    """The rows of the report called ``name`` over the last ``days`` days."""
    rows = REPORTS.get(name)
    if rows is None:
        raise NotFound(f"no report {name!r}; try {', '.join(REPORTS)}")
    return rows(session, principal, now, days)
