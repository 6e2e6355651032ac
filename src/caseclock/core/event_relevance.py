"""Which events can change a definition's conditions: lets the replay skip the rest.

A field comparison can only change when an event sets that field; a trigger only fires at its
own kind of event. An event outside a definition's watch list leaves every level condition as
it was and every trigger false, so the replay can pass it by (closing, reopening and overrides
of the milestone are always shown). Conditions that depend on the instant (``within_next``)
or on other milestones (``milestone_completed``) watch everything, and so do definitions whose
cycles may start after the event that started them (sequential, repeat anchored on the
deadline, ``start_at``): they are never skipped.

Two finer cuts: a ``field`` event changes only the field it names, so it is shown only to the
definitions that read that field; and while a definition has no open cycle, only the events
its ``applies_when``, ``start``, ``pause`` and ``until`` conditions watch can change anything.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from caseclock.core.condition_spec import Condition, Op, Trigger, walk
from caseclock.core.events import EventType
from caseclock.core.policy import MilestoneDef

_SETTERS_OF = {
    "status": frozenset({EventType.STATUS, EventType.CLOSED, EventType.REOPENED}),
    "priority": frozenset({EventType.PRIORITY}),
    "owner": frozenset({EventType.OWNER}),
    "team": frozenset({EventType.OWNER}),
}
_FIELD_OF_TRIGGER = {
    Trigger.STATUS_ENTERS: "status",
    Trigger.STATUS_LEAVES: "status",
    Trigger.OWNER_SET: "owner",
    Trigger.OWNER_CHANGED: "owner",
    Trigger.TEAM_SET: "team",
    Trigger.TEAM_CHANGED: "team",
    Trigger.PRIORITY_CHANGED: "priority",
}


def setters(field: str) -> frozenset[EventType]:
    """The event types that can set ``field``: ``created``, ``field`` and its own kind."""
    return frozenset({EventType.CREATED, EventType.FIELD}) | _SETTERS_OF.get(field, frozenset())


_OWN_EVENT = {
    Trigger.CREATED: EventType.CREATED,
    Trigger.COMMENT: EventType.COMMENT,
    Trigger.NOTE: EventType.NOTE,
    Trigger.TASK: EventType.TASK,
    Trigger.SENTIMENT_BELOW: EventType.COMMENT,
    Trigger.SENTIMENT_DROP: EventType.COMMENT,
}


class _Everything(Enum):
    EVERYTHING = "everything"


EVERYTHING = _Everything.EVERYTHING
Watch = frozenset[EventType] | Literal[_Everything.EVERYTHING]


def _node_field(node: Condition) -> str | None:
    """The record field a node reads (None for an event trigger or an account field)."""
    field = _FIELD_OF_TRIGGER.get(node.on) if node.on is not None else None
    field = field or node.field
    if field is None or field.startswith("account."):
        return None
    return field


def _node_watch(node: Condition) -> Watch:
    if node.on is Trigger.MILESTONE_COMPLETED or node.op in (Op.WITHIN_NEXT, Op.WITHIN_LAST):
        return EVERYTHING
    if node.on in _OWN_EVENT:
        return frozenset({_OWN_EVENT[node.on]})
    if node.on is Trigger.CLOSED or node.on is Trigger.REOPENED:  # the event or a status
        return _SETTERS_OF["status"]
    field = _node_field(node)
    return frozenset() if field is None else setters(field)


def condition_watch(cond: Condition) -> Watch:
    """The event types at which ``cond`` may change value (or may be true)."""
    found: set[EventType] = set()
    for node in walk(cond):
        watch = _node_watch(node)
        if watch is EVERYTHING:
            return EVERYTHING
        found |= watch
    return frozenset(found)


# The conditions that matter while a definition has no open cycle: those that can start one,
# stop the definition or pause it (``complete``, ``reset`` and target rules need a cycle).
_IDLE_CONDITIONS = frozenset({"applies_when", "start", "pause", "recurrence.until"})


def _watched_conditions(definition: MilestoneDef, idle: bool) -> list[Condition]:
    conditions = [c for attr, c in definition.conditions() if not idle or attr in _IDLE_CONDITIONS]
    if definition.target.recompute and not idle:
        conditions += [rule.when for rule in definition.target.rules]
    return conditions


def _watches_everything(definition: MilestoneDef) -> bool:
    """Cycles that may start after the event that started them, or a start condition that
    must be evaluated at every event: never skipped."""
    recurrence = definition.recurrence
    return (
        definition.start_at is not None
        or recurrence.mode == "sequential"
        or (recurrence.mode == "repeat" and recurrence.anchor == "deadline")
        or start_when_unwatched(definition) == "evaluate"
    )


def definition_watch(definition: MilestoneDef, *, idle: bool = False) -> Watch:
    """The event types the replay must show this definition (``EVERYTHING``: all of them);
    with ``idle``, those it must be shown while it has no open cycle."""
    if _watches_everything(definition):
        return EVERYTHING
    found: set[EventType] = set()
    for cond in _watched_conditions(definition, idle):
        watch = condition_watch(cond)
        if watch is EVERYTHING:
            return EVERYTHING
        found |= watch
    return frozenset(found)


def definition_fields(definition: MilestoneDef) -> frozenset[str] | None:
    """The record fields its conditions read: a ``field`` event naming another field changes
    none of them. None when the definition watches everything."""
    if definition_watch(definition) is EVERYTHING:
        return None
    nodes = [node for cond in _watched_conditions(definition, False) for node in walk(cond)]
    return frozenset(field for node in nodes if (field := _node_field(node)) is not None)


def start_when_unwatched(definition: MilestoneDef) -> Literal["false", "same", "evaluate"]:
    """The start condition's value at an event it does not watch: a lone trigger is false, a
    pure level keeps its value, anything else must be evaluated."""
    nodes = list(walk(definition.start))
    if len(nodes) == 1 and nodes[0].on is not None:
        return "false"
    if all(node.on is None for node in nodes):
        return "same"
    return "evaluate"
