"""The migration that puts customer milestones on the engine (0023), from the schema before it
with data in it, on SQLite and PostgreSQL: a milestone's "team" becomes its owner's first team
by name, as the "team" reminder recipient meant before; plans can be stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, insert, select, text

from caseclock.store import migrate
from tests.conftest import T0

BEFORE = "0022"


def _row(tables: MetaData, table: str, /, **values: Any) -> dict[str, Any]:
    """``values`` with every other non-null column of the old table given a plain value."""
    filled: dict[str, Any] = {}
    for column in tables.tables[table].columns:
        if column.name in values or column.nullable or column.autoincrement is True:
            continue
        python = column.type.python_type if hasattr(column.type, "python_type") else str
        filled[column.name] = {bool: False, int: 0, dict: {}, list: []}.get(python, "x")
        if "_at" in column.name:
            filled[column.name] = T0
    return {**filled, **values}


def test_existing_milestones_get_their_owners_first_team(old_database: Engine) -> None:
    """mia is on "Support" and "Customer Success": her milestone's team is "Customer Success"
    (first by name); a milestone without an owner has no team."""
    migrate.upgrade(old_database, BEFORE)
    tables = MetaData()
    tables.reflect(old_database)
    with old_database.begin() as connection:
        connection.execute(
            insert(tables.tables["users"]).values(
                _row(tables, "users", id=1, handle="mia", email="mia@example.com", role="agent")
            )
        )
        for team_id, name in ((1, "Support"), (2, "Customer Success")):
            connection.execute(
                insert(tables.tables["teams"]).values(_row(tables, "teams", id=team_id, name=name))
            )
            connection.execute(
                insert(tables.tables["team_members"]).values(team_id=team_id, user_id=1, lead=False)
            )
        connection.execute(
            insert(tables.tables["accounts"]).values(
                _row(tables, "accounts", id="acme", name="Acme")
            )
        )
        for milestone_id, owner in ((1, "mia"), (2, None)):
            connection.execute(
                insert(tables.tables["account_milestones"]).values(
                    _row(
                        tables,
                        "account_milestones",
                        id=milestone_id,
                        account_id="acme",
                        name="Go-live",
                        anchor="date",
                        due_on=T0.date(),
                        owner=owner,
                        reminders={},
                    )
                )
            )
    migrate.upgrade(old_database)
    with old_database.connect() as connection:
        teams = connection.execute(text("SELECT id, team FROM account_milestones ORDER BY id"))
        assert [tuple(row) for row in teams] == [(1, "Customer Success"), (2, None)]
        assert connection.execute(select(text("count(*)")).select_from(text("plans"))).scalar() == 0
    assert not migrate.pending(old_database)
