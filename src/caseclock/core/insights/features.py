"""A milestone's features as of an instant: only what was known then.

``as_of`` evaluates the record's timeline cut at the instant, at that instant: the milestone a
person would have seen then (elapsed share, time left, paused or not), never its end.
``features`` turns that snapshot and the events up to the instant into named numbers and
categories; events after the instant are ignored, so a prediction made then and a training row
taken from history for then read the same values. ``tests/core/insights`` holds this with a
property test: appending events after the instant changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.evaluate import evaluate
from caseclock.core.events import Event, EventType
from caseclock.core.insights.sentiment import comment_sentiment
from caseclock.core.insights.urgency import urgency_cues
from caseclock.core.milestones import Milestone, MilestoneState
from caseclock.core.policy import Process

_HOUR: Final = 3600.0
_DAY: Final = 86400.0
PRIORITY_RANKS: Final = {"p1": 1.0, "p2": 2.0, "p3": 3.0, "p4": 4.0}
_SNAPSHOT_STATES: Final = frozenset({MilestoneState.RUNNING, MilestoneState.PAUSED})
RECENT: Final = 3  # customer comments a sentiment fall is measured over

NUMERIC: Final = (
    "share",
    "left_log_h",
    "target_log_h",
    "paused_now",
    "reassignments",
    "team_changes",
    "customer_comments",
    "agent_replies",
    "waiting_on_customer",
    "customer_waiting_log_h",
    "sentiment_last",
    "sentiment_min",
    "sentiment_fall",
    "urgency",
    "priority_rank",
    "weekend",
    "hour_sin",
    "hour_cos",
    "backlog_log",
)
CATEGORICAL: Final = ("definition", "tier", "team")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An open milestone as it stood at ``at``: what its clock said then."""

    key: str
    cycle: int
    at: datetime
    started_at: datetime
    target_s: float
    elapsed_s: float
    remaining_s: float
    paused: bool

    @property
    def share(self) -> float:
        return self.elapsed_s / self.target_s if self.target_s > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Features:
    numeric: dict[str, float]
    categorical: dict[str, str]
    customer_waiting_s: float  # the raw figures behind two features, for reasons
    reassignments: int


def snapshot_of(milestone: Milestone, at: datetime) -> Snapshot | None:
    """The snapshot of an evaluated milestone at ``at``: running or paused, with a target and
    a start; None otherwise (nothing to predict)."""
    if (
        milestone.state not in _SNAPSHOT_STATES
        or milestone.target is None
        or milestone.started_at is None
        or milestone.remaining is None
    ):
        return None
    target = milestone.target.total_seconds()
    remaining = milestone.remaining.total_seconds()
    return Snapshot(
        key=milestone.key,
        cycle=milestone.cycle,
        at=at,
        started_at=milestone.started_at,
        target_s=target,
        elapsed_s=max(0.0, target - remaining),
        remaining_s=remaining,
        paused=milestone.state is MilestoneState.PAUSED,
    )


def prefix(timeline: Sequence[Event], at: datetime) -> list[Event]:
    """The events of an ordered timeline up to ``at`` (the instant included)."""
    cut = len(timeline)
    for index, event in enumerate(timeline):
        if event.at > at:
            cut = index
            break
    return list(timeline[:cut])


def as_of(
    process: Process,
    timeline: Sequence[Event],
    at: datetime,
    *,
    calendars: Mapping[str, BusinessCalendar],
    account: Mapping[str, Any] | None = None,
) -> dict[tuple[str, int], Snapshot]:
    """The open milestones of a record as they stood at ``at``, by (key, cycle): its timeline
    cut at ``at`` and evaluated at ``at``."""
    known = prefix(timeline, at)
    if not known:
        return {}
    found: dict[tuple[str, int], Snapshot] = {}
    for milestone in evaluate(process, known, at, calendars=calendars, account=account):
        snap = snapshot_of(milestone, at)
        if snap is not None:
            found[(snap.key, snap.cycle)] = snap
    return found


def _log_h(seconds: float) -> float:
    return math.log1p(max(0.0, seconds) / _HOUR)


def _customer_bodies(timeline: Sequence[Event]) -> Iterator[tuple[str, str | None]]:
    for event in timeline:
        if event.type is EventType.COMMENT and event.data.get("author_role") == "customer":
            body = event.data.get("body")
            yield event.id, body if isinstance(body, str) else None


def sentiment_scores(timeline: Sequence[Event]) -> dict[str, float]:
    """The sentiment score of every customer comment of a timeline, by event id (what the
    store keeps beside each event; computed here when it is not stored)."""
    found: dict[str, float] = {}
    for event_id, body in _customer_bodies(timeline):
        scored = comment_sentiment(body)
        if scored is not None:
            found[event_id] = scored.score
    return found


def cue_counts(timeline: Sequence[Event]) -> dict[str, int]:
    """How many urgency cues each customer comment holds, by event id (stored beside the
    sentiment; computed here when it is not stored)."""
    return {event_id: len(urgency_cues(body)) for event_id, body in _customer_bodies(timeline)}


class _Thread:
    """Counts over the events up to the instant."""

    def __init__(self) -> None:
        self.owner: str | None = None
        self.team: str | None = None
        self.tier = ""
        self.priority = ""
        self.status = ""
        self.reassignments = 0
        self.team_changes = 0
        self.customer_comments = 0
        self.agent_replies = 0
        self.last_customer: datetime | None = None  # unanswered customer comment
        self.scores: list[float] = []
        self.urgency = 0

    def step(self, event: Event, scores: Mapping[str, float], cues: Mapping[str, int]) -> None:
        data, kind = event.data, event.type
        if kind is EventType.CREATED:
            self.tier = str(data.get("tier") or "")
            self.priority = str(data.get("priority") or "")
            self.status = str(data.get("status") or "")
            self.owner = _text(data.get("owner"))
            self.team = _text(data.get("team"))
        elif kind is EventType.OWNER:
            self._owner(data)
        elif kind is EventType.PRIORITY:
            self.priority = str(data.get("priority") or "")
        elif kind is EventType.STATUS:
            self.status = str(data.get("status") or "")
        elif kind is EventType.COMMENT and data.get("public") is True:
            self._comment(event, scores, cues)

    def _owner(self, data: Mapping[str, Any]) -> None:
        if "owner" in data:
            owner = _text(data.get("owner"))
            if self.owner is not None and owner != self.owner:
                self.reassignments += 1
            self.owner = owner
        if "team" in data:
            team = _text(data.get("team"))
            if self.team is not None and team != self.team:
                self.team_changes += 1
            self.team = team

    def _comment(self, event: Event, scores: Mapping[str, float], cues: Mapping[str, int]) -> None:
        role = event.data.get("author_role")
        if role == "customer":
            self.customer_comments += 1
            if self.last_customer is None:
                self.last_customer = event.at
            score = scores.get(event.id)
            if score is not None:
                self.scores.append(score)
            self.urgency += cues.get(event.id, 0)
        elif role == "agent":
            self.agent_replies += 1
            self.last_customer = None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def features(
    snap: Snapshot,
    timeline: Sequence[Event],
    *,
    scores: Mapping[str, float],
    cues: Mapping[str, int],
    backlog: int = 0,
) -> Features:
    """The features of ``snap`` from the events of ``timeline`` up to ``snap.at`` (later ones
    are never read). ``scores`` and ``cues`` hold customer comments' sentiment and urgency cue
    counts by event id (``sentiment_scores``, ``cue_counts``, or as stored); ``backlog`` is
    the owner's count of open milestones at that instant."""
    at = snap.at
    thread = _Thread()
    for event in timeline:
        if event.at > at:
            break
        thread.step(event, scores, cues)
    waiting_s = (at - thread.last_customer).total_seconds() if thread.last_customer else 0.0
    recent = thread.scores[-RECENT:]
    last = recent[-1] if recent else 0.0
    local = at.astimezone(UTC)
    angle = 2 * math.pi * (local.hour + local.minute / 60) / 24
    status = thread.status.casefold()
    numeric = {
        "share": min(snap.share, 2.0),
        "left_log_h": _log_h(snap.remaining_s),
        "target_log_h": _log_h(snap.target_s),
        "paused_now": 1.0 if snap.paused else 0.0,
        "reassignments": float(min(thread.reassignments, 10)),
        "team_changes": float(min(thread.team_changes, 10)),
        "customer_comments": float(min(thread.customer_comments, 20)),
        "agent_replies": float(min(thread.agent_replies, 20)),
        "waiting_on_customer": 1.0 if "wait" in status or "pending" in status else 0.0,
        "customer_waiting_log_h": _log_h(waiting_s),
        "sentiment_last": last,
        "sentiment_min": min(thread.scores) if thread.scores else 0.0,
        "sentiment_fall": max(0.0, max(recent) - last) if recent else 0.0,
        "urgency": float(min(thread.urgency, 10)),
        "priority_rank": PRIORITY_RANKS.get(thread.priority.casefold(), 3.0),
        "weekend": 1.0 if local.weekday() >= 5 else 0.0,
        "hour_sin": math.sin(angle),
        "hour_cos": math.cos(angle),
        "backlog_log": math.log1p(max(0, backlog)),
    }
    categorical = {"definition": snap.key, "tier": thread.tier, "team": thread.team or ""}
    return Features(numeric, categorical, waiting_s, thread.reassignments)
