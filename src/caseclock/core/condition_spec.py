"""Structured conditions over a record's fields and events: the documents and their checks.

``core.conditions`` compiles them into predicates.

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
    ``reopened``, ``note``, ``task``, ``sentiment_below`` (``value``: a customer comment whose
    sentiment score, from -1 to +1, is below it; see ``core.insights.sentiment``),
    ``sentiment_drop`` (a customer comment whose sentiment band is ``bands`` or more below the
    highest band of the customer's ``within`` comments before it; defaults 2 and 3).

Comparisons are *levels* (true while the fields say so); triggers are *edges* (true only at
their event). ``applies_when``, ``pause``, target rules and entitlement rules take levels only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, JsonValue, StrictInt, model_validator

from caseclock.core.documents import Document
from caseclock.core.durations import DurationKind, parse_duration


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
    SENTIMENT_BELOW = "sentiment_below"
    SENTIMENT_DROP = "sentiment_drop"


NO_OPERAND = frozenset({Op.IS_SET, Op.IS_NOT_SET})
LIST_OPERAND = frozenset({Op.IN, Op.NOT_IN})
WINDOW = frozenset({Op.WITHIN_NEXT, Op.WITHIN_LAST})
STATUS_TRIGGERS = frozenset({Trigger.STATUS_ENTERS, Trigger.STATUS_LEAVES})
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
    # ``sentiment_drop`` only: how many bands down, within how many earlier customer comments
    bands: StrictInt | None = None
    within: StrictInt | None = None

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
                self,
                "a combination",
                ("op", "value", "public", "author_role", "milestone", "bands", "within"),
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
    _check_no_extras(
        cond, "a field comparison", ("public", "author_role", "milestone", "bands", "within")
    )
    op = cond.op or Op.EQ
    if op in NO_OPERAND:
        if cond.value is not None:
            raise ValueError(f"op {op.value!r} takes no value")
        return
    if cond.value is None:
        raise ValueError(f"op {op.value!r} needs a value")
    if op in LIST_OPERAND and not isinstance(cond.value, list):
        raise ValueError(f"op {op.value!r} needs a list value, e.g. [P1, P2]")
    if op in WINDOW:
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
    if trigger is Trigger.SENTIMENT_BELOW:
        _check_score(cond.value)
    if trigger is Trigger.SENTIMENT_DROP:
        _check_drop(cond)
        return
    _check_no_extras(cond, f"trigger {trigger}", ("bands", "within"))
    if trigger is Trigger.SENTIMENT_BELOW:
        return
    if trigger in STATUS_TRIGGERS and cond.value is None:
        raise ValueError(f"trigger {trigger} needs a status 'value' (or a list)")
    if trigger not in STATUS_TRIGGERS | _VALUE_OPTIONAL and cond.value is not None:
        raise ValueError(f"trigger {trigger} takes no 'value'")


def _check_score(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
        raise ValueError(
            "trigger sentiment_below needs a 'value' between -1 and 1 "
            "(a comment's sentiment score, e.g. -0.5)"
        )


DROP_BANDS = 2  # a drop of two bands (neutral to very negative, positive to negative)
DROP_WITHIN = 3  # compared with the customer's three comments before
MAX_DROP_WITHIN = 20


def _check_drop(cond: Condition) -> None:
    if cond.value is not None:
        raise ValueError(
            "trigger sentiment_drop takes no 'value'; it takes 'bands' (default 2) and "
            "'within' (comments, default 3)"
        )
    if cond.bands is not None and not 1 <= cond.bands <= 4:
        raise ValueError("trigger sentiment_drop takes 'bands' from 1 to 4 (bands of sentiment)")
    if cond.within is not None and not 1 <= cond.within <= MAX_DROP_WITHIN:
        raise ValueError(
            f"trigger sentiment_drop takes 'within' from 1 to {MAX_DROP_WITHIN} "
            "(the customer's comments before the one that drops)"
        )


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
            for k in ("field", "value", "public", "author_role", "milestone", "bands", "within")
            if (v := getattr(cond, k)) is not None
        ]
        return f"on {cond.on.value}" + (f" ({', '.join(params)})" if params else "")
    op = cond.op or Op.EQ
    symbol = _SYMBOLS.get(op, op.value.replace("_", " "))
    return f"{cond.field} {symbol}" + ("" if cond.value is None else f" {cond.value}")


def milestone_refs(cond: Condition) -> set[str]:
    """Keys of the milestones whose completion this condition waits for."""
    return {n.milestone for n in walk(cond) if n.milestone is not None}
