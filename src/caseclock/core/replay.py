"""Replaying a record's timeline through a process: which cycles ran, and why.

Events are taken in timeline order (``timeline.build_timeline``: by ``occurred_at``, duplicates
once). At each event the record's fields advance, then every definition, relative milestones
after the ones they wait for, takes these steps in this order:

1. a reopening resumes, restarts or ignores the cycle the closing ended (``on_reopen``);
2. an override of this milestone moves its open cycle (extend, shorten, pause, resume);
3. a definition that no longer ``applies_when`` cancels its open cycle;
4. ``complete`` completes the open cycle (a ``repeat`` starts the next unless ``until`` holds);
   with ``without_criteria: block`` only when its success criteria are met, else the cycle
   stays open and completes at the first later event that meets them;
5. ``until`` stops a repeating definition; closing the record cancels what is still open
   (not a cycle whose completion is blocked);
6. ``reset`` cancels the open cycle and starts a new one at once;
7. ``start`` starts a cycle on its rising edge, as the recurrence allows;
8. the ``pause`` level opens or closes a pause of the open cycle.

A definition without ``complete`` is a dated checkpoint: it completes at its deadline.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.conditions import Facts, getter
from caseclock.core.criteria_check import unmet
from caseclock.core.cycles import Cycle, EndKind, Pause
from caseclock.core.events import Event, EventType
from caseclock.core.instants import instant_us, timedelta_us
from caseclock.core.overrides import apply_override
from caseclock.core.policy import Process
from caseclock.core.process_compiled import CompiledDef, CompiledProcess, compile_process
from caseclock.core.record_state import RecordState, advance
from caseclock.core.targets import CalendarRule, MonthAnchor, amount_on, date_instant

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_OVERRIDE: Final = EventType.OVERRIDE
_COMMENT: Final = EventType.COMMENT

MAX_CHECKPOINT_CYCLES = 1000
_NO_LONGER_APPLIES: Final = "no longer applies"
_CYCLE_ENDED: Final = "cycle ended"


@dataclass(init=False)
class Track:
    """Everything replayed for one definition: its cycles and its edge-detection memory."""

    compiled: CompiledDef
    cycles: list[Cycle] = field(default_factory=list)
    applies: bool = False
    start_was: bool = False
    armed: Event | None = None
    stopped: bool = False
    pause_since: Event | None = None
    met: Facts | None = None  # the completion met while armed (start matched, not applying)
    notes: list[tuple[datetime, str]] = field(default_factory=list)
    seen: int = -1  # index of the last event this track was shown
    key: str = ""
    once: bool = False

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(self, compiled: CompiledDef) -> None:
        self.compiled = compiled
        self.cycles = []
        self.applies = False
        self.start_was = False
        self.armed = None
        self.stopped = False
        self.pause_since = None
        self.met = None
        self.notes = []
        self.seen = -1
        self.key = compiled.key
        self.once = compiled.mode == "once"

    def dormant(self) -> bool:
        """Nothing but a reopening or an override can change this definition any more: it ran
        its only cycle (``once``) or was stopped, and nothing is open. A cycle cancelled because
        the definition stopped applying does not count: it starts again when it applies again."""
        cycles = self.cycles
        return (
            bool(cycles)
            and cycles[-1].end_kind is not None
            and (self.stopped or (self.once and cycles[-1].end_cause != _NO_LONGER_APPLIES))
        )

    def idle(self) -> bool:
        """No cycle is open, and one may still start."""
        cycles = self.cycles
        return not cycles or (cycles[-1].end_kind is not None and not self.dormant())

    def open_cycle(self) -> Cycle | None:
        cycles = self.cycles
        return cycles[-1] if cycles and cycles[-1].end_kind is None else None


@dataclass(init=False)
class Replay:
    """The outcome of replaying a timeline up to ``now``."""

    process: Process
    tracks: list[Track]
    state: RecordState
    account: Mapping[str, Any]
    now: datetime
    events: list[Event]
    refusals: dict[str, str]  # override event id -> why it was refused (and ignored)

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(  # noqa: PLR0917 (positional, like the fields it mirrors)
        self,
        process: Process,
        tracks: list[Track],
        state: RecordState,
        account: Mapping[str, Any],
        now: datetime,
        events: list[Event],
        refusals: dict[str, str] | None = None,
    ) -> None:
        self.process = process
        self.tracks = tracks
        self.state = state
        self.account = account
        self.now = now
        self.events = events
        self.refusals = {} if refusals is None else refusals


class _Replayer:
    def __init__(
        self,
        compiled: CompiledProcess,
        calendars: Mapping[str, BusinessCalendar],
        account: Mapping[str, Any],
        now: datetime,
        *,
        skipping: bool = True,
    ) -> None:
        self.compiled = compiled
        self.skipping = skipping
        self.calendars = calendars
        self.known = set(calendars)
        self.account = account
        self.now = now
        self.state = RecordState({})
        self.tracks = [Track(d) for d in compiled.definitions]
        self.checkpoints = [t for t in self.tracks if t.compiled.complete is None]
        self.shown_to: dict[tuple[int, ...], list[Track]] = {}  # watcher indices -> tracks
        self.starts: dict[tuple[str, int], datetime] = {}  # (calendar, instant) -> local
        self.max_extension = compiled.process.max_extension
        self.refusals: dict[str, str] = {}  # override event id -> why it was refused
        self.events: list[Event] = []  # the timeline being replayed, and the current index
        self.stamps: list[int] = []
        self.index = 0
        self.customer_comments: list[str] = []  # their bodies so far (``sentiment_drop``)
        choice = compiled.process.calendar
        self.zone_rule = (
            CalendarRule.of(choice) if choice is not None else compiled.definitions[0].calendar
        )
        self.fixed_zone: tzinfo | None = None  # the zone, when no record field chooses it
        if self.zone_rule.read is None:
            self.fixed_zone = self._zone({})

    # -- the event loop ------------------------------------------------------------------

    def run(self, events: list[Event], stamps: list[int]) -> None:
        """Replay ``events``, which happened at ``stamps`` (UTC microseconds)."""
        closed_statuses = self.compiled.process.closed_statuses
        self.events, self.stamps = events, stamps
        for index, event in enumerate(events):
            self.index = index
            at, kind, data = event.at, event.type, event.data  # read the pydantic event once
            at_us = stamps[index]
            if self.checkpoints:
                self._roll_checkpoints(at_us)
            before = self.state
            self.state = advance(before, kind, data, closed_statuses)
            after = self.state.fields
            zone = self._zone(after)
            facts = Facts(at, before.fields, after, self.account, event, None, at_us, zone)
            closing = self.state.closed and not before.closed
            reopening = before.closed and not self.state.closed
            facts.closing, facts.reopening = closing, reopening
            facts.earlier_comments = self.customer_comments
            everyone = closing or reopening or kind is _OVERRIDE
            shown = everyone or not self.skipping
            for track in self.tracks if shown else self._watching(kind, data):
                if (
                    not shown
                    and kind not in track.compiled.idle_watch
                    and track.idle()
                    and track.armed is None  # an armed one watches for its completion
                ):
                    continue  # nothing that can start, stop or pause it changed
                if track.seen < index - 1 and track.compiled.idle_start == "false":
                    track.start_was = False  # a lone trigger was false at the events skipped
                track.seen = index
                self._step(track, facts, closing, reopening)
            if kind is _COMMENT and data.get("author_role") == "customer":
                body = data.get("body")
                if isinstance(body, str):
                    self.customer_comments.append(body)
        self._roll_checkpoints(instant_us(self.now))

    def _zone(self, fields: Mapping[str, Any]) -> tzinfo:
        """The zone date-only fields are read in: the record's calendar's (the process's)."""
        if self.fixed_zone is not None:
            return self.fixed_zone
        calendar = self.calendars.get(self.zone_rule.choose(fields, self.account, self.known))
        return UTC if calendar is None else calendar.zone

    def _watching(self, kind: EventType, data: Mapping[str, Any]) -> list[Track]:
        """The tracks whose conditions an event may change (see ``core.event_relevance``)."""
        indices = self.compiled.watching(kind, data)
        tracks = self.shown_to.get(indices)
        if tracks is None:
            tracks = self.shown_to[indices] = [self.tracks[i] for i in indices]
        return tracks

    def _step(self, track: Track, facts: Facts, closing: bool, reopening: bool) -> None:
        d, event = track.compiled, facts.event
        mine = (
            facts.kind is _OVERRIDE
            and event is not None
            and event.data.get("milestone") == track.key
        )
        if self.skipping and not (closing or reopening or mine) and track.dormant():
            return
        applies = d.applies.test(facts) if d.applies is not None else True
        if reopening:
            self._reopen(track, facts)
        cycle = track.open_cycle()
        if mine and event is not None:
            self._override(track, cycle, event)
        stop = d.until is not None and d.until.test(facts)
        if cycle is not None and not applies:
            self._end(track, cycle, "cancelled", facts, _NO_LONGER_APPLIES)
            cycle = None
        at_us = facts.at_us
        if cycle is not None:
            cycle = self._completion(track, cycle, facts, stop, reopening)
        if stop:
            track.stopped = True
            if cycle is not None:
                self._end(track, cycle, "cancelled", facts, "stopped: until matched")
                cycle = None
        if closing and cycle is not None and cycle.blocked_us is None:
            self._end(track, cycle, "cancelled", facts, "record closed")
            cycle = None
        if cycle is not None and d.recompute:
            self._recompute_target(track, cycle, facts)
        if cycle is not None and d.reset is not None and d.reset.test(facts):
            self._end(track, cycle, "cancelled", facts, "reset condition matched")
            self._start(track, facts, at_us, "reset condition matched")
        self._start_edge(track, facts, applies)
        started = track.open_cycle()
        if started is not None and started is not cycle and started.started_us == at_us:
            self._complete_at_start(track, started, facts)
        self._pause_level(track, facts)

    def _completion(
        self, track: Track, cycle: Cycle, facts: Facts, stop: bool, reopening: bool
    ) -> Cycle | None:
        """Step 4: complete the open cycle when asked (or when the criteria a blocked
        completion waits for are met), starting a repeat; the cycle open afterwards."""
        d, at_us = track.compiled, facts.at_us
        if reopening:
            cycle.blocked_us = None  # back in work: a completion must be asked for again
        asked = (
            (cycle.started_us <= at_us or _deferred_from_before(d, cycle, facts.event))
            and d.complete is not None
            and d.complete.test(facts)
        )
        if not asked and cycle.blocked_us is None:
            return cycle
        cause = "complete condition matched"
        if cycle.blocked_us is not None:
            cause = "success criteria met after a blocked completion"
        elif cycle.started_us > at_us:
            cause = "answered before its deferred start"
        if not self._complete(track, cycle, facts, cause):
            return cycle
        return self._repeat(track, cycle, facts, stop or self.state.closed)

    def _override(self, track: Track, cycle: Cycle | None, event: Event) -> None:
        """Apply an override of this milestone; one the evaluator refuses is remembered."""
        refused = apply_override(cycle, event, track.notes, self.max_extension)
        if refused is not None:
            self.refusals[event.id] = refused

    def _recompute_target(self, track: Track, cycle: Cycle, facts: Facts) -> None:
        """Choose the running cycle's target again from the record as it now is."""
        chosen = track.compiled.target.resolve(
            facts, cycle.started_at, cycle.business, None, cycle.anchor
        )
        old = cycle.target
        if (chosen.text, chosen.amount) != (old.text, old.amount):
            note = f"target re-chosen: {old.text} -> {chosen.text} ({chosen.reason})"
            cycle.notes.append((facts.at, note + _ref_of(facts.event)))
            cycle.target = chosen

    def _complete_at_start(self, track: Track, cycle: Cycle, facts: Facts) -> None:
        """A cycle whose completion is a level that already holds when it starts completes at
        once (an owner given on creation); a trigger of the starting event completes nothing."""
        complete = track.compiled.complete
        if complete is not None and track.compiled.complete_is_level and complete.test(facts):
            cause = "complete condition held at the start"
            if self._complete(track, cycle, facts, cause):
                self._repeat(track, cycle, facts, self.state.closed)

    def _complete(self, track: Track, cycle: Cycle, facts: Facts, cause: str) -> bool:
        """Complete ``cycle`` at the facts' instant, unless its definition blocks completions
        that miss a success criterion and one is missing: then the cycle stays open, its
        notes say why (once), and it completes at the first later event that meets them."""
        if track.compiled.blocks:
            missing = self._missing(track, cycle)
            if missing:
                if cycle.blocked_us is None:
                    cycle.blocked_us = facts.at_us
                    note = f"completion blocked: success criteria not met ({missing})"
                    cycle.notes.append((facts.at, note + _ref_of(facts.event)))
                return False
        cycle.blocked_us = None
        self._end(track, cycle, "completed", facts, cause)
        facts.add_completed(track.key)
        return True

    def _missing(self, track: Track, cycle: Cycle) -> str:
        """The success criteria of ``cycle`` not met by the events so far (``core
        .criteria_check``), joined; "" when all are met."""
        before = self.events[: self.index + 1]
        first = bisect_left(self.stamps, cycle.started_us, 0, self.index + 1)
        return unmet(track.compiled.definition.criteria, before[first:], before)

    # -- starting ------------------------------------------------------------------------

    def _start_edge(self, track: Track, facts: Facts, applies: bool) -> None:
        matched = track.compiled.start.test(facts)
        rising = matched and not track.start_was
        became_applicable = applies and not track.applies
        track.start_was, track.applies = matched, applies
        if self.state.closed or track.stopped:
            return
        if rising and not applies:
            track.armed, track.met = facts.event, None
        elif (
            track.armed is not None
            and not applies
            and not track.cycles
            and track.met is None
            and track.compiled.complete is not None
            and track.compiled.complete.test(facts)
        ):
            track.met = facts  # done before it applied: not to be asked again
        elif rising:
            self._try_start(track, facts)
        elif became_applicable and track.armed is not None and not track.cycles:
            self._start_late(track, facts, track.armed)
        elif became_applicable and track.cycles and track.open_cycle() is None:
            last = track.cycles[-1]
            if last.end_cause == _NO_LONGER_APPLIES:
                cause = f"applies again; cycle {last.number} was cancelled when it stopped applying"
                self._start(track, facts, facts.at_us, cause)

    def _start_late(self, track: Track, facts: Facts, armed: Event) -> None:
        """Start a definition that applies only now, its start having matched at ``armed``:
        from now, or from ``armed`` when it is ``retroactive``. A completion met in between is
        not asked again: the cycle completes at once (or, retroactive, at that instant)."""
        retroactive = track.compiled.definition.retroactive
        ref = f"({armed.type} {armed.id})"
        if retroactive:
            cause = f"retroactive start: the start matched at {armed.at.isoformat()} {ref}"
            cycle = self._start(track, facts, instant_us(armed.at), cause)
        else:
            cause = f"applies since this event; start matched earlier {ref}"
            cycle = self._start(track, facts, facts.at_us, cause)
        met, track.met, track.armed = track.met, None, None
        if met is None or track.compiled.complete is None:
            return
        when = met if retroactive else facts
        self._end(track, cycle, "completed", when, "complete condition met before it applied")
        facts.add_completed(track.key)
        self._repeat(track, cycle, when, self.state.closed)

    def _try_start(self, track: Track, facts: Facts) -> None:
        mode = track.compiled.mode
        if mode in ("once", "repeat") and track.cycles:
            return
        if track.open_cycle() is not None:
            return
        at_us = facts.at_us
        if mode == "sequential" and track.cycles:
            at_us = _not_before_deadline(track.cycles[-1], at_us)
        self._start(track, facts, at_us, "start condition matched")

    def _repeat(self, track: Track, done: Cycle, facts: Facts, stopped: bool) -> Cycle | None:
        compiled = track.compiled
        if compiled.mode != "repeat" or stopped or track.stopped:
            return None
        at_us = facts.at_us if done.ended_us is None else done.ended_us
        if compiled.anchor == "deadline":
            at_us = _not_before_deadline(done, at_us)
        cause = f"repeat after cycle {done.number}"
        chain = done.next_anchor(at_us)
        return self._start(track, facts, at_us, cause, anchored=False, chain=chain)

    def _start(
        self,
        track: Track,
        facts: Facts,
        at: int,
        cause: str,
        *,
        anchored: bool = True,
        chain: MonthAnchor | None = None,
    ) -> Cycle:
        """Start a cycle at instant ``at`` (microseconds), or at its ``start_at`` date; month
        targets count from ``chain`` when given (``Cycle.next_anchor``)."""
        d = track.compiled
        name = d.calendar.choose(facts.after, facts.account, self.known)
        calendar = self._calendar(name)
        start, start_us = self._local(calendar, at), at
        if anchored and d.start_at is not None:
            dated = date_instant(getter(d.start_at)(facts.after, facts.account), calendar)
            if dated is not None:
                start, start_us = dated, instant_us(dated)
        target = d.target.resolve(facts, start, calendar, start_us, chain)
        number = len(track.cycles) + 1
        cycle = Cycle(
            track.key, number, start, name, calendar, target, cause, facts.event, start_us
        )
        cycle.anchor = chain
        if d.pause_cap is not None:
            cap = amount_on(cycle.clock, d.pause_cap, calendar, start)
            cycle.pause_cap_us = timedelta_us(cap)
        if track.pause_since is not None:
            cycle.pauses.append(_condition_pause(start, start_us, track.pause_since))
        track.cycles.append(cycle)
        return cycle

    def _local(self, calendar: BusinessCalendar, at: int) -> datetime:
        """``calendar.local(at)``, once per calendar and instant: several definitions start at
        the same event."""
        key = (calendar.name, at)
        found = self.starts.get(key)
        if found is None:
            found = self.starts[key] = calendar.local(at)
        return found

    def _calendar(self, name: str) -> BusinessCalendar:
        try:
            return self.calendars[name]
        except KeyError:
            raise ValueError(f"calendar {name!r} is needed but was not given") from None

    # -- ending, reopening, pausing --------------------------------------------------------

    def _end(self, track: Track, cycle: Cycle, kind: EndKind, facts: Facts, cause: str) -> None:
        """End ``cycle`` at the facts' instant, closing its open pauses."""
        cycle.set_end(facts.at, facts.at_us)
        cycle.end_kind, cycle.end_cause = kind, cause
        cycle.end_event = facts.event
        cycle.ended_by_close = self.state.closed
        cycle.owner = track.compiled.owner(self.state.fields)
        for pause in cycle.pauses:
            if pause.end is None:
                pause.close(facts.at, facts.at_us, _CYCLE_ENDED)

    def _reopen(self, track: Track, facts: Facts) -> None:
        policy = track.compiled.on_reopen
        last = track.cycles[-1] if track.cycles else None
        if policy == "ignore" or last is None:
            return
        if policy == "restart":  # a new cycle, whether the last one completed or was cancelled
            if last.ended_by_close or last.end_kind == "completed":
                track.stopped = False
                self._start(track, facts, facts.at_us, "record reopened (on_reopen: restart)")
            return
        if not last.ended_by_close:
            return
        track.stopped = False
        closed_at = last.ended_at or facts.at
        for held in last.pauses:  # an indefinite hold outlives the close: it waits for a resume
            if held.kind == "override" and held.end_cause == _CYCLE_ENDED:
                held.reopen()
        last.pauses.append(
            Pause(
                closed_at,
                facts.at,
                "closed",
                "record closed",
                last.end_event,
                "record reopened",
                facts.event,
            )
        )
        last.set_end(None, None)
        last.end_kind = last.end_cause = last.end_event = None
        last.ended_by_close = False
        last.notes.append((facts.at, "resumed: the record was reopened (on_reopen: resume)"))

    def _pause_level(self, track: Track, facts: Facts) -> None:
        pause = track.compiled.pause
        if pause is None:
            return
        held = pause.test(facts)
        cycle = track.open_cycle()
        if held and track.pause_since is None:
            track.pause_since = facts.event
            if cycle is not None:
                cycle.pauses.append(_condition_pause(facts.at, facts.at_us, facts.event))
        elif not held and track.pause_since is not None:
            track.pause_since = None
            if cycle is not None:
                for open_pause in cycle.pauses:
                    if open_pause.end is None and open_pause.kind == "condition":
                        cause = "pause condition no longer holds"
                        open_pause.close(facts.at, facts.at_us, cause, facts.event)

    def _roll_checkpoints(self, until: int) -> None:
        """Complete dated checkpoints whose deadline has come by ``until`` (microseconds),
        repeating them as asked."""
        fields = self.state.fields
        for track in self.checkpoints:
            for _ in range(MAX_CHECKPOINT_CYCLES):
                cycle = track.open_cycle()
                if cycle is None:
                    break
                deadline_us = cycle.deadline_us()
                if deadline_us is None or deadline_us > until:
                    break
                deadline = cycle.local(deadline_us)
                zone = self._zone(fields)
                facts = Facts(deadline, fields, fields, self.account, None, None, deadline_us, zone)
                self._end(track, cycle, "completed", facts, "checkpoint date reached")
                if self._repeat(track, cycle, facts, False) is None:
                    break


def _deferred_from_before(d: CompiledDef, cycle: Cycle, event: Event | None) -> bool:
    """A sequential cycle whose start is deferred to the previous deadline, shown an event
    after the one that started it: an answer then counts for it (it is not lost)."""
    return d.mode == "sequential" and event is not None and cycle.start_event is not event


def _not_before_deadline(cycle: Cycle, at: int) -> int:
    """Instant ``at``, or the cycle's deadline when that comes later (microseconds)."""
    deadline = cycle.deadline_us()
    return at if deadline is None else max(at, deadline)


def _ref_of(event: Event | None) -> str:
    return "" if event is None else f" [{event.type} {event.id}]"


def _condition_pause(at: datetime, at_us: int, event: Event | None) -> Pause:
    return Pause(at, None, "condition", "pause condition holds", event, None, None, at_us)


def replay(
    process: Process,
    timeline: list[Event],
    now: datetime,
    calendars: Mapping[str, BusinessCalendar],
    account: Mapping[str, Any],
    *,
    skipping: bool = True,
    stamps: list[int] | None = None,
) -> Replay:
    """Replay an ordered, deduplicated timeline (events after ``now`` are left out);
    ``stamps``: the events' instants in microseconds, when the caller has them.

    ``skipping=False`` shows every event to every definition: slower, the same result (the
    tests check that), for checking ``core.event_relevance``.
    """
    compiled = compile_process(process)
    replayer = _Replayer(compiled, calendars, account, now, skipping=skipping)
    now_us = instant_us(now)
    if stamps is None:
        stamps = [instant_us(e.at) for e in timeline]
    kept = sum(1 for t in stamps if t <= now_us)  # the timeline is ordered
    events = timeline[:kept]
    replayer.run(events, stamps[:kept])
    for track in replayer.tracks:
        for cycle in track.cycles:
            cycle.freeze()
            capped = cycle.capped_us
            if capped is not None and capped <= now_us:
                cap = track.compiled.definition.pause_cap
                note = f"pause cap {cap} reached: the clock runs from here, paused or not"
                cycle.notes.append((cycle.local(capped), note))
    return Replay(process, replayer.tracks, replayer.state, account, now, events, replayer.refusals)
