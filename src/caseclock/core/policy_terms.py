"""The words a process listens for, so that a form can offer them: the statuses it names, the
fields its conditions read (with the values they compare them to), and the definitions a
person may complete by hand.

A definition may be completed by hand when its completion is one field event a person can
write: ``{on: field_set, field: F}`` (set ``F`` to yes), ``{on: field_cleared, field: F}``
(clear ``F``), or ``{field: F, value: V}`` / ``{on: field_set, field: F, value: V}`` (set ``F``
to ``V``). A completion on a status, a comment or another milestone is reached by doing that
thing, and one on a free-text field (``{field: root_cause, op: is_set}``) by filling it in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from caseclock.core.condition_spec import STATUS_TRIGGERS, Condition, Op, Trigger, walk
from caseclock.core.policy import MilestoneDef, Process

# Fields with their own form or event (status, owner and team changes), or set once at creation.
OWN_FORMS = frozenset(
    {"status", "owner", "team", "account", "tier", "region", "product", "type", "subject"}
)
_FIELD_TRIGGERS = frozenset({Trigger.FIELD_SET, Trigger.FIELD_CLEARED, Trigger.FIELD_CHANGED})


@dataclass(frozen=True, slots=True)
class FieldTerm:
    """A record field a process reads: ``choices`` are the values its conditions name (empty:
    free text); a ``flag`` is only ever set or cleared, never compared to a value."""

    name: str
    choices: tuple[str, ...]
    flag: bool


@dataclass(frozen=True, slots=True)
class ManualCompletion:
    """The field event that completes a definition: ``value`` None clears the field."""

    field: str
    value: str | bool | None


def _conditions(definition: MilestoneDef) -> Iterator[Condition]:
    for _, cond in definition.conditions():
        yield from walk(cond)
    for rule in definition.target.rules:
        yield from walk(rule.when)


def _values(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in items if v is not None and not isinstance(v, bool | dict)]


def statuses(process: Process) -> tuple[str, ...]:
    """Every status the process names (its conditions, its ``set_status`` actions, its closed
    statuses), in the order they first appear."""
    found: dict[str, None] = {}
    for definition in process.milestones:
        for node in _conditions(definition):
            if node.on in STATUS_TRIGGERS or (node.on is None and node.field == "status"):
                found.update(dict.fromkeys(_values(node.value)))
        plans = definition.actions
        warnings = [a for plan in plans.ladder() for a in plan.do]
        for action in (*warnings, *plans.violation.do, *plans.success.do):
            if action.type == "set_status" and action.status:
                found[action.status] = None
    found.update(dict.fromkeys(process.closed_statuses))
    return tuple(found)


def fields(process: Process) -> tuple[FieldTerm, ...]:
    """The record fields the process's conditions read, besides those with their own form,
    ``priority`` first, then by first appearance."""
    choices: dict[str, dict[str, None]] = {}
    levels: set[str] = set()  # read as a level or compared to a value: not a mere flag
    for definition in process.milestones:
        for node in _conditions(definition):
            name = node.field if node.on is None or node.on in _FIELD_TRIGGERS else None
            if node.on is Trigger.PRIORITY_CHANGED:
                name = "priority"
            if name is None or name in OWN_FORMS or name.startswith("account."):
                continue
            choices.setdefault(name, {}).update(dict.fromkeys(_values(node.value)))
            if node.on not in (Trigger.FIELD_SET, Trigger.FIELD_CLEARED) or node.value is not None:
                levels.add(name)
    order = sorted(choices, key=lambda n: n != "priority")
    return tuple(FieldTerm(n, tuple(choices[n]), flag=n not in levels) for n in order)


def manual_completion(definition: MilestoneDef) -> ManualCompletion | None:
    """The field event that completes ``definition``, when one a person may write does."""
    cond = definition.complete
    if cond is None or cond.field is None or cond.field in OWN_FORMS:
        return None
    if cond.on is Trigger.FIELD_CLEARED:
        return ManualCompletion(cond.field, None)
    single = cond.value if isinstance(cond.value, str | bool) else None
    if cond.on is Trigger.FIELD_SET and cond.value is None:
        return ManualCompletion(cond.field, True)
    if cond.on is Trigger.FIELD_SET:
        return None if single is None else ManualCompletion(cond.field, single)
    if cond.on is None and cond.op in (None, Op.EQ) and single is not None:
        return ManualCompletion(cond.field, single)
    return None
