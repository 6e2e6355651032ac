"""Escalation timers say what they are for: the old ``~answered`` marker becomes a timer of
kind ``answered`` with no rule, on SQLite and PostgreSQL, and the schema holds the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, column, insert, table, text
from sqlalchemy.exc import IntegrityError

from caseclock.store import migrate
from caseclock.store.types import UTCDateTime
from tests.conftest import T0
from tests.store.old_rows import add_record

BEFORE = "0014"  # the revision before timer kinds
TIMERS = table(
    "escalation_timers",
    column("record_id"),
    column("kind"),
    column("rule"),
    column("basis", UTCDateTime()),
    column("due_at", UTCDateTime()),
)


def _fill_before(engine: Engine) -> None:
    """Record ``r`` with an escalation rule's timer and an answer marker, as stored before."""
    migrate.upgrade(engine, BEFORE)
    with engine.begin() as connection:
        add_record(connection, "r", T0, 1)
        for rule, due in (("idle_gold", T0 + timedelta(hours=8)), ("~answered", T0)):
            connection.execute(
                insert(TIMERS).values(record_id="r", rule=rule, basis=T0, due_at=due)
            )


def _timers(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, rule, due_at IS NOT NULL FROM escalation_timers ORDER BY id")
        ).all()
    return [tuple(row) for row in rows]


def test_the_answer_marker_becomes_a_timer_kind(old_database: Engine) -> None:
    """After the upgrade the rule's timer is of kind ``rule`` with its name, and the old
    ``~answered`` marker is of kind ``answered`` with no rule name at all."""
    _fill_before(old_database)
    migrate.upgrade(old_database)
    assert _timers(old_database) == [("rule", "idle_gold", True), ("answered", None, True)]


def test_the_schema_refuses_nameless_rules_and_a_second_answer(old_database: Engine) -> None:
    """A rule's timer without a rule, an answer that names one, or a second answer marker on
    one record are refused by the database itself."""
    _fill_before(old_database)
    migrate.upgrade(old_database)
    refused = (
        {"kind": "rule", "rule": None},
        {"kind": "answered", "rule": "idle_gold_2"},
        {"kind": "answered", "rule": None},
    )
    for values in refused:
        with pytest.raises(IntegrityError), old_database.begin() as connection:
            connection.execute(insert(TIMERS).values(record_id="r", basis=T0, due_at=T0, **values))
    assert len(_timers(old_database)) == 2


def test_downgrade_gives_the_marker_its_old_name_back(old_database: Engine) -> None:
    """Going back to the revision before turns the answer timer into ``~answered`` again, so
    an older worker still resumes the clock; upgrading again restores the kind."""
    _fill_before(old_database)
    migrate.upgrade(old_database)
    with old_database.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), BEFORE)
    with old_database.connect() as connection:
        rules = connection.scalars(text("SELECT rule FROM escalation_timers ORDER BY id")).all()
    assert rules == ["idle_gold", "~answered"]
    migrate.upgrade(old_database)
    assert _timers(old_database) == [("rule", "idle_gold", True), ("answered", None, True)]
