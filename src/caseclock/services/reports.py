"""Reports over milestone outcomes: compliance by milestone, tier, team and week; violations;
average and p90 time to first response and to resolution in business time.

The repository reads the cycles of a window; the counting is the core's ``compliance`` (each row
becomes a milestone value at ``now``: a running cycle past its deadline counts as violated), so
a report and a what-if count the same way. Times are business time: a completed cycle's elapsed
time is counted on its calendar, pauses excluded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.core.compliance import Compliance, compliance
from caseclock.core.milestones import Milestone, MilestoneState
from caseclock.services.access import Principal
from caseclock.store.repositories.reports import OutcomeRow, ReportRepository

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
NONE_LABEL = "(none)"
# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and carriage
# return, strips it and reads what follows as one): OWASP's CSV injection guidance.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Slice:
    """One bar of a compliance chart: a label and its counts."""

    label: str
    counts: Compliance


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    since: datetime
    until: datetime
    overall: Compliance
    by_milestone: list[Slice]
    by_tier: list[Slice]
    by_team: list[Slice]
    by_week: list[Slice]


@dataclass(frozen=True, slots=True)
class Violation:
    record_id: str
    milestone: str
    deadline: datetime | None
    completed_at: datetime | None
    over_by: timedelta | None  # wall time past the deadline (to completion, or to now)
    owner: str | None
    team: str | None
    tier: str | None
    account_id: str | None


@dataclass(frozen=True, slots=True)
class TimeStats:
    """Business time of completed cycles: how many, the average and the 90th percentile."""

    label: str
    count: int
    average: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True, slots=True)
class TimingReport:
    first_response: list[TimeStats]  # overall first, then per tier
    resolution: list[TimeStats]


def _as_milestone(row: OutcomeRow, now: datetime) -> Milestone:
    state = MilestoneState(row.state)
    if state is MilestoneState.RUNNING and row.deadline is not None and row.deadline <= now:
        state = MilestoneState.VIOLATED
    return Milestone(key=row.key, name=row.name, cycle=1, state=state, late=row.late)


def _week(row: OutcomeRow) -> str:
    when = row.completed_at or row.deadline
    if when is None:
        return NONE_LABEL
    monday = when.date() - timedelta(days=when.weekday())
    return monday.isoformat()


def _slices(
    rows: Sequence[OutcomeRow],
    label: Callable[[OutcomeRow], str | None],
    now: datetime,
    none: str = NONE_LABEL,
) -> list[Slice]:
    groups: dict[str, list[Milestone]] = {}
    for row in rows:
        groups.setdefault(label(row) or none, []).append(_as_milestone(row, now))
    return [Slice(name, compliance(items)) for name, items in groups.items()]


def _by_rate(slices: list[Slice]) -> list[Slice]:
    """Worst first, so the eye lands on what needs attention; undecided last."""
    return sorted(
        slices, key=lambda s: (s.counts.rate is None, s.counts.rate or 0.0, s.label.lower())
    )


def _window(
    session: Session, principal: Principal, now: datetime, days: int, account: str | None
) -> tuple[datetime, list[OutcomeRow]]:
    since = now - timedelta(days=days)
    rows = ReportRepository(session).outcomes(
        since=since, until=now, scope=principal.accounts, account=account
    )
    return since, rows


def compliance_report(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 90,
    account: str | None = None,
) -> ComplianceReport:
    """Share of milestone cycles met over the last ``days`` days, sliced four ways."""
    since, rows = _window(session, principal, now, days, account)
    names = {row.key: row.name for row in rows}
    return ComplianceReport(
        since=since,
        until=now,
        overall=compliance(_as_milestone(r, now) for r in rows),
        by_milestone=_by_rate(_slices(rows, lambda r: names[r.key], now)),
        by_tier=_by_rate(_slices(rows, lambda r: r.tier, now, "(no tier)")),
        by_team=_by_rate(_slices(rows, lambda r: r.team, now, "(no team)")),
        by_week=sorted(_slices(rows, _week, now), key=lambda s: s.label),
    )


def violations(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 90,
    account: str | None = None,
) -> list[Violation]:
    """Cycles completed late or violated in the window, the most overdue first."""
    _, rows = _window(session, principal, now, days, account)
    found = []
    for row in rows:
        state = _as_milestone(row, now).state
        late = state is MilestoneState.VIOLATED or (
            state in (MilestoneState.COMPLETED, MilestoneState.CANCELLED) and bool(row.late)
        )
        if not late:
            continue
        end = row.completed_at or now
        over = None if row.deadline is None else end - row.deadline
        found.append(
            Violation(
                record_id=row.record_id,
                milestone=row.name,
                deadline=row.deadline,
                completed_at=row.completed_at,
                over_by=over,
                owner=row.owner,
                team=row.team,
                tier=row.tier,
                account_id=row.account_id,
            )
        )
    return sorted(found, key=lambda v: v.over_by or timedelta(0), reverse=True)


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``share`` of values at or
    below it (``None`` for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _stats(label: str, seconds: Iterable[float]) -> TimeStats:
    values = list(seconds)
    if not values:
        return TimeStats(label, 0, None, None)
    p90 = percentile(values, 0.9)
    return TimeStats(
        label,
        len(values),
        timedelta(seconds=round(sum(values) / len(values))),
        None if p90 is None else timedelta(seconds=round(p90)),
    )


def _timing(rows: Sequence[OutcomeRow], key: str) -> list[TimeStats]:
    done = [r for r in rows if r.key == key and r.state == MilestoneState.COMPLETED.value]
    tiers = sorted({r.tier or NONE_LABEL for r in done})
    return [
        _stats("all tiers", (r.elapsed_seconds for r in done)),
        *(
            _stats(tier, (r.elapsed_seconds for r in done if (r.tier or NONE_LABEL) == tier))
            for tier in tiers
        ),
    ]


def timing_report(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 90,
    account: str | None = None,
) -> TimingReport:
    """Time to first response and to resolution (business time), overall and per tier."""
    _, rows = _window(session, principal, now, days, account)
    return TimingReport(
        first_response=_timing(rows, FIRST_RESPONSE), resolution=_timing(rows, RESOLUTION)
    )


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
