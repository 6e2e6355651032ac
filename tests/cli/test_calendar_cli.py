"""``caseclock calendar``: deadlines by hand, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caseclock.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "calendars" / "us-east.json"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("8h", "2026-03-09T16:30:00-04:00"),
        ("30m", "2026-03-06T17:00:00-05:00"),
        ("2h30m", "2026-03-09T11:00:00-04:00"),
        ("5bd", "2026-03-13T16:30:00-04:00"),
        ("eobd", "2026-03-09T17:00:00-04:00"),
        ("30d", "2026-04-05T17:30:00-04:00"),
    ],
)
def test_add_prints_the_deadline(duration: str, expected: str) -> None:
    """The Friday 16:30 case: each kind of duration prints its ISO-8601 deadline."""
    code, out, _ = run("calendar", "add", str(EXAMPLE), "2026-03-06T16:30:00-05:00", duration)
    assert (code, out.strip()) == (0, expected)


def test_between_prints_open_time() -> None:
    """Open time from Friday 16:30 to Monday 12:00 is 30 min + 3 h."""
    args = ["calendar", "between", str(EXAMPLE), "2026-03-06T16:30:00-05:00"]
    code, out, _ = run(*args, "2026-03-09T12:00:00-04:00")
    assert (code, out.strip()) == (0, "3h30m")
    code, out, _ = run(*args, "2026-03-09T12:00:00-04:00", "--seconds")
    assert (code, out.strip()) == (0, "12600")


def test_a_calendar_can_be_picked_from_a_bundle(tmp_path: Path) -> None:
    """A policy bundle's calendars are addressed with --calendar; a missing name is an error."""
    bundle = tmp_path / "bundle.json"
    doc = json.loads(EXAMPLE.read_text())
    always = {"name": "24x7", "timezone": "UTC", "always_open": True}
    bundle.write_text(json.dumps({"calendars": [doc, always]}))
    code, out, _ = run(
        "calendar", "add", str(bundle), "2026-03-07T10:00:00Z", "2h", "--calendar", "24x7"
    )
    assert (code, out.strip()) == (0, "2026-03-07T12:00:00+00:00")
    code, _, err = run("calendar", "add", str(bundle), "2026-03-07T10:00:00Z", "2h")
    assert code == 2
    assert "choose one with --calendar" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "{cal}", "2026-03-06T16:30:00", "8h"], "has no UTC offset"),
        (["add", "{cal}", "yesterday", "8h"], "not an ISO-8601 instant"),
        (["add", "{cal}", "2026-03-06T16:30:00Z", "8 hours please"], "not a duration"),
        (["add", "missing.json", "2026-03-06T16:30:00Z", "8h"], "no such file"),
        (["between", "{cal}", "2026-03-09T00:00:00Z", "2026-03-06T00:00:00Z"], "before start"),
        (["add", "{bad}", "2026-03-06T16:30:00Z", "8h"], "week.mon"),
        (["add", "{broken}", "2026-03-06T16:30:00Z", "8h"], "not valid JSON at line 1"),
        (
            ["add", "{nan}", "2026-03-06T16:30:00Z", "8h"],
            "not valid JSON at line 2, column 13: NaN is not a JSON number",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    """Every bad input gives one line on stderr, nothing on stdout, and exit status 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntimezone: UTC\nweek:\n  mon: [['09:00', '33:00']]\n")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": ')
    nan = tmp_path / "nan.json"
    nan.write_text('{"name": "x", "timezone": "UTC",\n "version": NaN, "week": {}}')
    paths = {"{cal}": str(EXAMPLE), "{bad}": str(bad), "{broken}": str(broken), "{nan}": str(nan)}
    code, out, err = run("calendar", *[paths.get(a, a) for a in args])
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("caseclock: error: ")
    assert message in err


def test_the_installed_command_runs() -> None:
    """The console script works as a real process, help included."""
    result = subprocess.run(
        [sys.executable, "-m", "caseclock.cli", "calendar", "add", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "DURATION" in result.stdout.upper()
