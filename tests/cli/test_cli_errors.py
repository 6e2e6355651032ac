"""Every bad input to the command line is one line on stderr and exit status 2: usage errors
(click's own), bad settings in the environment, and inputs the commands cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseclock.config import Settings
from tests.cli.entry_point import one_line_error, run

ROOT = Path(__file__).resolve().parents[2]
CALENDAR = str(ROOT / "examples" / "calendars" / "us-east.json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["demo", "--cases", "0"],
            "Invalid value for '--cases': Input should be greater than or equal to 1 "
            "(see `caseclock demo --help`)",
        ),
        (["calendar", "add"], "Missing argument 'calendar_file'."),
        (["nosuchcommand"], "No such command 'nosuchcommand'. (see `caseclock --help`)"),
        (["db", "upgrade", "--bogus"], "No such option: --bogus"),
        (["worker", "--once", "--at", "yesterday"], "Invalid value for '--at'"),
        (
            ["deliveries", "retry", "99999999999999999999"],
            "Input should be less than or equal to 2147483647",
        ),
    ],
)
def test_usage_errors_are_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert message in one_line_error(*run(monkeypatch, capsys, *args))


def test_a_group_without_a_command_shows_its_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(monkeypatch, capsys, "calendar")
    assert code == 2
    assert "add" in out
    assert "between" in out
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CASECLOCK_PORT", "99999", "CASECLOCK_PORT: Input should be less than or equal to 65535"),
        ("CASECLOCK_YELLOW_MINUTES", "soon", "CASECLOCK_YELLOW_MINUTES: Input should be a valid"),
        ("CASECLOCK_DATABASE_URL", "caseclock.db", "CASECLOCK_DATABASE_URL: not a database URL"),
        (
            "CASECLOCK_DATABASE_URL",
            "mysql://db/caseclock",
            "caseclock runs on sqlite or postgresql+psycopg, not mysql",
        ),
    ],
)
def test_a_bad_setting_names_its_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert message in one_line_error(*run(monkeypatch, capsys, "db", "upgrade"))


def test_postgresql_urls_take_the_installed_driver() -> None:
    """``postgresql://`` (as most tools write it) means psycopg 3, the driver caseclock ships."""
    url = Settings(database_url="postgresql://cc:secret@db:5432/caseclock").database_url
    assert url == "postgresql+psycopg://cc:secret@db:5432/caseclock"


def test_sqlite_urls_may_name_their_driver() -> None:
    url = "sqlite+pysqlite:////var/lib/caseclock/caseclock.db"
    assert Settings(database_url=url).database_url == url


def test_quickstart_names_a_bad_setting_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """quickstart sets the database, host and port itself; the rest still comes from the
    environment, and a bad value there is one line, as for every command."""
    monkeypatch.setenv("CASECLOCK_YELLOW_MINUTES", "soon")
    line = one_line_error(
        *run(monkeypatch, capsys, "quickstart", "--data-dir", str(tmp_path / "var"))
    )
    assert "CASECLOCK_YELLOW_MINUTES: Input should be a valid integer" in line


def test_calendar_arithmetic_out_of_range_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """New York is UTC-4:56 in year 1: the start's local time falls before year 1."""
    line = one_line_error(
        *run(monkeypatch, capsys, "calendar", "add", CALENDAR, "0001-01-01T00:00:00Z", "8h")
    )
    assert "leaves the years 1 to 9999" in line


def test_quickstart_names_a_data_directory_it_cannot_create(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    line = one_line_error(
        *run(monkeypatch, capsys, "quickstart", "--data-dir", str(blocker / "var"))
    )
    assert f"cannot create the data directory {blocker / 'var'}" in line
