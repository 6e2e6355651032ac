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
from caseclock.services.insights.handoffs import stored_summary
from caseclock.services.insights.scoring import RecordSignals, RiskScorer, RiskView
from caseclock.services.insights.suggestions import open_suggestions
from caseclock.store.models import CommentSentimentRow, HandoffSummaryRow, PrioritySuggestionRow
from caseclock.store.repositories.insights import SentimentRepository

SPARK_POINTS = 20  # the latest customer comments the sparkline draws


@dataclass(frozen=True, slots=True)
class Mood:
    """One scored customer comment."""

    event_id: str
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
    written: HandoffSummaryRow | None = None  # the summary the worker last wrote
    suggestion: PrioritySuggestionRow | None = None  # the open priority suggestion

    @property
    def provider_prose(self) -> str | None:
        """The prose the configured provider wrote for the summary, if it did."""
        written = self.written
        if written is None or written.source != "provider":
            return None
        for line in written.text.splitlines():
            if line.startswith("Summary: "):
                return line.removeprefix("Summary: ")
        return None

    @property
    def mood_of(self) -> dict[str, Mood]:
        """The scored comments by event id (for the timeline)."""
        return {m.event_id: m for m in self.moods}

    @property
    def first_blocker(self) -> str | None:
        if not self.blockers:
            return None
        blocker, age = self.blockers[0]
        return blocker.describe(age)

    def sparkline(self, width: int = 160, height: int = 32) -> str:
        return sparkline(self.moods, width, height)

    @property
    def trend(self) -> str | None:
        return trend(self.moods)


def sparkline(moods: Sequence[Mood], width: int = 160, height: int = 32) -> str:
    """SVG polyline points of the latest scores (-1 at the bottom, +1 at the top)."""
    shown = moods[-SPARK_POINTS:]
    if len(shown) < 2:
        return ""
    step = width / (len(shown) - 1)
    return " ".join(f"{i * step:.1f},{(1 - m.score) / 2 * height:.1f}" for i, m in enumerate(shown))


def trend(moods: Sequence[Mood]) -> str | None:
    """falling, rising or steady: the latest score against the mean of those before."""
    if len(moods) < 2:
        return None
    earlier = [m.score for m in moods[-SPARK_POINTS:-1]]
    delta = moods[-1].score - sum(earlier) / len(earlier)
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
        found[record_id].moods = [_mood(event_id, row) for event_id, row in by_event.items()]
    if summaries:  # the record page: what the worker wrote, and the open suggestion
        open_ones = open_suggestions(session, wanted)
        for record_id in wanted:
            found[record_id].written = stored_summary(session, record_id)
            found[record_id].suggestion = open_ones.get(record_id)
    return found


def _mood(event_id: str, row: CommentSentimentRow) -> Mood:
    return Mood(
        event_id=event_id,
        at=row.occurred_at,
        score=row.score,
        band=BAND_NAMES[row.band],
        drivers=tuple(f"{word} ({valence:+.1f})" for word, valence in row.drivers),
        cues=tuple(str(words) for _rule, words in row.cues),
    )


ACCOUNT_POINTS = 60  # the account's latest customer comments its trend shows


@dataclass(frozen=True, slots=True)
class AccountMood:
    """An account's customers' sentiment over their latest comments."""

    moods: list[tuple[Mood, str]]  # with the record each comment is on

    @property
    def sparkline(self) -> str:
        return sparkline([m for m, _ in self.moods])

    @property
    def trend(self) -> str | None:
        return trend([m for m, _ in self.moods])

    @property
    def mean(self) -> float | None:
        if not self.moods:
            return None
        return sum(m.score for m, _ in self.moods) / len(self.moods)


def account_mood(session: Session, account_id: str, limit: int = ACCOUNT_POINTS) -> AccountMood:
    """The sentiment of the account's latest customer comments, oldest first."""
    rows = SentimentRepository(session).for_account(account_id, limit)
    return AccountMood([(_mood("", row), row.record_id) for row in rows])
