"""Reports over milestone outcomes: compliance by milestone, tier, team and week; violations;
overrides; average and p90 time to first response and to resolution.

The repository reads the cycles of a window; the counting is the core's ``compliance`` (each row
becomes a milestone value at ``now``: a running cycle past its deadline counts as violated, and a
cycle that was ever past a deadline stays counted as late or violated after an override moved
it), so a report and a what-if count the same way. Times are in each milestone's own basis, as
``core.standing`` counts them: a completed cycle's elapsed time on its business calendar (pauses
excluded) or in calendar time, and "over by" in the same unit as "time left" on the board.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.core.compliance import Compliance, compliance
from caseclock.core.milestones import Milestone, MilestoneState
from caseclock.core.standing import over_by, state_at
from caseclock.services import csat
from caseclock.services.access import Principal
from caseclock.services.calendars import CalendarCache
from caseclock.services.csat import CsatSlice
from caseclock.store.repositories.reports import OutcomeRow, ReportRepository

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
NONE_LABEL = "(none)"


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
    over_by: timedelta | None  # past the deadline (to completion, or to now), in ``basis``
    owner: str | None
    team: str | None
    tier: str | None
    account_id: str | None
    basis: str = "business"
    violated_at: datetime | None = None  # the first breach, kept after an override
    since_breach: tuple[Override, ...] = ()  # the overrides that followed the breach


@dataclass(frozen=True, slots=True)
class Override:
    """A deadline moved or a clock held by hand: who did it, and why."""

    record_id: str
    milestone: str  # the definition's name
    key: str  # the definition's key
    at: datetime
    change: str  # "extend 4h", "shorten 1h", "pause until …", "pause", "resume"
    by: str
    reason: str
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
    state = state_at(MilestoneState(row.state), row.deadline, now)
    return Milestone(
        key=row.key,
        name=row.name,
        cycle=1,
        state=state,
        late=row.late,
        violated_at=row.violated_at,
    )


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
    """Cycles completed late, violated, or breached and then extended in the window, the most
    overdue first; each with the overrides that followed its breach."""
    _, rows = _window(session, principal, now, days, account)
    calendars = CalendarCache(session)
    moved: dict[tuple[str, str], list[Override]] = {}
    for change in overrides(session, principal, now=now, days=days, account=account):
        moved.setdefault((change.record_id, change.key), []).insert(0, change)  # oldest first
    found = []
    for row in rows:
        if not _breached(row, now):
            continue
        end = row.completed_at or now
        breach = row.violated_at or row.deadline
        found.append(
            Violation(
                record_id=row.record_id,
                milestone=row.name,
                deadline=row.deadline,
                completed_at=row.completed_at,
                over_by=over_by(
                    basis=row.basis,
                    deadline=row.deadline,
                    end=end,
                    calendar=calendars.get(row.calendar, row.calendar_version),
                ),
                owner=row.owner,
                team=row.team,
                tier=row.tier,
                account_id=row.account_id,
                basis=row.basis,
                violated_at=row.violated_at,
                since_breach=tuple(
                    o
                    for o in moved.get((row.record_id, row.key), [])
                    if breach is not None and o.at >= breach
                ),
            )
        )
    return sorted(found, key=lambda v: v.over_by or timedelta(0), reverse=True)


def _breached(row: OutcomeRow, now: datetime) -> bool:
    """Whether the cycle is, or ever was, past a deadline it had."""
    state = state_at(MilestoneState(row.state), row.deadline, now)
    ended = state in (MilestoneState.COMPLETED, MilestoneState.CANCELLED)
    return state is MilestoneState.VIOLATED or (ended and bool(row.late)) or bool(row.violated_at)


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


def _change(data: dict[str, object]) -> str:
    for kind in ("extend", "shorten"):
        if data.get(kind):
            return f"{kind} {data[kind]}"
    if data.get("pause_until"):
        return f"pause until {data['pause_until']}"
    return "pause" if data.get("pause") else "resume"


def overrides(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 90,
    account: str | None = None,
) -> list[Override]:
    """The overrides of the last ``days`` days, newest first, with who made them and why."""
    repository = ReportRepository(session)
    names = dict(repository.milestone_names())
    found = repository.overrides(
        since=now - timedelta(days=days), until=now, scope=principal.accounts, account=account
    )
    return [
        Override(
            record_id=row.record_id,
            milestone=names.get(str(row.data.get("milestone")), str(row.data.get("milestone"))),
            key=str(row.data.get("milestone")),
            at=row.occurred_at,
            change=_change(row.data),
            by=str(row.data.get("by") or ""),
            reason=str(row.data.get("reason") or ""),
            account_id=row.account_id,
        )
        for row in found
    ]


@dataclass(frozen=True, slots=True)
class Balance:
    """Speed beside quality for one team or tier: average times to first response and to
    resolution, and the share of resolved records that were reopened."""

    dimension: str  # team or tier
    label: str
    first_response: timedelta | None
    resolution: timedelta | None
    resolved: int
    reopened: int
    csat_answers: int = 0  # satisfaction answers given in the period (``services.csat``)
    csat_satisfied: int = 0

    @property
    def reopen_rate(self) -> float | None:
        return None if self.resolved == 0 else self.reopened / self.resolved

    @property
    def csat_rate(self) -> float | None:
        return None if self.csat_answers == 0 else self.csat_satisfied / self.csat_answers


def _average(rows: Sequence[OutcomeRow], key: str) -> timedelta | None:
    return _stats(key, (r.elapsed_seconds for r in rows if r.key == key)).average


def _balance(
    dimension: str, label: str, items: Sequence[OutcomeRow], reopened: set[str], csat: CsatSlice
) -> Balance:
    resolved = {r.record_id for r in items if r.key == RESOLUTION}
    return Balance(
        dimension,
        label,
        _average(items, FIRST_RESPONSE),
        _average(items, RESOLUTION),
        len(resolved),
        len(resolved & reopened),
        csat.answers,
        csat.satisfied,
    )


_NO_ANSWERS = CsatSlice(NONE_LABEL, 0, 0, None)


def balance_report(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 90,
    account: str | None = None,
) -> list[Balance]:
    """Per team and per tier: time to first response and to resolution (completed in the
    window) beside the reopen rate (records whose resolution completed in the window and that
    were reopened in it) and CSAT (answers given in the window), so a team cannot look fast
    by closing cases too early."""
    since, rows = _window(session, principal, now, days, account)
    done = [r for r in rows if r.state == MilestoneState.COMPLETED.value]
    reopened = ReportRepository(session).reopened(since=since, until=now, scope=principal.accounts)
    given = csat.csat_filter(principal, now=now, days=days, account=account)
    found: list[Balance] = []
    for dimension in ("team", "tier"):
        answers = csat.by_dimension(session, given, "team" if dimension == "team" else "tier")
        groups: dict[str, list[OutcomeRow]] = {name: [] for name in answers}
        for row in done:
            groups.setdefault(getattr(row, dimension) or NONE_LABEL, []).append(row)
        found.extend(
            _balance(dimension, name, items, reopened, answers.get(name, _NO_ANSWERS))
            for name, items in sorted(groups.items())
        )
    return found


@dataclass(frozen=True, slots=True)
class TrendWeek:
    """One week of the balanced trend for one group (everyone, a team or a tier)."""

    dimension: str  # all, team or tier
    label: str
    week: str  # the Monday (UTC) the week starts
    balance: Balance


def _weeks(since: datetime, until: datetime) -> list[str]:
    """The Mondays (UTC) of the weeks ``[since, until)`` touches."""
    day = since.date() - timedelta(days=since.weekday())
    found = []
    while day <= until.date():
        found.append(day.isoformat())
        day += timedelta(days=7)
    return found


def balance_trend(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 90,
    account: str | None = None,
) -> list[TrendWeek]:
    """The balanced report week by week (the week a milestone completed or an answer was
    given; reopens count against the week the record was resolved), for everyone and for each
    team and tier, every week of the period listed (a week with nothing has no figures)."""
    since, rows = _window(session, principal, now, days, account)
    reopened = ReportRepository(session).reopened(since=since, until=now, scope=principal.accounts)
    given = csat.csat_filter(principal, now=now, days=days, account=account)
    answers = csat.answers_by_week(session, given)
    groups: dict[tuple[str, str, str], list[OutcomeRow]] = {}
    for row in rows:
        if row.state != MilestoneState.COMPLETED.value:
            continue
        week = _week(row)
        groups.setdefault(("all", "everyone", week), []).append(row)
        groups.setdefault(("team", row.team or NONE_LABEL, week), []).append(row)
        groups.setdefault(("tier", row.tier or NONE_LABEL, week), []).append(row)
    labels = sorted({(d, label) for d, label, _ in (*groups, *answers)} | {("all", "everyone")})
    order = {"all": 0, "team": 1, "tier": 2}
    labels.sort(key=lambda pair: (order[pair[0]], pair[1]))
    return [
        TrendWeek(
            dimension,
            label,
            week,
            _balance(
                dimension,
                label,
                groups.get((dimension, label, week), []),
                reopened,
                answers.get((dimension, label, week), _NO_ANSWERS),
            ),
        )
        for dimension, label in labels
        for week in _weeks(since, now)
    ]
