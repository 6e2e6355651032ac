"""A process with its conditions compiled to predicates, once per process value.

Compilation is a pure function of the process; the small cache keyed by identity only spares
re-compiling the same process object for every record of a batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from caseclock.core.condition_spec import Condition, has_triggers
from caseclock.core.conditions import Predicate, compile_condition
from caseclock.core.event_relevance import (
    EVERYTHING,
    Watch,
    definition_fields,
    definition_watch,
    start_when_unwatched,
)
from caseclock.core.events import EventType
from caseclock.core.periods import Period, parse_period
from caseclock.core.policy import MilestoneDef, Process, dependency_order
from caseclock.core.targets import CalendarRule, CompiledTarget
from caseclock.core.timers import ViolationRule, WarningRule

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_FIELD: Final = EventType.FIELD

_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class CompiledDef:
    """A definition with its conditions compiled and the settings the replay reads copied out
    of the pydantic document (the compiled core reads these native attributes much faster)."""

    definition: MilestoneDef
    key: str
    title: str
    mode: str  # recurrence.mode
    anchor: str  # recurrence.anchor
    on_reopen: str
    start_at: str | None
    owner_spec: str
    warning: WarningRule
    warnings: tuple[WarningRule, ...]  # the further rungs of a warning ladder (sequence 1, 2...)
    violation: ViolationRule | None  # None for a dated checkpoint (no ``complete``)
    applies: Predicate | None
    start: Predicate
    complete: Predicate | None
    pause: Predicate | None
    reset: Predicate | None
    until: Predicate | None
    target: CompiledTarget
    calendar: CalendarRule
    complete_is_level: bool
    watch: Watch
    idle_watch: frozenset[EventType]  # the event types that matter while no cycle is open
    fields: frozenset[str] | None  # the fields it reads (None: every field)
    idle_start: Literal["false", "same", "evaluate"]
    recompute: bool  # target.recompute
    blocks: bool  # without_criteria: block (a completion waits for the success criteria)
    pause_cap: Period | None  # the most pauses may keep off one cycle's clock

    def owner(self, fields: Mapping[str, Any]) -> str | None:
        """Who is accountable: the record's owner, its team lead, a role or a field's value."""
        spec = self.owner_spec
        if spec == "record":
            return _text(fields.get("owner"))
        if spec == "team_lead":
            team = _text(fields.get("team"))
            return None if team is None else f"team_lead:{team}"
        if spec.startswith("field:"):
            return _text(fields.get(spec.removeprefix("field:")))
        return spec


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


@dataclass(frozen=True, slots=True)
class CompiledProcess:
    process: Process
    definitions: tuple[CompiledDef, ...]  # relative milestones after those they wait for
    watchers: dict[EventType, tuple[int, ...]]  # which definitions each kind of event is shown
    field_watchers: dict[str, tuple[int, ...]]  # those a ``field`` event naming a field is shown
    any_field_watchers: tuple[int, ...]  # those a ``field`` event naming another field is shown

    def watching(self, kind: EventType, data: Mapping[str, Any]) -> tuple[int, ...]:
        """The definitions (indices) that an event of ``kind`` with ``data`` must be shown
        (see ``core.event_relevance``)."""
        if kind is _FIELD:
            name = str(data.get("field"))
            return self.field_watchers.get(name, self.any_field_watchers)
        return self.watchers[kind]


def _watches(d: CompiledDef, kind: EventType) -> bool:
    """Whether events of ``kind`` must be shown to the definition (see ``core.event_relevance``)."""
    return d.watch is EVERYTHING or kind in d.watch


def _reads(d: CompiledDef, field: str) -> bool:
    """Whether a ``field`` event naming ``field`` must be shown to the definition."""
    return d.fields is None or field in d.fields


def _maybe(cond: Condition | None) -> Predicate | None:
    return None if cond is None else compile_condition(cond)


def _compile_definition(definition: MilestoneDef, process: Process) -> CompiledDef:
    calendar = definition.calendar or process.calendar
    if calendar is None:  # Process validation has refused this already
        raise ValueError(f"milestone {definition.key!r} has no calendar")
    blocks = definition.without_criteria == "block" and bool(definition.criteria)
    return CompiledDef(
        definition=definition,
        key=definition.key,
        title=definition.title,
        mode=definition.recurrence.mode,
        anchor=definition.recurrence.anchor,
        on_reopen=definition.on_reopen,
        start_at=definition.start_at,
        owner_spec=definition.owner,
        warning=WarningRule.of(definition.actions.warning),
        warnings=tuple(WarningRule.of(plan) for plan in definition.actions.warnings),
        violation=(
            None if definition.complete is None else ViolationRule.of(definition.actions.violation)
        ),
        applies=_maybe(definition.applies_when),
        start=compile_condition(definition.start),
        complete=_maybe(definition.complete),
        pause=_maybe(definition.pause),
        reset=_maybe(definition.reset),
        until=_maybe(definition.recurrence.until),
        target=CompiledTarget.of(definition.target),
        calendar=CalendarRule.of(calendar),
        complete_is_level=definition.complete is not None and not has_triggers(definition.complete),
        # A completion blocked by success criteria waits for notes, replies, fields, statuses.
        watch=EVERYTHING if blocks else definition_watch(definition),
        idle_watch=_types(definition_watch(definition, idle=True)),
        fields=None if blocks else definition_fields(definition),
        idle_start=start_when_unwatched(definition),
        recompute=definition.target.recompute,
        blocks=blocks,
        pause_cap=None if definition.pause_cap is None else parse_period(definition.pause_cap),
    )


def _types(watch: Watch) -> frozenset[EventType]:
    return frozenset(EventType) if watch is EVERYTHING else watch


_cache: dict[int, CompiledProcess] = {}


def compile_process(process: Process) -> CompiledProcess:
    """The compiled form of ``process`` (memoized by identity, checked on every hit)."""
    hit = _cache.get(id(process))
    if hit is not None and hit.process is process:
        return hit
    definitions = tuple(_compile_definition(d, process) for d in dependency_order(process))
    watchers = {
        kind: tuple(i for i, d in enumerate(definitions) if _watches(d, kind)) for kind in EventType
    }
    field_events = watchers[_FIELD]
    field_watchers = {
        name: tuple(i for i in field_events if _reads(definitions[i], name))
        for d in definitions
        for name in d.fields or ()
    }
    any_field_watchers = tuple(i for i in field_events if definitions[i].fields is None)
    compiled = CompiledProcess(process, definitions, watchers, field_watchers, any_field_watchers)
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[id(process)] = compiled
    return compiled
