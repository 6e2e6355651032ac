"""What the console shows of the insights: per record its milestones' risk with reasons, its
blockers, its customer's sentiment over time and its handoff summary; per board row the risk
and the first blocker."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.core.events import Event
from caseclock.core.insights.blockers import Blocker, blockers_at
from caseclock.core.insights.reasons import span
from caseclock.core.insights.sentiment import BAND_NAMES
from caseclock.core.insights.summary import Summary, summary_at
from caseclock.services.insights.scoring import RecordSignals, RiskScorer, RiskView

SPARK_POINTS = 20  # the latest customer comments the sparkline draws


@dataclass(frozen=True, slots=True)
class Mood:
    """One scored customer comment."""

    at: datetime
    score: float
    band: str
    drivers: tuple[str, ...]  # "terrible (-2.5)"
    cues: tuple[str, ...]  # "production is down"


@dataclass(slots=True)
class RecordInsight:
    risks: dict[tuple[str, int], RiskView] = field(default_factory=dict)
    blockers: list[tuple[Blocker, str]] = field(default_factory=list)  # with its age in words
    moods: list[Mood] = field(default_factory=list)
    summary: Summary | None = None

    @property
    def first_blocker(self) -> str | None:
        if not self.blockers:
            return None
        blocker, age = self.blockers[0]
        return blocker.describe(age)

    def sparkline(self, width: int = 160, height: int = 32) -> str:
        """SVG polyline points of the latest scores (-1 at the bottom, +1 at the top)."""
        moods = self.moods[-SPARK_POINTS:]
        if len(moods) < 2:
            return ""
        step = width / (len(moods) - 1)
        return " ".join(
            f"{i * step:.1f},{(1 - m.score) / 2 * height:.1f}" for i, m in enumerate(moods)
        )

    @property
    def trend(self) -> str | None:
        """falling, rising or steady: the latest score against the mean of those before."""
        if len(self.moods) < 2:
            return None
        earlier = [m.score for m in self.moods[-SPARK_POINTS:-1]]
        delta = self.moods[-1].score - sum(earlier) / len(earlier)
        return "falling" if delta < -0.2 else "rising" if delta > 0.2 else "steady"


def _blockers(timeline: Sequence[Event], now: datetime) -> list[tuple[Blocker, str]]:
    return [(b, span((now - b.since).total_seconds())) for b in blockers_at(timeline, now)]


def record_insights(
    session: Session,
    record_ids: Iterable[str],
    now: datetime,
    *,
    summaries: bool = False,
    timelines: Mapping[str, Sequence[Event]] | None = None,
) -> dict[str, RecordInsight]:
    """Each record's insights at ``now`` (the summary only when asked: it is the costly
    part); ``timelines``, by record, when the caller has read them (the record page has)."""
    wanted = set(record_ids)
    found = {record_id: RecordInsight() for record_id in wanted}
    if not wanted:
        return found
    # read once: the risk, the blockers, the summary and the moods all use them
    signals = RecordSignals.load(session, wanted, timelines)
    risks = RiskScorer(session).for_records(wanted, now, signals)
    for (record_id, key, cycle), view in risks.items():
        found[record_id].risks[(key, cycle)] = view
    for record_id, timeline in signals.timelines.items():
        found[record_id].blockers = _blockers(timeline, now)
        if summaries:
            found[record_id].summary = summary_at(timeline, now)
    for record_id, by_event in signals.sentiments.items():
        rows = by_event.values()
        found[record_id].moods = [
            Mood(
                at=row.occurred_at,
                score=row.score,
                band=BAND_NAMES[row.band],
                drivers=tuple(f"{word} ({valence:+.1f})" for word, valence in row.drivers),
                cues=tuple(str(words) for _rule, words in row.cues),
            )
            for row in rows
        ]
    return found
