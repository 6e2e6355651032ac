"""Breach risk of open milestones at ``now``, from the newest stored model.

A stored milestone row was evaluated at its record's last change; at ``now`` its standing
(``core.standing``: state, time left in its basis) gives the snapshot the model reads, and the
record's events up to ``now`` give the rest. Scoring on read keeps the risk fresh as time
passes and as the record changes, with nothing to refresh in the background.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.core.events import Event, EventType
from caseclock.core.insights.features import (
    Features,
    Snapshot,
    cue_counts,
    features,
    sentiment_scores,
)
from caseclock.core.insights.reasons import reason_text
from caseclock.core.insights.risk import RiskModel, score
from caseclock.core.milestones import MilestoneState
from caseclock.core.standing import state_at, time_left
from caseclock.core.timeline import build_timeline
from caseclock.services.calendars import CalendarCache
from caseclock.services.ingest import to_event
from caseclock.store.models import CommentSentimentRow, MilestoneRow, RiskModelRow
from caseclock.store.repositories.insights import (
    RiskModelRepository,
    SentimentRepository,
    TrainingRepository,
)
from caseclock.store.repositories.milestones import MilestoneRepository
from caseclock.store.repositories.records import EventRepository

_SCORED = (MilestoneState.RUNNING, MilestoneState.PAUSED)


@dataclass(frozen=True, slots=True)
class RiskView:
    """A milestone's risk as shown: a probability with reasons, or why there is none."""

    probability: float | None
    reasons: tuple[str, ...]
    baseline: float | None  # the Kaplan-Meier chance for the same snapshot
    status: str  # scored, no model, not enough history

    @property
    def percent(self) -> int | None:
        return None if self.probability is None else round(self.probability * 100)

    @property
    def level(self) -> str:
        """high (>= 50 %), medium (>= 20 %), low, or none."""
        if self.probability is None:
            return "none"
        return "high" if self.probability >= 0.5 else "medium" if self.probability >= 0.2 else "low"


NO_MODEL = RiskView(None, (), None, "no model")
NOT_ENOUGH = RiskView(None, (), None, "not enough history")
NO_FIGURE = RiskView(None, (), None, "no figure")  # breached already, or not started


def latest_model(session: Session) -> tuple[RiskModel, RiskModelRow] | None:
    """The newest stored model, or None before the first training."""
    row = RiskModelRepository(session).latest()
    return (RiskModel.from_json(row.model), row) if row is not None else None


def snapshot_now(row: MilestoneRow, now: datetime, calendars: CalendarCache) -> Snapshot | None:
    """A stored open milestone as it stands at ``now``; None when it is not running or paused
    (a breached one has no risk left to predict) or lacks a start or a target."""
    state = state_at(MilestoneState(row.state), row.deadline, now)
    if state not in _SCORED or row.started_at is None or not row.target_seconds:
        return None
    stored = None if row.remaining_seconds is None else timedelta(seconds=row.remaining_seconds)
    left = time_left(
        state=state,
        basis=row.basis,
        deadline=row.deadline,
        stored_remaining=stored,
        calendar=calendars.get(row.calendar, row.calendar_version),
        now=now,
    )
    if left is None:
        return None
    remaining = left.total_seconds()
    return Snapshot(
        key=row.key,
        cycle=row.cycle,
        at=now,
        started_at=row.started_at,
        target_s=row.target_seconds,
        elapsed_s=max(0.0, row.target_seconds - remaining),
        remaining_s=remaining,
        paused=state is MilestoneState.PAUSED,
    )


def signals_of(
    timeline: Sequence[Event], stored: Mapping[str, CommentSentimentRow]
) -> tuple[dict[str, float], dict[str, int]]:
    """Customer comments' sentiment scores and cue counts by event id: as stored at
    ingestion (``stored``, by event id), computed for comments stored before sentiment was (or
    whose scoring failed)."""
    scores = {event_id: row.score for event_id, row in stored.items()}
    cues = {event_id: len(row.cues) for event_id, row in stored.items()}
    missing = [
        e
        for e in timeline
        if e.type is EventType.COMMENT
        and e.id not in cues
        and e.data.get("author_role") == "customer"
    ]
    if missing:
        scores.update(sentiment_scores(missing))
        cues.update(cue_counts(missing))
    return scores, cues


@dataclass(frozen=True, slots=True)
class RecordSignals:
    """What scoring reads of records besides their milestones, read once per page: each
    record's timeline and its stored comment sentiment by event id."""

    timelines: Mapping[str, Sequence[Event]]
    sentiments: Mapping[str, Mapping[str, CommentSentimentRow]]

    @classmethod
    def load(
        cls,
        session: Session,
        record_ids: Iterable[str],
        timelines: Mapping[str, Sequence[Event]] | None = None,
    ) -> RecordSignals:
        """The records' signals; ``timelines`` when the caller has already read them."""
        wanted = set(record_ids)
        if timelines is None:
            stored = EventRepository(session).timelines(wanted)
            timelines = {
                record_id: build_timeline(to_event(s) for s in events)
                for record_id, events in stored.items()
            }
        return cls(timelines, SentimentRepository(session).for_records(wanted))


class RiskScorer:
    """Scores the open milestones of the records asked for, with the newest model."""

    def __init__(self, session: Session) -> None:
        self.session = session
        loaded = latest_model(session)
        self.model = loaded[0] if loaded else None
        self.model_id = loaded[1].id if loaded else None
        self.trained_at = loaded[1].trained_at if loaded else None
        self.calendars = CalendarCache(session)

    def for_records(
        self,
        record_ids: Iterable[str],
        now: datetime,
        signals: RecordSignals | None = None,
    ) -> dict[tuple[str, str, int], RiskView]:
        """Each running or paused milestone's risk at ``now``, by (record, key, cycle);
        ``signals``: the records' timelines and sentiment when the caller has read them."""
        wanted = set(record_ids)
        if self.model is None or not wanted:
            return {}
        rows = MilestoneRepository(self.session).for_records(wanted)
        return self.for_rows(rows, now, signals or RecordSignals.load(self.session, wanted))

    def for_rows(
        self,
        rows: Mapping[str, Sequence[MilestoneRow]],
        now: datetime,
        signals: RecordSignals,
    ) -> dict[tuple[str, str, int], RiskView]:
        """The risk of the given milestone rows (by record) at ``now``."""
        if self.model is None:
            return {}
        owners = {m.owner for ms in rows.values() for m in ms if m.owner}
        backlog = TrainingRepository(self.session).open_per_owner(owners)
        found: dict[tuple[str, str, int], RiskView] = {}
        for record_id, milestones in rows.items():
            timeline = signals.timelines.get(record_id, ())
            scores, cues = signals_of(timeline, signals.sentiments.get(record_id, {}))
            for row in milestones:
                snap = snapshot_now(row, now, self.calendars)
                if snap is None:
                    continue
                feats = features(
                    snap,
                    timeline,
                    scores=scores,
                    cues=cues,
                    backlog=backlog.get(row.owner or "", 0),
                )
                found[(record_id, row.key, row.cycle)] = self.view(feats)
        return found

    def view(self, feats: Features) -> RiskView:
        if self.model is None:
            return NO_MODEL
        risk = score(self.model, feats)
        if risk.probability is None:
            return NOT_ENOUGH
        reasons = tuple(dict.fromkeys(reason_text(r, feats) for r in risk.reasons))
        return RiskView(risk.probability, reasons, risk.km, "scored")


def recent_models(session: Session, limit: int = 10) -> list[RiskModelRow]:
    """The latest trained models, newest first (the first one scores)."""
    return list(RiskModelRepository(session).recent(limit))


def latest_trained_at(session: Session) -> datetime | None:
    """When the newest model was trained (None: never)."""
    row = RiskModelRepository(session).latest()
    return None if row is None else row.trained_at
