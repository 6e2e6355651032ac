"""Training samples from history: each closed milestone seen as it stood at points of its life.

A sample is taken where an unpaused clock would have reached a share of the target (0, 25, 50,
75 and 90 %): the record's timeline is cut there and evaluated there (``core.insights.features
.as_of``), so a sample holds only what was known at that instant; its label is whether the
milestone went on to breach. A milestone that had ended or breached by then gives no sample.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.events import Event
from caseclock.core.insights.features import (
    Features,
    as_of,
    cue_counts,
    features,
    sentiment_scores,
)
from caseclock.core.timeline import build_timeline
from caseclock.services.evaluation import AccountFacts, RecordEvaluator
from caseclock.services.ingest import to_event
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.insights import ClosedMilestone, OwnerSpan
from caseclock.store.repositories.records import EventRepository

TRAINING_SHARES = (0.0, 0.25, 0.5, 0.75, 0.9)
CHUNK = 500  # records whose timelines are read at once


@dataclass(frozen=True, slots=True)
class Sample:
    record_id: str
    key: str
    share_point: float  # where in the milestone's life it was taken
    at: datetime
    feats: Features
    breached: bool


class Backlogs:
    """How many milestones each owner had open at an instant, from when each was open."""

    def __init__(self, spans: Iterable[OwnerSpan]) -> None:
        starts: dict[str, list[datetime]] = defaultdict(list)
        ends: dict[str, list[datetime]] = defaultdict(list)
        for span in spans:
            starts[span.owner].append(span.started_at)
            if span.ended_at is not None:
                ends[span.owner].append(span.ended_at)
        self._starts = {owner: sorted(values) for owner, values in starts.items()}
        self._ends = {owner: sorted(values) for owner, values in ends.items()}

    def at(self, owner: str | None, instant: datetime) -> int:
        if owner is None:
            return 0
        started = bisect.bisect_right(self._starts.get(owner, []), instant)
        ended = bisect.bisect_right(self._ends.get(owner, []), instant)
        return max(0, started - ended)


def sample_instant(
    milestone: ClosedMilestone, share: float, calendars: Mapping[str, BusinessCalendar]
) -> datetime:
    """Where the milestone's clock would have stood at ``share`` of its target, unpaused."""
    amount = timedelta(seconds=milestone.target_seconds * share)
    calendar = calendars.get(milestone.calendar) if milestone.calendar else None
    if milestone.basis == "business" and calendar is not None:
        return calendar.add(milestone.started_at, amount)
    return milestone.started_at + amount


def owner_at(timeline: Sequence[Event], instant: datetime) -> str | None:
    owner: str | None = None
    for event in timeline:
        if event.at > instant:
            break
        if "owner" in event.data and event.type.value in ("created", "owner"):
            value = event.data.get("owner")
            owner = value if isinstance(value, str) else None
    return owner


class SampleTaker:
    """Reads timelines in chunks and takes the samples of the milestones given."""

    def __init__(self, session: Session, backlogs: Backlogs) -> None:
        self.session = session
        self.evaluator = RecordEvaluator(session)
        self.calendars = self.evaluator.calendars.all()
        self.backlogs = backlogs

    def samples(
        self, milestones: Sequence[ClosedMilestone], shares: Sequence[float]
    ) -> Iterator[Sample]:
        by_record: dict[str, list[ClosedMilestone]] = defaultdict(list)
        for milestone in milestones:
            by_record[milestone.record_id].append(milestone)
        records = sorted(by_record)
        for start in range(0, len(records), CHUNK):
            chunk = records[start : start + CHUNK]
            stored = EventRepository(self.session).timelines(chunk)
            accounts = AccountRepository(self.session).get_many(
                {m.account_id for r in chunk for m in by_record[r] if m.account_id}
            )
            facts = AccountFacts(accounts)
            for record_id in chunk:
                timeline = build_timeline(to_event(s) for s in stored[record_id])
                yield from self._record(by_record[record_id], timeline, facts, shares)

    def _record(
        self,
        milestones: Sequence[ClosedMilestone],
        timeline: Sequence[Event],
        facts: AccountFacts,
        shares: Sequence[float],
    ) -> Iterator[Sample]:
        first = milestones[0]
        process = self.evaluator.process(first.process_key, first.process_version)
        if process is None or not timeline:
            return
        wanted: dict[datetime, list[tuple[ClosedMilestone, float]]] = defaultdict(list)
        for milestone in milestones:
            for share in shares:
                instant = sample_instant(milestone, share, self.calendars)
                if instant < milestone.ended_at:
                    wanted[instant].append((milestone, share))
        scores, cues = sentiment_scores(timeline), cue_counts(timeline)
        account = facts(first.account_id)
        for instant in sorted(wanted):
            snaps = as_of(process, timeline, instant, calendars=self.calendars, account=account)
            backlog = self.backlogs.at(owner_at(timeline, instant), instant)
            for milestone, share in wanted[instant]:
                snap = snaps.get((milestone.key, milestone.cycle))
                if snap is None:
                    continue  # not running then (pending, paused before start, breached)
                feats = features(snap, timeline, scores=scores, cues=cues, backlog=backlog)
                yield Sample(
                    milestone.record_id, milestone.key, share, instant, feats, milestone.breached
                )
