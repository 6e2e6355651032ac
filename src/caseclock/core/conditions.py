"""Structured conditions over a record's fields and events, and their evaluation.

A condition is a small document, the convention of helpdesk rule builders, so a console can
render and edit it; nothing is ever ``eval``-ed. Exactly one of these keys makes a condition:

``all: [..]`` / ``any: [..]`` / ``not: {..}``
    combinations of conditions.
``field: NAME, op: OP, value: V``
    a comparison on the record's current fields (``op`` defaults to ``eq``). ``NAME`` is a
    record field (``priority``, ``tier``, ``status``, ``owner``, ``team``, ``region``, any custom
    field); when the record lacks it, the account's field of that name is used. ``account.NAME``
    reads the account only. Operators: ``eq``, ``ne``, ``in``, ``not_in`` (string comparisons
    ignore case), ``is_set``, ``is_not_set``, ``gt``, ``gte``, ``lt``, ``lte`` (numbers, dates,
    strings), ``contains`` (a list or text holds the value), ``within_next`` / ``within_last``
    (a date field lies within ``30d`` after / before the instant of evaluation).
``on: TRIGGER``
    something that happened at this event (see ``Trigger``): ``created``, ``status_enters`` /
    ``status_leaves`` (``value``: a status or a list), ``comment`` (``public``, ``author_role``),
    ``owner_set``, ``owner_changed``, ``team_set``, ``team_changed``, ``priority_changed``
    (optional ``value``: changed to that), ``field_set`` / ``field_cleared`` / ``field_changed``
    (``field``; optional ``value``), ``milestone_completed`` (``milestone``), ``closed``,
    ``reopened``, ``note``, ``task``.

Comparisons are *levels* (true while the fields say so); triggers are *edges* (true only at
their event). ``applies_when``, ``pause``, target rules and entitlement rules take levels only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, JsonValue, model_validator

from caseclock.core.documents import Document
from caseclock.core.durations import DurationKind, parse_duration
from caseclock.core.events import Event, EventType


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    IS_SET = "is_set"
    IS_NOT_SET = "is_not_set"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    CONTAINS = "contains"
    WITHIN_NEXT = "within_next"
    WITHIN_LAST = "within_last"


class Trigger(StrEnum):
    CREATED = "created"
    STATUS_ENTERS = "status_enters"
    STATUS_LEAVES = "status_leaves"
    COMMENT = "comment"
    OWNER_SET = "owner_set"
    OWNER_CHANGED = "owner_changed"
    TEAM_SET = "team_set"
    TEAM_CHANGED = "team_changed"
    PRIORITY_CHANGED = "priority_changed"
    FIELD_SET = "field_set"
    FIELD_CLEARED = "field_cleared"
    FIELD_CHANGED = "field_changed"
    MILESTONE_COMPLETED = "milestone_completed"
    CLOSED = "closed"
    REOPENED = "reopened"
    NOTE = "note"
    TASK = "task"


_NO_OPERAND = frozenset({Op.IS_SET, Op.IS_NOT_SET})
_LIST_OPERAND = frozenset({Op.IN, Op.NOT_IN})
_WINDOW = frozenset({Op.WITHIN_NEXT, Op.WITHIN_LAST})
_STATUS_TRIGGERS = frozenset({Trigger.STATUS_ENTERS, Trigger.STATUS_LEAVES})
_FIELD_TRIGGERS = frozenset({Trigger.FIELD_SET, Trigger.FIELD_CLEARED, Trigger.FIELD_CHANGED})
_VALUE_OPTIONAL = frozenset(
    {Trigger.OWNER_CHANGED, Trigger.TEAM_CHANGED, Trigger.PRIORITY_CHANGED, Trigger.FIELD_CHANGED}
)
_KINDS = ("all", "any", "not", "field", "on")


class Condition(Document):
    """One node of a condition tree; exactly one of ``all``, ``any``, ``not``, ``field``, ``on``."""

    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    field: str | None = Field(default=None, min_length=1)
    op: Op | None = None
    value: JsonValue = None
    on: Trigger | None = None
    public: bool | None = None
    author_role: Literal["agent", "customer", "system"] | None = None
    milestone: str | None = Field(default=None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _yaml11_on(cls, value: Any) -> Any:
        """A YAML 1.1 reader (``yaml.safe_load``) turns the key ``on`` into ``True``; undo it."""
        if isinstance(value, dict) and True in value and "on" not in value:
            return {("on" if key is True else key): item for key, item in value.items()}
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        given = [k for k, v in zip(_KINDS, self._kind_values(), strict=True) if v is not None]
        if len(given) != 1:
            found = ", ".join(given) or "none"
            raise ValueError(
                f"a condition takes exactly one of {', '.join(_KINDS)} (found {found})"
            )
        if self.on is not None:
            _check_trigger(self)
        elif self.field is not None:
            _check_comparison(self)
        else:
            _check_no_extras(
                self, "a combination", ("op", "value", "public", "author_role", "milestone")
            )
        return self

    def _kind_values(self) -> tuple[object, ...]:
        return (self.all, self.any, self.not_, None if self.on else self.field, self.on)

    def children(self) -> tuple[Condition, ...]:
        if self.not_ is not None:
            return (self.not_,)
        return self.all or self.any or ()


def _check_no_extras(cond: Condition, what: str, names: tuple[str, ...]) -> None:
    extra = [n for n in names if getattr(cond, n) is not None]
    if extra:
        raise ValueError(f"{what} takes no {extra[0]!r}")


def _check_comparison(cond: Condition) -> None:
    _check_no_extras(cond, "a field comparison", ("public", "author_role", "milestone"))
    op = cond.op or Op.EQ
    if op in _NO_OPERAND:
        if cond.value is not None:
            raise ValueError(f"op {op.value!r} takes no value")
        return
    if cond.value is None:
        raise ValueError(f"op {op.value!r} needs a value")
    if op in _LIST_OPERAND and not isinstance(cond.value, list):
        raise ValueError(f"op {op.value!r} needs a list value, e.g. [P1, P2]")
    if op in _WINDOW:
        window_of(cond.value)


def _check_trigger(cond: Condition) -> None:
    trigger = cond.on
    if cond.op is not None:
        raise ValueError("a trigger ('on') takes no 'op'")
    if trigger is not Trigger.COMMENT:
        _check_no_extras(cond, f"trigger {trigger}", ("public", "author_role"))
    if trigger is not Trigger.MILESTONE_COMPLETED:
        _check_no_extras(cond, f"trigger {trigger}", ("milestone",))
    elif cond.milestone is None:
        raise ValueError("trigger milestone_completed needs 'milestone'")
    if trigger in _FIELD_TRIGGERS:
        if cond.field is None:
            raise ValueError(f"trigger {trigger} needs 'field'")
    elif cond.field is not None:
        raise ValueError(f"trigger {trigger} takes no 'field'")
    if trigger in _STATUS_TRIGGERS and cond.value is None:
        raise ValueError(f"trigger {trigger} needs a status 'value' (or a list)")
    if trigger not in _STATUS_TRIGGERS | _VALUE_OPTIONAL and cond.value is not None:
        raise ValueError(f"trigger {trigger} takes no 'value'")


def window_of(value: object) -> timedelta:
    """The timedelta of a ``within_*`` operand (calendar time such as ``30d`` or ``12h``)."""
    if not isinstance(value, str):
        raise ValueError("a within_* value is a duration such as 30d")
    duration = parse_duration(value)
    if duration.kind not in (DurationKind.CALENDAR_TIME, DurationKind.BUSINESS_TIME):
        raise ValueError("a within_* value is calendar time such as 30d or 12h")
    return duration.amount


def walk(cond: Condition) -> Iterator[Condition]:
    """Every node of the tree, the root first."""
    yield cond
    for child in cond.children():
        yield from walk(child)


def has_triggers(cond: Condition) -> bool:
    """Whether any node is an event trigger (a condition that is not a pure level)."""
    return any(node.on is not None for node in walk(cond))


_SYMBOLS = {Op.EQ: "=", Op.NE: "!=", Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}


def describe(cond: Condition) -> str:
    """A one-line, human reading of a condition, for explanations."""
    if cond.all is not None or cond.any is not None:
        joiner = " and " if cond.all is not None else " or "
        parts = [describe(c) for c in cond.children()]
        return "(" + joiner.join(parts) + ")" if len(parts) > 1 else "".join(parts)
    if cond.not_ is not None:
        return f"not {describe(cond.not_)}"
    if cond.on is not None:
        params = [
            f"{k}={v}"
            for k in ("field", "value", "public", "author_role", "milestone")
            if (v := getattr(cond, k)) is not None
        ]
        return f"on {cond.on.value}" + (f" ({', '.join(params)})" if params else "")
    op = cond.op or Op.EQ
    symbol = _SYMBOLS.get(op, op.value.replace("_", " "))
    return f"{cond.field} {symbol}" + ("" if cond.value is None else f" {cond.value}")


def milestone_refs(cond: Condition) -> set[str]:
    """Keys of the milestones whose completion this condition waits for."""
    return {n.milestone for n in walk(cond) if n.milestone is not None}


# --- evaluation ---------------------------------------------------------------------------


@dataclass(slots=True)
class Facts:
    """What a condition sees: the fields before and after one event, the event, the account."""

    at: datetime
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    account: Mapping[str, Any]
    event: Event | None = None
    completed: set[str] = dataclass_field(default_factory=set)


Predicate = Callable[[Facts], bool]


def is_set(value: object) -> bool:
    """A field is set unless it is missing, null, false, empty text or an empty list."""
    return value is not None and value is not False and value not in ("", [])


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def as_instant(value: object, zone: tzinfo = UTC) -> datetime | None:
    """A date or datetime field value (or ISO text) as an aware instant; a date is 00:00 in
    ``zone``; a naive datetime is no instant."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone)
    return None


def _ordered(left: object, right: object) -> tuple[Any, Any] | None:
    """Both sides in one comparable domain, or None when they cannot be compared."""
    if isinstance(left, bool) or isinstance(right, bool):
        return None
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left, right
    a, b = as_instant(left), as_instant(right)
    if a is not None and b is not None:
        return a, b
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    return None


def getter(name: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Any]:
    """Read ``name`` from (fields, account): ``account.x`` from the account only."""
    if name.startswith("account."):
        key = name.removeprefix("account.")
        return lambda _fields, account: account.get(key)

    def read(fields: Mapping[str, Any], account: Mapping[str, Any]) -> Any:
        value = fields.get(name)
        return account.get(name) if value is None else value

    return read


def compile_condition(cond: Condition) -> Predicate:
    """Turn a condition into a fast predicate over ``Facts``."""
    if cond.all is not None:
        parts = tuple(compile_condition(c) for c in cond.all)
        return lambda facts: all(p(facts) for p in parts)
    if cond.any is not None:
        parts = tuple(compile_condition(c) for c in cond.any)
        return lambda facts: any(p(facts) for p in parts)
    if cond.not_ is not None:
        inner = compile_condition(cond.not_)
        return lambda facts: not inner(facts)
    if cond.on is not None:
        return _compile_trigger(cond.on, cond)
    name, op = cond.field or "", cond.op or Op.EQ
    if op in (Op.EQ, Op.NE) and not name.startswith("account."):
        return _equality(name, _fold(cond.value), op is Op.EQ)
    return _generic_comparison(name, op, cond.value)


def _generic_comparison(name: str, op: Op, operand: object) -> Predicate:
    read = getter(name)
    test = _comparison(op, operand)
    return lambda facts: test(read(facts.after, facts.account), facts.at)


def _equality(name: str, wanted: object, hit: bool) -> Predicate:
    """``name = value`` (``hit``) or ``!=`` on a record field, read as ``getter`` does (the
    account's value when the record has none) and compared in one call: the commonest
    condition, evaluated at almost every replay step."""

    def test(facts: Facts) -> bool:
        value = facts.after.get(name)
        if value is None:
            value = facts.account.get(name)
        return (_fold(value) == wanted) is hit

    return test


def _comparison(op: Op, operand: object) -> Callable[[Any, datetime], bool]:
    if op in _NO_OPERAND:
        wanted = op is Op.IS_SET
        return lambda v, _at: is_set(v) is wanted
    if op in _LIST_OPERAND:
        choices = {_fold(x) for x in operand} if isinstance(operand, list) else set()
        hit = op is Op.IN
        return lambda v, _at: (_fold(v) in choices) is hit if is_set(v) else not hit
    if op in (Op.EQ, Op.NE):
        want, hit = _fold(operand), op is Op.EQ
        return lambda v, _at: (_fold(v) == want) is hit
    if op is Op.CONTAINS:
        return lambda v, _at: _contains(v, operand)
    if op in _WINDOW:
        return _window_test(op, window_of(operand))
    return _order_test(op, operand)


def _contains(value: object, operand: object) -> bool:
    if isinstance(value, list):
        return _fold(operand) in {_fold(x) for x in value}
    if isinstance(value, str) and isinstance(operand, str):
        return operand.casefold() in value.casefold()
    return False


def _window_test(op: Op, window: timedelta) -> Callable[[Any, datetime], bool]:
    ahead = op is Op.WITHIN_NEXT

    def test(value: Any, at: datetime) -> bool:
        instant = as_instant(value)
        if instant is None:
            return False
        return at <= instant <= at + window if ahead else at - window <= instant <= at

    return test


def _order_test(op: Op, operand: object) -> Callable[[Any, datetime], bool]:
    def test(value: Any, _at: datetime) -> bool:
        pair = _ordered(value, operand)
        if pair is None:
            return False
        a, b = pair
        if op is Op.GT:
            return bool(a > b)
        if op is Op.GTE:
            return bool(a >= b)
        if op is Op.LT:
            return bool(a < b)
        return bool(a <= b)

    return test


_EVENT_TRIGGERS = {
    Trigger.CREATED: EventType.CREATED,
    Trigger.CLOSED: EventType.CLOSED,
    Trigger.REOPENED: EventType.REOPENED,
    Trigger.NOTE: EventType.NOTE,
    Trigger.TASK: EventType.TASK,
}
_FIELD_OF = {
    Trigger.OWNER_SET: "owner",
    Trigger.TEAM_SET: "team",
    Trigger.OWNER_CHANGED: "owner",
    Trigger.TEAM_CHANGED: "team",
    Trigger.PRIORITY_CHANGED: "priority",
}


def _compile_trigger(trigger: Trigger, cond: Condition) -> Predicate:
    if trigger in _EVENT_TRIGGERS:
        kind = _EVENT_TRIGGERS[trigger]
        return lambda facts: facts.event is not None and facts.event.type is kind
    if trigger is Trigger.COMMENT:
        return _comment_trigger(cond.public, cond.author_role)
    if trigger is Trigger.MILESTONE_COMPLETED:
        key = cond.milestone
        return lambda facts: key in facts.completed
    if trigger in _STATUS_TRIGGERS:
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        statuses = {_fold(v) for v in values}
        enters = trigger is Trigger.STATUS_ENTERS

        def status_edge(facts: Facts) -> bool:
            was = _fold(facts.before.get("status")) in statuses
            now = _fold(facts.after.get("status")) in statuses
            return bool(now and not was) if enters else bool(was and not now)

        return status_edge
    field = cond.field or _FIELD_OF[trigger]
    return _field_edge(trigger, field, cond.value)


def _comment_trigger(public: bool | None, role: str | None) -> Predicate:
    def test(facts: Facts) -> bool:
        event = facts.event
        if event is None or event.type is not EventType.COMMENT:
            return False
        data = event.data
        return (public is None or data.get("public") is public) and (
            role is None or data.get("author_role") == role
        )

    return test


def _field_edge(trigger: Trigger, field: str, value: object) -> Predicate:
    wanted = _fold(value)

    def test(facts: Facts) -> bool:
        old, new = facts.before.get(field), facts.after.get(field)
        if trigger in (Trigger.OWNER_SET, Trigger.TEAM_SET, Trigger.FIELD_SET):
            return is_set(new) and not is_set(old)
        if trigger is Trigger.FIELD_CLEARED:
            return is_set(old) and not is_set(new)
        changed = old != new and (is_set(new) or trigger is Trigger.FIELD_CHANGED)
        return bool(changed and (value is None or _fold(new) == wanted))

    return test
