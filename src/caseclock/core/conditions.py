"""Conditions compiled into predicates over ``Facts``, and the values they compare.

The condition documents, their vocabulary and checks are in ``core.condition_spec``; this
module holds no pydantic model, so it can be compiled (see ``setup.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Final

from caseclock.core.condition_spec import (
    DROP_BANDS,
    DROP_WITHIN,
    LIST_OPERAND,
    NO_OPERAND,
    STATUS_TRIGGERS,
    WINDOW,
    Condition,
    Op,
    Trigger,
    window_of,
)
from caseclock.core.events import Event, EventType
from caseclock.core.insights.sentiment import comment_sentiment
from caseclock.core.instants import instant_us

# --- evaluation ---------------------------------------------------------------------------

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_COMMENT: Final = EventType.COMMENT


_NONE_COMPLETED: Final[frozenset[str]] = frozenset()  # shared: most events complete nothing
_NO_COMMENTS: Final[tuple[str, ...]] = ()


@dataclass(init=False)
class Facts:
    """What a condition sees: the fields before and after one event, the event, the account."""

    at: datetime
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    account: Mapping[str, Any]
    event: Event | None = None
    # the zone a date-only field is read in (00:00 there): the record's calendar's
    zone: tzinfo = dataclass_field(default=UTC)
    # the record becomes closed (a ``closed`` event or a closed status) or reopened here
    closing: bool = False
    reopening: bool = False
    kind: EventType | None = dataclass_field(init=False)  # the event's type, read once
    at_us: int = dataclass_field(init=False)  # ``at`` in UTC microseconds
    completed: AbstractSet[str] = dataclass_field(default_factory=frozenset)
    # the bodies of the customer's comments before this event, oldest first (the replay keeps
    # them; ``sentiment_drop`` reads the last few)
    earlier_comments: Sequence[str] = dataclass_field(default=_NO_COMMENTS)

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(  # noqa: PLR0917 (positional, like the fields it mirrors)
        self,
        at: datetime,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        account: Mapping[str, Any],
        event: Event | None = None,
        completed: AbstractSet[str] | None = None,
        at_us: int | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        self.at = at
        self.zone = zone
        self.closing = self.reopening = False
        self.at_us = instant_us(at) if at_us is None else at_us
        self.before = before
        self.after = after
        self.account = account
        self.event = event
        self.kind = None if event is None else event.type
        self.completed = _NONE_COMPLETED if completed is None else completed
        self.earlier_comments = _NO_COMMENTS

    def add_completed(self, key: str) -> None:
        """Note that milestone ``key`` completed at this event (for relative milestones)."""
        self.completed = {*self.completed, key}


class Predicate:
    """A compiled condition. ``test(facts)`` is the fast, compiled call the evaluator makes;
    calling the predicate itself does the same, for everyone else."""

    def test(self, facts: Facts) -> bool:
        raise NotImplementedError

    def __call__(self, facts: Facts) -> bool:
        return self.test(facts)


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


def _ordered(left: object, right: object, zone: tzinfo) -> tuple[Any, Any] | None:
    """Both sides in one comparable domain, or None when they cannot be compared (a date is
    00:00 in ``zone``)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return None
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left, right
    a, b = as_instant(left, zone), as_instant(right, zone)
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
        return _All(tuple(compile_condition(c) for c in cond.all))
    if cond.any is not None:
        return _Any(tuple(compile_condition(c) for c in cond.any))
    if cond.not_ is not None:
        return _Not(compile_condition(cond.not_))
    if cond.on is not None:
        return _compile_trigger(cond.on, cond)
    name, op = cond.field or "", cond.op or Op.EQ
    if op in (Op.EQ, Op.NE) and not name.startswith("account."):
        return _Equality(name, _fold(cond.value), op is Op.EQ)
    return _generic_comparison(name, op, cond.value)


def _generic_comparison(name: str, op: Op, operand: object) -> Predicate:
    return _Comparison(getter(name), _comparison(op, operand))


class _All(Predicate):
    def __init__(self, parts: tuple[Predicate, ...]) -> None:
        self.parts = parts

    def test(self, facts: Facts) -> bool:
        return all(part.test(facts) for part in self.parts)


class _Any(Predicate):
    def __init__(self, parts: tuple[Predicate, ...]) -> None:
        self.parts = parts

    def test(self, facts: Facts) -> bool:
        return any(part.test(facts) for part in self.parts)


class _Not(Predicate):
    def __init__(self, inner: Predicate) -> None:
        self.inner = inner

    def test(self, facts: Facts) -> bool:
        return not self.inner.test(facts)


class _Comparison(Predicate):
    """A field of the record (or the account) compared by ``check`` at the facts' instant."""

    def __init__(
        self,
        read: Callable[[Mapping[str, Any], Mapping[str, Any]], Any],
        check: Callable[[Any, Facts], bool],
    ) -> None:
        self.read, self.check = read, check

    def test(self, facts: Facts) -> bool:
        return self.check(self.read(facts.after, facts.account), facts)


class _Equality(Predicate):
    """``name = value`` (``hit``) or ``!=`` on a record field, read as ``getter`` does (the
    account's value when the record has none) and compared in one call: the commonest
    condition, evaluated at almost every replay step."""

    def __init__(self, name: str, wanted: object, hit: bool) -> None:
        self.name, self.wanted, self.hit = name, wanted, hit

    def test(self, facts: Facts) -> bool:
        value = facts.after.get(self.name)
        if value is None:
            value = facts.account.get(self.name)
        return (_fold(value) == self.wanted) is self.hit


def _comparison(op: Op, operand: object) -> Callable[[Any, Facts], bool]:
    if op in NO_OPERAND:
        wanted = op is Op.IS_SET
        return lambda v, _facts: is_set(v) is wanted
    if op in LIST_OPERAND:
        choices = {_fold(x) for x in operand} if isinstance(operand, list) else set()
        hit = op is Op.IN
        return lambda v, _facts: (_fold(v) in choices) is hit if is_set(v) else not hit
    if op in (Op.EQ, Op.NE):
        want, hit = _fold(operand), op is Op.EQ
        return lambda v, _facts: (_fold(v) == want) is hit
    if op is Op.CONTAINS:
        return lambda v, _facts: _contains(v, operand)
    if op in WINDOW:
        return _window_test(op, window_of(operand))
    return _order_test(op, operand)


def _contains(value: object, operand: object) -> bool:
    if isinstance(value, list):
        return _fold(operand) in {_fold(x) for x in value}
    if isinstance(value, str) and isinstance(operand, str):
        return operand.casefold() in value.casefold()
    return False


def _window_test(op: Op, window: timedelta) -> Callable[[Any, Facts], bool]:
    ahead = op is Op.WITHIN_NEXT

    def test(value: Any, facts: Facts) -> bool:
        instant = as_instant(value, facts.zone)
        if instant is None:
            return False
        at = facts.at
        return at <= instant <= at + window if ahead else at - window <= instant <= at

    return test


def _order_test(op: Op, operand: object) -> Callable[[Any, Facts], bool]:
    def test(value: Any, facts: Facts) -> bool:
        pair = _ordered(value, operand, facts.zone)
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


def _compile_trigger(trigger: Trigger, cond: Condition) -> Predicate:  # noqa: PLR0911 (one return per kind of trigger)
    if trigger in _EVENT_TRIGGERS:
        return _Kind(_EVENT_TRIGGERS[trigger])
    if trigger is Trigger.CLOSED or trigger is Trigger.REOPENED:
        return _Transition(trigger is Trigger.CLOSED)
    if trigger is Trigger.COMMENT:
        return _Comment(cond.public, cond.author_role)
    if trigger is Trigger.MILESTONE_COMPLETED:
        return _Completed(cond.milestone or "")
    if trigger is Trigger.SENTIMENT_BELOW:
        value = cond.value
        return _SentimentBelow(float(value) if isinstance(value, int | float) else 0.0)
    if trigger is Trigger.SENTIMENT_DROP:
        return _SentimentDrop(cond.bands or DROP_BANDS, cond.within or DROP_WITHIN)
    if trigger in STATUS_TRIGGERS:
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        return _StatusEdge(frozenset(_fold(v) for v in values), trigger is Trigger.STATUS_ENTERS)
    field = cond.field or _FIELD_OF[trigger]
    if trigger in (Trigger.OWNER_SET, Trigger.TEAM_SET, Trigger.FIELD_SET):
        edge = _SET
    elif trigger is Trigger.FIELD_CLEARED:
        edge = _CLEARED
    else:
        edge = _CHANGED_TO_SET if trigger is not Trigger.FIELD_CHANGED else _CHANGED
    return _FieldEdge(edge, field, cond.value)


class _Kind(Predicate):
    """The event is of one type (``created``, ``closed``, ...)."""

    def __init__(self, kind: EventType) -> None:
        self.kind = kind

    def test(self, facts: Facts) -> bool:
        return facts.kind is self.kind


class _Transition(Predicate):
    """The record becomes closed (``closing``) or reopened here: by a ``closed`` or
    ``reopened`` event, or by a status that enters or leaves the process's closed statuses."""

    def __init__(self, closing: bool) -> None:
        self.closing = closing

    def test(self, facts: Facts) -> bool:
        return facts.closing if self.closing else facts.reopening


class _Completed(Predicate):
    """Another milestone completed at this event."""

    def __init__(self, key: str) -> None:
        self.key = key

    def test(self, facts: Facts) -> bool:
        return self.key in facts.completed


class _StatusEdge(Predicate):
    """The status enters (``enters``) or leaves one of ``statuses`` (casefolded)."""

    def __init__(self, statuses: frozenset[object], enters: bool) -> None:
        self.statuses, self.enters = statuses, enters

    def test(self, facts: Facts) -> bool:
        was = _fold(facts.before.get("status")) in self.statuses
        now = _fold(facts.after.get("status")) in self.statuses
        return bool(now and not was) if self.enters else bool(was and not now)


class _Comment(Predicate):
    """A comment, public or not, by an author of a role, as asked."""

    def __init__(self, public: bool | None, role: str | None) -> None:
        self.public, self.role = public, role

    def test(self, facts: Facts) -> bool:
        event = facts.event
        if event is None or facts.kind is not _COMMENT:
            return False
        data = event.data
        return (self.public is None or data.get("public") is self.public) and (
            self.role is None or data.get("author_role") == self.role
        )


@lru_cache(maxsize=4096)
def _scored(body: str) -> tuple[float, int] | None:
    """A comment's score and band, remembered: a record is replayed again at each change."""
    scored = comment_sentiment(body)
    return None if scored is None else (scored.score, scored.band)


def _sentiment(body: str) -> float | None:
    found = _scored(body)
    return None if found is None else found[0]


def _customer_body(facts: Facts) -> str | None:
    event = facts.event
    if event is None or facts.kind is not _COMMENT:
        return None
    body = event.data.get("body")
    if event.data.get("author_role") != "customer" or not isinstance(body, str):
        return None
    return body


class _SentimentBelow(Predicate):
    """A customer's comment whose sentiment score is below ``threshold``."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def test(self, facts: Facts) -> bool:
        body = _customer_body(facts)
        if body is None:
            return False
        score = _sentiment(body)
        return score is not None and score < self.threshold


class _SentimentDrop(Predicate):
    """A customer's comment whose band is ``bands`` or more below the highest band of the
    customer's ``within`` scored comments before it (a comment with no words of its own, only
    a quote, has no band and is passed over on both sides)."""

    def __init__(self, bands: int, within: int) -> None:
        self.bands, self.within = bands, within

    def test(self, facts: Facts) -> bool:
        body = _customer_body(facts)
        if body is None:
            return False
        now = _scored(body)
        if now is None:
            return False
        earlier: list[int] = []
        for before in reversed(facts.earlier_comments):
            found = _scored(before)
            if found is not None:
                earlier.append(found[1])
                if len(earlier) == self.within:
                    break
        return bool(earlier) and max(earlier) - now[1] >= self.bands


# How a field edge is read: set (was unset), cleared (was set), changed to a set value, or
# changed at all (cleared included).
_SET: Final = 0
_CLEARED: Final = 1
_CHANGED_TO_SET: Final = 2
_CHANGED: Final = 3


class _FieldEdge(Predicate):
    """A field set, cleared or changed at this event (optionally: changed to ``value``)."""

    def __init__(self, edge: int, field: str, value: object) -> None:
        self.edge, self.field, self.value, self.wanted = edge, field, value, _fold(value)

    def test(self, facts: Facts) -> bool:
        old, new = facts.before.get(self.field), facts.after.get(self.field)
        edge = self.edge
        if edge == _SET:
            return is_set(new) and not is_set(old)
        if edge == _CLEARED:
            return is_set(old) and not is_set(new)
        changed = old != new and (is_set(new) or edge == _CHANGED)
        return bool(changed and (self.value is None or _fold(new) == self.wanted))
