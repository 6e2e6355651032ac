"""Customer satisfaction beside speed: ``csat`` events stored as answers credited to a team,
an agent, a tier and an account, and CSAT by milestone, tier, team, agent and week.

Ingestion (``services.ingest``) hands every accepted ``csat`` event to ``store_answers``, which
keeps it as a ``csat_responses`` row credited as things stood then: the milestone row it rates
(its latest cycle, or the cycle named) gives the team and the agent (its owner), else the
record does. Reports read those rows with aggregates in SQL over the period, within the
reader's account scope (``CsatRepository``); CSAT is the share of satisfied answers
(``core.csat``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.csat import satisfied, share
from caseclock.core.events import CSAT_DEFAULT_SCALE, Event, EventType
from caseclock.core.provenance import Provenance
from caseclock.services.access import Principal
from caseclock.store.repositories.csat import CsatCounts, CsatFilter, CsatRepository, Dimension
from caseclock.store.repositories.reports import ReportRepository

NONE_LABEL = "(none)"
COMMENTS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class CsatSlice:
    """CSAT of one group: answers, satisfied ones, the average score as a share of its scale."""

    label: str
    answers: int
    satisfied: int
    average: float | None

    @property
    def rate(self) -> float | None:
        """CSAT: the share of satisfied answers (None without answers)."""
        return None if self.answers == 0 else self.satisfied / self.answers


@dataclass(frozen=True, slots=True)
class CsatComment:
    record_id: str
    answered_at: datetime
    score: int
    scale: int
    milestone: str | None
    comment: str


@dataclass(frozen=True, slots=True)
class CsatReport:
    since: datetime
    until: datetime
    overall: CsatSlice
    by_milestone: list[CsatSlice]
    by_tier: list[CsatSlice]
    by_team: list[CsatSlice]
    by_agent: list[CsatSlice]
    by_week: list[CsatSlice]
    comments: list[CsatComment]

    def dimension(self, name: str) -> list[CsatSlice]:
        return {
            "milestone": self.by_milestone,
            "tier": self.by_tier,
            "team": self.by_team,
            "agent": self.by_agent,
            "week": self.by_week,
        }[name]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def store_answers(session: Session, events: Iterable[Event], provenance: Provenance) -> None:
    """Keep each ``csat`` event among ``events`` as an answer row (see the module docstring)."""
    answers = [e for e in events if e.type is EventType.CSAT]
    if not answers:
        return
    repo = CsatRepository(session)

    def rated(event: Event) -> tuple[str, str | None, int | None]:
        milestone = event.data.get("milestone")
        return (event.record, milestone if isinstance(milestone, str) else None, None)

    credit = repo.credit(rated(e) for e in answers)
    rows = []
    for event in answers:
        data = event.data
        score = _int(data.get("score")) or 1
        scale = _int(data.get("scale")) or CSAT_DEFAULT_SCALE
        who = credit.get(rated(event), {})
        comment = data.get("comment")
        rows.append(
            {
                "record_id": event.record,
                "event_id": event.id,
                "answered_at": event.at,
                "score": score,
                "scale": scale,
                "satisfied": satisfied(score, scale),
                "share": share(score, scale),
                "milestone": rated(event)[1],
                "cycle": _int(data.get("cycle")),
                "comment": comment if isinstance(comment, str) and comment.strip() else None,
                "team": who.get("team"),
                "owner": who.get("owner"),
                "tier": who.get("tier"),
                "account_id": who.get("account_id"),
                "source": provenance.source,
            }
        )
    repo.add(rows)


def _slice(counts: CsatCounts, label: str | None = None) -> CsatSlice:
    name = label if label is not None else counts.label or NONE_LABEL
    return CsatSlice(name, counts.answers, counts.satisfied, counts.average)


def _overall(found: Sequence[CsatCounts]) -> CsatSlice:
    return _slice(found[0], "all") if found else CsatSlice("all", 0, 0, None)


def csat_filter(
    principal: Principal, *, now: datetime, days: int, account: str | None = None
) -> CsatFilter:
    return CsatFilter(now - timedelta(days=days), now, principal.accounts, account)


def week_of(when: datetime) -> str:
    """The Monday (UTC) of ``when``'s week, as reports label weeks."""
    monday = when.date() - timedelta(days=when.weekday())
    return monday.isoformat()


def weekly(session: Session, given: CsatFilter) -> list[CsatSlice]:
    """CSAT per week of the period, oldest first."""
    weeks: dict[str, list[tuple[bool, float]]] = {}
    for answer in CsatRepository(session).answers(given):
        weeks.setdefault(week_of(answer.answered_at), []).append((answer.satisfied, answer.share))
    return [
        CsatSlice(
            week,
            len(items),
            sum(1 for ok, _ in items if ok),
            sum(s for _, s in items) / len(items),
        )
        for week, items in sorted(weeks.items())
    ]


def _grouped(
    repo: CsatRepository, given: CsatFilter, by: Dimension, names: dict[str, str] | None = None
) -> list[CsatSlice]:
    slices = []
    for counts in repo.totals(given, by):
        label = counts.label
        if names is not None and label is not None:
            label = names.get(label, label)
        slices.append(_slice(counts, label))
    return sorted(slices, key=lambda s: (s.rate is None, s.rate or 0.0, s.label.lower()))


def csat_report(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 90,
    account: str | None = None,
) -> CsatReport:
    """CSAT of the last ``days`` days overall and by milestone, tier, team, agent and week,
    the lowest first; the newest comments."""
    given = csat_filter(principal, now=now, days=days, account=account)
    repo = CsatRepository(session)
    names = dict(ReportRepository(session).milestone_names())
    comments = [
        CsatComment(r.record_id, r.answered_at, r.score, r.scale, r.milestone, r.comment or "")
        for r in repo.latest(given, limit=COMMENTS_SHOWN)
    ]
    return CsatReport(
        since=given.since,
        until=now,
        overall=_overall(repo.totals(given)),
        by_milestone=_grouped(repo, given, "milestone", names),
        by_tier=_grouped(repo, given, "tier"),
        by_team=_grouped(repo, given, "team"),
        by_agent=_grouped(repo, given, "owner"),
        by_week=weekly(session, given),
        comments=comments,
    )


def csat_of(session: Session, given: CsatFilter) -> CsatSlice:
    """CSAT of the answers ``given`` selects (a review's team and period)."""
    return _overall(CsatRepository(session).totals(given))


def by_dimension(session: Session, given: CsatFilter, by: Dimension) -> dict[str, CsatSlice]:
    """CSAT per team or tier (labels as stored, ``(none)`` for none), for the balanced report."""
    return {s.label: s for s in _grouped(CsatRepository(session), given, by)}


def answers_by_week(session: Session, given: CsatFilter) -> dict[tuple[str, str, str], CsatSlice]:
    """CSAT per (``all`` / ``team`` / ``tier``, label, week), for the balanced trend."""
    sums: dict[tuple[str, str, str], tuple[int, int, float]] = {}
    for answer in CsatRepository(session).answers(given):
        week = week_of(answer.answered_at)
        for key in (
            ("all", "everyone", week),
            ("team", answer.team or NONE_LABEL, week),
            ("tier", answer.tier or NONE_LABEL, week),
        ):
            count, happy, total = sums.get(key, (0, 0, 0.0))
            sums[key] = (count + 1, happy + answer.satisfied, total + answer.share)
    return {
        key: CsatSlice(key[1], count, happy, total / count)
        for key, (count, happy, total) in sums.items()
    }
