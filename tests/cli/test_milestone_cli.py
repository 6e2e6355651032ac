"""``caseclock milestone`` on a real SQLite file: plans, milestones, tasks, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from caseclock.cli.main import app
from caseclock.services.access import Principal, Role
from caseclock.services.accounts import AccountInput, create_account
from caseclock.store.database import make_engine, make_session_factory


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {"CASECLOCK_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    assert CliRunner().invoke(app, ["db", "upgrade"], env=values).exit_code == 0
    engine = make_engine(values["CASECLOCK_DATABASE_URL"])
    with make_session_factory(engine)() as session:
        create_account(
            session,
            AccountInput(id="acme", name="Acme", start_date=date(2026, 8, 1)),
            Principal(key_id=0, name="test", role=Role.ADMIN),
            now=datetime(2026, 8, 1, tzinfo=UTC),
        )
        session.commit()
    engine.dispose()
    return values


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(app, ["milestone", *args], env=env)


def test_a_plan_applied_and_worked_from_the_command_line(env: dict[str, str]) -> None:
    """Applying the implementation plan prints its three milestones with their dates; a task
    added and done shows as progress in the list; a milestone marked done says so."""
    applied = run(env, "apply", "acme", "implementation", "--start", "2026-08-01")
    assert applied.exit_code == 0, applied.output
    lines = [line.split("\t") for line in applied.output.splitlines()]
    assert [(due, name) for _, due, name in lines] == [
        ("2026-09-01", "Product Onsite Delivery"),
        ("2026-10-01", "Product Onsite Setup and Installation"),
        ("2026-10-15", "Personnel Training"),
    ]
    added = run(env, "add", "acme", "QBR", "--offset", "3mo", "--remind", "2w,1w")
    assert added.exit_code == 0, added.output
    qbr = added.output.split("\t")[0]
    task = run(env, "task", qbr, "Book the room")
    assert task.exit_code == 0
    assert run(env, "task-done", task.output.split("\t")[0]).exit_code == 0
    listed = run(env, "list", "acme").output
    assert "2026-11-01\tdone\t100%\tQBR" not in listed  # progress alone does not complete it
    assert "\t100%\tQBR\t-" in listed
    assert run(env, "done", qbr).output.startswith(f"{qbr}\tdone\tQBR")


def test_bad_input_is_one_line_and_exit_2(env: dict[str, str]) -> None:
    """A bad date, an unknown plan and an hour offset each fail with one line, status 2."""
    for args in (
        ("add", "acme", "x", "--due", "1 May"),
        ("apply", "acme", "nope"),
        ("add", "acme", "x", "--offset", "4h"),
        ("list", "nobody"),
    ):
        result = run(env, *args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
