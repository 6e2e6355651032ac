"""Structured conditions: comparisons on fields, triggers on events, no eval."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from caseclock.core.condition_spec import Condition, Op, describe, has_triggers
from caseclock.core.conditions import Facts, _generic_comparison, compile_condition
from caseclock.core.events import Event

NOW = datetime(2026, 4, 6, 12, tzinfo=UTC)


def holds(
    doc: dict[str, Any],
    after: dict[str, Any],
    *,
    before: dict[str, Any] | None = None,
    account: dict[str, Any] | None = None,
    event: Event | None = None,
) -> bool:
    cond = Condition.model_validate(doc)
    facts = Facts(NOW, before or {}, after, account or {}, event)
    return compile_condition(cond)(facts)


@pytest.mark.parametrize(
    ("doc", "fields", "expected"),
    [
        ({"field": "priority", "value": "P1"}, {"priority": "p1"}, True),
        ({"field": "priority", "op": "ne", "value": "P1"}, {"priority": "P2"}, True),
        ({"field": "tier", "op": "in", "value": ["Gold", "Platinum"]}, {"tier": "gold"}, True),
        ({"field": "tier", "op": "not_in", "value": ["Gold"]}, {}, True),
        ({"field": "l2", "op": "is_set"}, {"l2": False}, False),
        ({"field": "l2", "op": "is_not_set"}, {"l2": ""}, True),
        ({"field": "seats", "op": "gte", "value": 100}, {"seats": 150}, True),
        ({"field": "seats", "op": "lt", "value": 100}, {"seats": "many"}, False),
        ({"field": "tags", "op": "contains", "value": "outage"}, {"tags": ["Outage"]}, True),
        ({"field": "due", "op": "lt", "value": "2026-05-01"}, {"due": "2026-04-10"}, True),
        (
            {"field": "renewal_date", "op": "within_next", "value": "30d"},
            {"renewal_date": "2026-04-20"},
            True,
        ),
        (
            {"field": "renewal_date", "op": "within_next", "value": "30d"},
            {"renewal_date": "2026-06-20"},
            False,
        ),
        (
            {"field": "start_date", "op": "within_last", "value": "30d"},
            {"start_date": "2026-03-20"},
            True,
        ),
        (
            {"all": [{"field": "a", "value": 1}, {"not": {"field": "b", "op": "is_set"}}]},
            {"a": 1},
            True,
        ),
        ({"any": [{"field": "a", "value": 2}, {"field": "b", "value": 3}]}, {"a": 1}, False),
    ],
)
def test_comparisons(doc: dict[str, Any], fields: dict[str, Any], expected: bool) -> None:
    """Each operator compares the record's current field as documented (text ignores case)."""
    assert holds(doc, fields) is expected


def test_account_fields_fill_in_and_can_be_addressed() -> None:
    """A field the record lacks is read from the account; 'account.x' reads only the account."""
    assert holds({"field": "tier", "value": "Gold"}, {}, account={"tier": "Gold"})
    assert holds({"field": "tier", "value": "Gold"}, {"tier": "Gold"}, account={"tier": "Std"})
    assert not holds({"field": "account.tier", "value": "Gold"}, {"tier": "Gold"})


def _event(kind: str, **data: Any) -> Event:
    return Event.model_validate(
        {"id": "e", "record": "C", "type": kind, "at": NOW.isoformat(), "data": data}
    )


def test_status_enters_and_leaves_are_edges() -> None:
    """Entering fires only on the change into the set; leaving only on the change out."""
    enters = {"on": "status_enters", "value": ["Investigating"]}
    leaves = {"on": "status_leaves", "value": "Investigating"}
    into = ({"status": "Investigating"}, {"status": "New"})
    assert holds(enters, into[0], before=into[1])
    assert not holds(enters, into[0], before=into[0])
    assert holds(leaves, into[1], before=into[0])


def test_field_and_owner_triggers() -> None:
    """field_set / field_cleared / owner_set / owner_changed compare before and after."""
    assert holds({"on": "field_set", "field": "l2"}, {"l2": True}, before={})
    assert holds({"on": "field_cleared", "field": "l2"}, {"l2": None}, before={"l2": True})
    assert not holds({"on": "owner_set"}, {"owner": "bo"}, before={"owner": "ana"})
    assert holds({"on": "owner_changed", "value": "bo"}, {"owner": "bo"}, before={"owner": "ana"})
    assert holds({"on": "team_changed"}, {"team": "L2"}, before={"team": "L1"})


def test_comment_trigger_filters_visibility_and_author() -> None:
    """A comment trigger matches only the comments it names."""
    doc = {"on": "comment", "public": True, "author_role": "agent"}
    public = _event("comment", public=True, author_role="agent")
    internal = _event("comment", public=False, author_role="agent")
    assert holds(doc, {}, event=public)
    assert not holds(doc, {}, event=internal)
    assert not holds(doc, {}, event=None)


def test_closed_and_reopened_triggers_follow_the_record_not_the_event_type() -> None:
    """closed / reopened hold when the record becomes closed / reopened at the event (a
    ``closed`` event or a status among the closed statuses, as the replay says), not at any
    event of that name: a ``closed`` event on a closed record closes nothing."""
    closed = compile_condition(Condition.model_validate({"on": "closed"}))
    reopened = compile_condition(Condition.model_validate({"on": "reopened"}))
    facts = Facts(NOW, {}, {"status": "Resolved"}, {}, _event("closed"))
    assert not closed(facts)
    facts.closing = True
    assert closed(facts)
    assert not reopened(facts)
    facts.closing, facts.reopening = False, True
    assert reopened(facts)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "exactly one of"),
        ({"field": "a", "op": "in", "value": "x"}, "needs a list"),
        ({"field": "a", "op": "is_set", "value": 1}, "takes no value"),
        ({"field": "a", "op": "eq"}, "needs a value"),
        ({"on": "status_enters"}, "needs a status"),
        ({"on": "field_set"}, "needs 'field'"),
        ({"on": "created", "value": 1}, "takes no 'value'"),
        ({"on": "milestone_completed"}, "needs 'milestone'"),
        ({"field": "d", "op": "within_next", "value": "2bd"}, "calendar time"),
        ({"on": "bogus"}, "Input should be"),
        ({"field": "a", "value": 1, "prio": 2}, "Extra inputs"),
    ],
)
def test_malformed_conditions_are_refused(doc: dict[str, Any], message: str) -> None:
    """A condition that could be misread is an error, with a message that says why."""
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(doc)


def test_has_triggers_finds_nested_triggers() -> None:
    """Level-only places can find a trigger however deep it is nested."""
    nested = Condition.model_validate(
        {"all": [{"field": "a", "value": 1}, {"not": {"on": "closed"}}]}
    )
    assert has_triggers(nested)
    assert not has_triggers(Condition.model_validate({"field": "a", "value": 1}))


def test_describe_reads_like_the_document() -> None:
    """Explanations render conditions in one readable line."""
    cond = Condition.model_validate(
        {
            "all": [
                {"field": "priority", "value": "P1"},
                {"not": {"on": "comment", "public": True, "author_role": "agent"}},
                {"field": "account.renewal_date", "op": "within_next", "value": "30d"},
            ]
        }
    )
    assert describe(cond) == (
        "(priority = P1 and not on comment (public=True, author_role=agent) and "
        "account.renewal_date within next 30d)"
    )


values = (
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["P1", "p1", "", "Closed"])
)


@given(
    op=st.sampled_from([Op.EQ, Op.NE]),
    operand=values.filter(lambda v: v is not None),
    record=values,
    account=values,
)
def test_equality_reads_and_compares_like_the_generic_comparison(
    op: Op, operand: Any, record: Any, account: Any
) -> None:
    """The one-call ``field = value`` predicate against ``getter`` + ``_comparison``."""
    cond = Condition.model_validate({"field": "priority", "op": op.value, "value": operand})
    facts = Facts(datetime(2026, 3, 2, tzinfo=UTC), {}, {"priority": record}, {"priority": account})
    generic = _generic_comparison("priority", op, operand)
    assert compile_condition(cond)(facts) is generic(facts)
