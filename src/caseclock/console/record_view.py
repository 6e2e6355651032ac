"""The record page: the milestone tracker, each deadline's explanation, the timeline, handoffs,
tasks, overrides and the worker's deliveries.

The record is evaluated by the records service (``evaluate_record``), as the API reads it; the
replay the milestones come from also gives the paused spans of each cycle and the explanation
of each deadline (``core.explain``), so the page shows exactly what the engine computed, never
a second reckoning.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from caseclock.console.actions import (
    assignable_processes,
    current_value,
    field_terms,
    status_choices,
)
from caseclock.console.board import HEALTH_TEXT, Tick, tick_of
from caseclock.console.deadline_story import Story, event_words, story
from caseclock.console.queues import role_queues
from caseclock.console.templating import when
from caseclock.console.wording import duration_words, field_label, team_words
from caseclock.core.cycles import Cycle
from caseclock.core.dwell import Dwell, dwell
from caseclock.core.events import Event, EventType
from caseclock.core.milestones import Health, Milestone, MilestoneState, health
from caseclock.core.policy import Process
from caseclock.core.policy_terms import FieldTerm, manual_completion
from caseclock.core.provenance import Provenance, Source
from caseclock.core.success_criteria import Checklist, checklists
from caseclock.services.insights.panels import Mood, RecordInsight, record_insights
from caseclock.services.record_firings import fired_on
from caseclock.services.records import actor_names, evaluate_record, work_items
from caseclock.store.models import (
    AccountRow,
    DeliveryRow,
    FiringRow,
    NoteRow,
    RecordRow,
    TaskRow,
)


@dataclass(frozen=True, slots=True)
class PauseSpan:
    start: datetime
    end: datetime | None
    cause: str
    left: float  # position on the cycle's wall-time strip, in percent
    width: float


@dataclass(frozen=True, slots=True)
class TrackerRow:
    milestone: Milestone
    health: Health
    health_text: str
    progress: float  # business time counted over target, percent (may exceed 100)
    pauses: list[PauseSpan]
    calendar_zone: tzinfo | None
    tick: Tick
    story: Story | None  # why its deadline is where it is, in sentences
    completable: bool  # open, and its definition may be completed by hand
    dwell: Dwell | None = None  # who held it: business time by team and owner
    checklist: Checklist | None = None  # its success criteria, when its definition has some
    kept_version: int | None = None  # decided under this process version, kept by a migration


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    detail: str | None = None
    by: str | None = None  # who sent it and how: "by Ana Ruiz via the console"
    mood: Mood | None = None  # a customer comment's sentiment, with the words behind it


@dataclass(frozen=True, slots=True)
class Handoff:
    at: datetime
    before: str | None
    after: str | None
    team: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Fired:
    """One timer the worker fired on the record, and the deliveries it put in the outbox."""

    firing: FiringRow
    title: str  # the milestone's name, or the escalation rule
    deliveries: list[DeliveryRow]


@dataclass(slots=True)
class RecordPage:
    record: RecordRow
    account: AccountRow | None
    process: Process | None
    tracker: list[TrackerRow] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)
    overrides: list[TimelineEntry] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)
    fired: list[Fired] = field(default_factory=list)
    open_keys: list[tuple[str, str]] = field(default_factory=list)  # (key, name) for the forms
    statuses: list[str] = field(default_factory=list)  # the status form's choices
    fields: list[tuple[FieldTerm, str]] = field(default_factory=list)  # with the current value
    assignable: list[tuple[str, str, bool]] = field(default_factory=list)  # key, name, entitled
    insight: RecordInsight | None = None  # risk, blockers, sentiment, summary
    role_queues: frozenset[str] = frozenset()  # teams that are role queues (``console.queues``)

    @property
    def subject(self) -> str | None:
        value = (self.record.fields or {}).get("subject")
        return value if isinstance(value, str) else None

    @property
    def form_names(self) -> set[str]:
        """The forms the page shows (an error about another is shown at the page's top)."""
        names = {"comment", "status", "owner", "sla"} | ({"fields"} if self.fields else set())
        names |= {"process"} if self.assignable else set()
        return names | {f"complete-{t.milestone.key}" for t in self.tracker if t.completable}


def record_page(
    session: Session,
    record: RecordRow,
    *,
    now: datetime,
    yellow_within: timedelta,
    zone: tzinfo,
) -> RecordPage:
    evaluated = evaluate_record(session, record, now=now)
    replay, calendars = evaluated.replay, evaluated.calendars
    process = evaluated.process
    page = RecordPage(record=record, account=evaluated.account, process=process)
    page.role_queues = queues = role_queues(session)
    page.statuses = status_choices(process, record)
    page.fields = [(t, _shown(current_value(record, t.name))) for t in field_terms(process)]
    manual = {m.key for m in process.milestones if manual_completion(m)} if process else set()
    if process is None:
        page.assignable = assignable_processes(session, record)
    if replay is not None:
        cycles = {(c.key, c.number): (t, c) for t in replay.tracks for c in t.cycles}
        ran_under = {key: found.process for key, found in evaluated.kept.items()}
        for key, found in evaluated.kept.items():  # a kept cycle: as it ran under its version
            cycles.update(
                ((c.key, c.number), (t, c))
                for t in found.replay.tracks
                for c in t.cycles
                if (c.key, c.number) == key
            )
        held = {(d.key, d.cycle): d for d in dwell(replay)}
        checks = {(c.key, c.cycle): c for c in checklists(replay)}
        for milestone in evaluated.milestones:
            calendar = calendars.get(milestone.calendar or "")
            track, cycle = cycles.get((milestone.key, milestone.cycle), (None, None))
            level = health(milestone, now, yellow_within)
            page.tracker.append(
                TrackerRow(
                    milestone=milestone,
                    health=level,
                    health_text=_health_text(milestone, level),
                    progress=_progress(milestone),
                    pauses=_pauses(cycle, milestone, now, zone, queues) if cycle else [],
                    calendar_zone=calendar.zone if calendar else None,
                    tick=tick_of(calendar, milestone.basis, milestone.state, now)
                    if milestone.is_open
                    else Tick(False, None),
                    story=story(
                        track,
                        cycle,
                        ran_under.get((milestone.key, milestone.cycle), process).definition(
                            milestone.key
                        ),
                        now=now,
                        zone=zone,
                        queues=queues,
                    )
                    if track is not None and cycle is not None and process is not None
                    else None,
                    completable=milestone.is_open and milestone.key in manual,
                    dwell=held.get((milestone.key, milestone.cycle)),
                    checklist=checks.get((milestone.key, milestone.cycle)),
                    kept_version=evaluated.kept_version(milestone),
                )
            )
        page.tracker.sort(key=_urgency)
        page.open_keys = _open_keys(page.tracker)
    timeline = evaluated.timeline
    titles = {m.key: m.title for m in process.milestones} if process else {}
    origin = evaluated.provenance
    names = actor_names(session, (p.actor for p in origin.values()))
    page.insight = record_insights(
        session, [record.id], now, summaries=True, timelines={record.id: timeline}
    )[record.id]
    moods = page.insight.mood_of
    page.timeline = [
        replace(
            _entry(e, titles, zone, queues),
            by=provenance_words(origin.get(e.id), names),
            mood=moods.get(e.id),
        )
        for e in timeline
    ]
    page.handoffs = _handoffs(timeline)
    page.overrides = [
        _entry(e, titles, zone, queues) for e in timeline if e.type is EventType.OVERRIDE
    ]
    tasks, notes = work_items(session, record)
    page.tasks, page.notes = list(tasks), [n for n in notes if n.kind == "note"]
    page.fired = [
        Fired(
            firing=f.firing,
            title=titles.get(f.firing.source, f.firing.source.replace("rule:", "escalation rule ")),
            deliveries=f.deliveries,
        )
        for f in fired_on(session, record.id)
    ]
    return page


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _health_text(milestone: Milestone, level: Health) -> str:
    if milestone.state is MilestoneState.COMPLETED:
        return "Completed late" if milestone.late else "Completed on time"
    if milestone.state is MilestoneState.CANCELLED:
        return "Cancelled"
    if milestone.state is MilestoneState.PENDING:
        return "Not started"
    if milestone.state is MilestoneState.PAUSED:
        return "Paused"
    return HEALTH_TEXT[level]


def _urgency(row: TrackerRow) -> tuple[int, float]:
    """Open clocks first, the least time left first (paused ones after running ones); then
    those not started; then the finished ones, in the process's order (the sort is stable)."""
    m = row.milestone
    if m.is_open:
        left = m.remaining.total_seconds() if m.remaining is not None else 0.0
        return (1 if m.state is MilestoneState.PAUSED else 0, left)
    return (2 if m.state is MilestoneState.PENDING else 3, 0.0)


def _progress(milestone: Milestone) -> float:
    if milestone.target is None or milestone.target <= timedelta(0):
        return 0.0
    return round(100 * milestone.elapsed / milestone.target, 1)


def _pauses(
    cycle: Cycle, milestone: Milestone, now: datetime, zone: tzinfo, queues: Collection[str]
) -> list[PauseSpan]:
    """Each pause on a wall-time strip from the cycle's start to its deadline or end; an
    instant its cause names is read on the reader's ``zone``."""
    start = cycle.started_at
    end = max(t for t in (milestone.deadline, milestone.ended_at, now) if t is not None)
    total = (end - start).total_seconds() or 1.0
    spans = []
    for pause in sorted(cycle.pauses, key=lambda p: p.start):
        stop = pause.end or min(now, end)
        cause = (
            f"when {event_words(pause.event, zone, queues)}"
            if pause.event is not None
            else pause.cause
        )
        left = max(0.0, (pause.start - start).total_seconds() / total * 100)
        width = max(0.5, (stop - pause.start).total_seconds() / total * 100)
        spans.append(PauseSpan(pause.start, pause.end, cause, round(left, 2), round(width, 2)))
    return spans


def _open_keys(rows: list[TrackerRow]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for row in rows:
        if row.milestone.is_open:
            seen.setdefault(row.milestone.key, row.milestone.name)
    return list(seen.items())


def _handoffs(timeline: list[Event]) -> list[Handoff]:
    owner: str | None = None
    found = []
    for event in timeline:
        data = event.data
        if event.type is EventType.CREATED:
            owner = _str(data.get("owner"))
        elif event.type is EventType.OWNER:
            after = _str(data.get("owner")) if "owner" in data else owner
            found.append(
                Handoff(event.at, owner, after, _str(data.get("team")), _str(data.get("note")))
            )
            owner = after
    return found


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _entry(  # noqa: PLR0912 (one case per event type)
    event: Event, titles: Mapping[str, str], zone: tzinfo, queues: Collection[str] = ()
) -> TimelineEntry:
    data = event.data
    who = _str(data.get("author") or data.get("by"))
    kind = event.type.value
    detail: str | None = None
    match event.type:
        case EventType.CREATED:
            facts = ", ".join(
                f"{k} {data[k]}" for k in ("priority", "tier", "status", "owner") if data.get(k)
            )
            text = f"Created ({facts})" if facts else "Created"
            detail = _str(data.get("subject"))
        case EventType.STATUS:
            text = f"Status set to {data.get('status')}"
        case EventType.COMMENT:
            role = data.get("author_role")
            kind = "comment-public" if data.get("public") else "comment-internal"
            audience = "Public reply" if data.get("public") else "Internal comment"
            if role == "customer":
                audience = "Customer wrote"
            text = f"{audience} by {who}" if who else audience
            detail = _str(data.get("body"))
        case EventType.OWNER:
            text = _assigned(data, queues)
            detail = _str(data.get("note"))
        case EventType.FIELD:
            text = event_words(event, zone)
            text = text[:1].upper() + text[1:]
        case EventType.PRIORITY:
            text = f"Priority set to {data.get('priority')}"
        case EventType.OVERRIDE:
            name = titles.get(str(data.get("milestone")), field_label(str(data.get("milestone"))))
            text = f"{name} SLA {_override(data, zone)} by {who}"
            detail = _str(data.get("reason"))
        case EventType.CLOSED:
            text = "Closed"
        case EventType.REOPENED:
            text = "Reopened"
        case EventType.NOTE:
            text = f"Note by {who}" if who else "Note"
            detail = _str(data.get("body"))
        case EventType.TASK:
            text = f"Task: {data.get('title')}"
            detail = f"for {data.get('assignee')}" if data.get("assignee") else None
        case EventType.CSAT:
            text, detail = _satisfaction(data, titles)
    return TimelineEntry(event.at, kind, text, detail)


def _assigned(data: Mapping[str, Any], queues: Collection[str]) -> str:
    """An ``owner`` event in words: "Assigned to owner nobody and team L2", or to a role's
    queue ("… and Senior engineer queue") when the team is one (``console.queues``)."""
    parts = []
    if "owner" in data:
        parts.append(f"owner {data.get('owner') or 'nobody'}")
    team = _str(data.get("team"))
    if team is not None and team in queues:
        parts.append(team_words(team, queues))
    elif "team" in data:
        parts.append(f"team {team or 'none'}")
    return "Assigned to " + " and ".join(parts)


def _satisfaction(data: Mapping[str, Any], titles: Mapping[str, str]) -> tuple[str, str | None]:
    """A ``csat`` event in words: "Satisfaction 4 of 5 for Resolution", and its comment."""
    rated = data.get("milestone")
    name = titles.get(str(rated), field_label(str(rated))) if rated else "the case"
    text = f"Satisfaction {data.get('score')} of {data.get('scale', 5)} for {name}"
    return text, _str(data.get("comment"))


_VIA = {
    Source.API: "via the API",
    Source.CONSOLE: "via the console",
    Source.IMPORT: "via an import",
    Source.DEMO: "from the demo data",
    Source.SURVEY: "on the satisfaction survey",
}


def provenance_words(provenance: Provenance | None, names: Mapping[str, str]) -> str | None:
    """Who sent an event and how, in words: "by Ana Ruiz via the console", "by zendesk-sync
    (service account) via the API", "automatically, by caseclock". ``names`` holds the
    display names of the users among the actors, by handle."""
    if provenance is None:
        return None
    if provenance.by_caseclock:
        return "automatically, by caseclock"
    vendor = provenance.vendor
    via = f"via the {vendor} webhook" if vendor is not None else _VIA[Source(provenance.source)]
    actor = provenance.actor
    if actor is None:
        return via
    service = actor.removeprefix("service:")
    who = names.get(actor) or (f"{service} (service account)" if service != actor else actor)
    return f"by {who} {via}"


def _override(data: dict[str, Any], zone: tzinfo) -> str:
    if data.get("extend"):
        return f"extended by {duration_words(str(data['extend']))}"
    if data.get("shorten"):
        return f"shortened by {duration_words(str(data['shorten']))}"
    if data.get("pause_until"):
        return f"paused until {when(datetime.fromisoformat(str(data['pause_until'])), zone)}"
    if data.get("pause"):
        return "paused"
    return "resumed"
