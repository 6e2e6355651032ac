"""The milestone review of one team: what broke since the last review, what is about to, what
sits still, what is held and by whom, what finished late, compliance against the period before,
and what needs a lead's decision; and the marks leads leave on items for the next review.

Each section is a query of its own over the materialized milestone rows (``ReviewRepository``),
bounded to a page of the worst items plus their count, so a review costs the same whatever
the size of the period. Who sees what: a lead or an admin, within their account scope; the
digest the worker sends is built for the whole team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from caseclock.core.compliance import Compliance
from caseclock.core.review import (
    Cadence,
    Period,
    business_days_back,
    current_period,
    due_period,
)
from caseclock.errors import Forbidden, ValidationFailed
from caseclock.services.access import Principal, Role
from caseclock.services.calendars import CalendarCache
from caseclock.services.csat import CsatSlice, csat_of
from caseclock.services.directory import Directory
from caseclock.services.review_schedules import (
    ReviewOptions,
    every_schedule,
    find_team,
    schedule_of,
    team_schedule,
)
from caseclock.store.models import ReviewMarkRow
from caseclock.store.repositories.csat import CsatFilter
from caseclock.store.repositories.people import TeamRepository
from caseclock.store.repositories.reviews import (
    SECTIONS,
    PauseEvent,
    ReviewRepository,
    ReviewRow,
    ReviewScope,
    Window,
    compliance_of,
)

PAGE = 25  # items listed per section; the count says how many there are
HORIZON = timedelta(days=7)  # "at risk over the next week"
NOTE_LIMIT = 2000
MARKS_SHOWN = 200

NO_ANSWERS = CsatSlice("all", 0, 0, None)

__all__ = ["ReviewOptions", "build_review", "open_review"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A lead's "reviewed", with the note the next review shows."""

    record_id: str
    milestone: str
    cycle: int
    note: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Held:
    """Who holds a paused clock, why, and since when (None where the timeline does not say)."""

    by: str | None
    why: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class Item:
    """One milestone cycle in a section, with the lead's latest mark on it."""

    row: ReviewRow
    mark: Mark | None = None
    held: Held | None = None


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    items: list[Item]
    total: int


@dataclass(frozen=True, slots=True)
class Review:
    team: str
    cadence: Cadence
    period: Period
    now: datetime
    zone: tzinfo
    tiers: frozenset[str] | None
    sections: list[Section]
    compliance: Compliance
    previous: Compliance
    notes: list[Mark] = field(default_factory=list)  # marks left since the period began
    priority_accounts: frozenset[str] = frozenset()  # a daily review's high-priority accounts
    csat: CsatSlice = NO_ANSWERS  # satisfaction answers of the period
    previous_csat: CsatSlice = NO_ANSWERS

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def cadence_named(text: str) -> Cadence:
    try:
        return Cadence(text)
    except ValueError:
        raise ValidationFailed(
            f"unknown review cadence {text!r}; use weekly or daily", path="cadence"
        ) from None


def reviewable_teams(session: Session, principal: Principal, directory: Directory) -> list[str]:
    """The teams whose review ``principal`` may open: every team for an admin, the teams a lead
    leads."""
    names = sorted(t.name for t in TeamRepository(session).list())
    if principal.at_least(Role.ADMIN):
        return names
    return [n for n in names if principal.handle in directory.team_leads(n)]


def check_reader(principal: Principal, team: str, directory: Directory) -> None:
    """A team's review is for its leads and for admins."""
    if principal.at_least(Role.ADMIN):
        return
    principal.require(Role.LEAD)
    if principal.handle not in directory.team_leads(team):
        raise Forbidden(f"the review of team {team!r} is for its leads")


def build_review(
    session: Session,
    *,
    team: str,
    cadence: Cadence,
    accounts: frozenset[str] | None,
    options: ReviewOptions,
    now: datetime,
    period: Period | None = None,
) -> Review:
    """The review of ``team`` for ``period`` (default: since the last scheduled review),
    read at ``now`` and limited to ``accounts`` (None: every account)."""
    row = find_team(session, team)
    calendars = CalendarCache(session)
    plan = team_schedule(row, ReviewRepository(session).schedule(team), options, calendars)
    schedule = plan.plan(cadence)
    chosen = period or current_period(schedule, now)
    daily = cadence is Cadence.DAILY
    tiers = plan.daily_tiers if daily else None
    scope = ReviewScope(team, accounts, tiers, plan.daily_accounts if daily else frozenset())
    repo = ReviewRepository(session)
    calendar = calendars.get(row.calendar)
    quiet = (
        business_days_back(calendar, now, options.stalled_days)
        if calendar is not None
        else now - timedelta(days=options.stalled_days)
    )
    window = Window(chosen.start, chosen.end, now, now + HORIZON, quiet)
    counts = repo.section_counts(scope, window)
    pages = {key: repo.page(key, scope, window, limit=PAGE) for key in SECTIONS}
    marks = _latest_marks(repo.marks(team, limit=MARKS_SHOWN))
    holders = _Holders(repo.pause_events(r.record_id for r in pages["paused"]))
    sections = [
        Section(
            key,
            TITLES[key],
            [
                Item(
                    row,
                    marks.get((row.record_id, row.key, row.cycle)),
                    holders.held(row) if key == "paused" else None,
                )
                for row in rows
            ],
            counts[key],
        )
        for key, rows in pages.items()
    ]
    before = due_period(schedule, chosen.start)  # the review period that ended as this one began
    earlier = repo.compliance_counts(scope, since=before.start, until=before.end)
    notes = [m for m in marks.values() if m.at >= chosen.start]
    satisfaction = CsatFilter(chosen.start, chosen.end, accounts, team=team, tiers=tiers)
    return Review(
        team=team,
        cadence=cadence,
        period=chosen,
        now=now,
        zone=plan.zone,
        tiers=tiers,
        sections=sections,
        compliance=Compliance(**compliance_of(counts, "c_")),
        previous=Compliance(**earlier),
        notes=sorted(notes, key=lambda m: m.at, reverse=True),
        priority_accounts=scope.priority_accounts,
        csat=csat_of(session, satisfaction),
        previous_csat=csat_of(session, replace(satisfaction, since=before.start, until=before.end)),
    )


def checked_until(value: datetime | None) -> datetime | None:
    """``until`` as given, refusing an instant without its offset."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValidationFailed("until needs a UTC offset (e.g. +00:00)", path="until")
    return value


def open_review(
    session: Session,
    *,
    team: str,
    cadence: Cadence,
    accounts: frozenset[str] | None,
    options: ReviewOptions,
    now: datetime,
    until: datetime | None = None,
) -> Review:
    """The review a lead opens: since the last scheduled review, or with ``until`` the review
    period that ended at the last scheduled instant by then (the one a digest links to)."""
    period = None
    if until is not None:
        plan = schedule_of(session, team, options).plan(cadence)
        period = due_period(plan, min(until, now))
    return build_review(
        session,
        team=team,
        cadence=cadence,
        accounts=accounts,
        options=options,
        now=now,
        period=period,
    )


TITLES = {
    "violated": "Violated since the last review",
    "at_risk": "At risk now and over the next week",
    "stalled": "Stalled: open records with no activity lately",
    "paused": "Paused",
    "late": "Completed late (the latest first)",
    "decide": "Needs a decision: past the deadline with no owner",
}


def _latest_marks(rows: Sequence[ReviewMarkRow]) -> dict[tuple[str, str, int], Mark]:
    found: dict[tuple[str, str, int], Mark] = {}
    for row in rows:  # newest first: the first one seen is the latest
        found.setdefault(
            (row.record_id, row.milestone, row.cycle),
            Mark(row.record_id, row.milestone, row.cycle, row.note, row.by, row.at),
        )
    return found


class _Holders:
    """The events that explain each paused record's hold, newest first."""

    def __init__(self, events: list[PauseEvent]) -> None:
        self.by_record: dict[str, list[PauseEvent]] = {}
        for event in events:
            self.by_record.setdefault(event.record_id, []).append(event)

    def held(self, row: ReviewRow) -> Held:
        """An override that paused this milestone names who and why; else the status (or
        field) change that put the record in a pausing state, and who made it."""
        events = self.by_record.get(row.record_id, [])
        for event in events:
            data = event.data
            pausing = bool(data.get("pause") or data.get("pause_until"))
            if event.type == "override" and data.get("milestone") == row.key and pausing:
                why = _text(data.get("reason")) or "held by hand"
                return Held(_text(data.get("by")), why, event.occurred_at)
        for event in events:
            if event.type == "status" and event.data.get("status") == row.status:
                return Held(_actor(event), f"status {row.status}", event.occurred_at)
        return Held(None, f"status {row.status}" if row.status else "held", None)


def _actor(event: PauseEvent) -> str | None:
    """Who sent the event (its stored actor), else who its data names."""
    return event.actor or _text(event.data.get("by")) or _text(event.data.get("author"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def add_mark(
    session: Session,
    principal: Principal,
    directory: Directory,
    *,
    team: str,
    record_id: str,
    milestone: str,
    cycle: int,
    note: str,
    now: datetime,
) -> Mark:
    """Mark one milestone cycle reviewed, with a note the next review shows."""
    check_reader(principal, team, directory)
    find_team(session, team)
    text = note.strip()
    if len(text) > NOTE_LIMIT:
        raise ValidationFailed(f"a note is at most {NOTE_LIMIT} characters", path="note")
    if cycle < 1:
        raise ValidationFailed("a cycle is 1 or more", path="cycle")
    if not record_id or not milestone:
        raise ValidationFailed("name the record and the milestone", path="record_id")
    row = ReviewRepository(session).add_mark(
        {
            "team": team,
            "record_id": record_id,
            "milestone": milestone,
            "cycle": cycle,
            "note": text,
            "by": principal.actor,
            "at": now,
        }
    )
    return Mark(row.record_id, row.milestone, row.cycle, row.note, row.by, row.at)


# -- the digest: which periods are due, and the claim that sends each once ------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A team's review period whose digest is due."""

    team: str
    cadence: Cadence
    period: Period


def due_digests(session: Session, options: ReviewOptions, *, now: datetime) -> list[Due]:
    """Every team's latest due period of each of its cadences not sent yet nor held by a
    worker (the claim decides who sends it). After downtime only the latest period goes out."""
    found = [
        Due(plan.team, cadence, due_period(plan.plan(cadence), now))
        for plan in every_schedule(session, options)
        for cadence in plan.cadences()
    ]
    if not found:
        return []
    earliest = min(d.period.end for d in found)
    settled = ReviewRepository(session).settled(since=earliest, now=now)
    return [d for d in found if (d.team, d.cadence.value, d.period.start) not in settled]


def claim_digest(
    session: Session, due: Due, *, worker: str, now: datetime, lease: timedelta
) -> int | None:
    """Claim ``due`` for ``worker``: the run's id, or None when another worker claimed or
    sent it. The caller commits at once, so other workers see the claim."""
    row = ReviewRepository(session).claim(
        {
            "team": due.team,
            "cadence": due.cadence.value,
            "period_start": due.period.start,
            "period_end": due.period.end,
            "state": "claimed",
            "claimed_by": worker,
            "lease_until": now + lease,
        },
        now=now,
    )
    return None if row is None else row.id


def finish_digest(
    session: Session, run_id: int, *, sent: bool, outcome: str, now: datetime
) -> None:
    """Record how sending went: ``sent``, or ``failed`` with the reason (a failed run is not
    tried again: the next period's digest follows)."""
    ReviewRepository(session).finish(
        run_id, state="sent" if sent else "failed", outcome=outcome[:2000], now=now
    )


def release_digest(session: Session, run_id: int, *, outcome: str, now: datetime) -> None:
    """Give a claim back after a failure worth retrying: another pass may claim it at once."""
    ReviewRepository(session).release(run_id, outcome=outcome[:2000], now=now)
