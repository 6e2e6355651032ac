"""Every command that opens the database refuses one it cannot use in the same words: one
line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from caseclock.store import migrate
from caseclock.store.database import make_engine
from tests.cli.entry_point import one_line_error, run

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = str(ROOT / "examples" / "policies" / "b2b.yaml")

# Every command that opens the database, with arguments that would otherwise succeed.
DATABASE_COMMANDS = [
    ["db", "check"],
    ["policy", "apply", BUNDLE],
    ["apikey", "create", "--role", "admin"],
    ["demo", "--cases", "1", "--policy", BUNDLE],
    ["deliveries", "list"],
    ["deliveries", "retry", "1"],
    ["worker", "--once", "--at", "2026-03-09T14:00:00Z"],
    ["serve"],
]
IDS = [" ".join(args[:2]) for args in DATABASE_COMMANDS]


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=IDS)
def test_an_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
) -> None:
    """A SQLite file in a directory that does not exist cannot be opened: each command says
    which database it cannot reach and why, and exits 2."""
    url = f"sqlite:///{tmp_path / 'missing' / 'caseclock.db'}"
    monkeypatch.setenv("CASECLOCK_DATABASE_URL", url)
    line = one_line_error(*run(monkeypatch, capsys, *args))
    assert line == (
        f"caseclock: error: cannot reach database {url}: "
        "OperationalError: unable to open database file"
    )


@pytest.mark.parametrize("args", DATABASE_COMMANDS[:4], ids=IDS[:4])
def test_a_database_server_that_refuses_connections_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """Nothing listens on port 1: the connection is refused, and the line hides the password."""
    monkeypatch.setenv(
        "CASECLOCK_DATABASE_URL", "postgresql+psycopg://cc:secret@127.0.0.1:1/caseclock"
    )
    line = one_line_error(*run(monkeypatch, capsys, *args))
    assert line.startswith(
        "caseclock: error: cannot reach database "
        "postgresql+psycopg://cc:***@127.0.0.1:1/caseclock: OperationalError: "
    )
    assert "secret" not in line


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=IDS)
def test_an_unmigrated_database_is_refused_in_the_same_words(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
) -> None:
    """Every command that needs the store refuses an empty database with the same line."""
    url = f"sqlite:///{tmp_path / 'caseclock.db'}"
    monkeypatch.setenv("CASECLOCK_DATABASE_URL", url)
    line = one_line_error(*run(monkeypatch, capsys, *args))
    assert line == (f"caseclock: error: database {url} is not migrated: run `caseclock db upgrade`")


def test_a_database_error_inside_a_command_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A statement that fails while the command runs (here: a table gone from a migrated
    database) is reported as the database's error, not as a traceback."""
    path = tmp_path / "caseclock.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE api_keys")
    monkeypatch.setenv("CASECLOCK_DATABASE_URL", f"sqlite:///{path}")
    line = one_line_error(*run(monkeypatch, capsys, "apikey", "create", "--role", "admin"))
    assert line == (
        f"caseclock: error: database sqlite:///{path}: OperationalError: no such table: api_keys"
    )
