"""Files the command line cannot use are one line on stderr and exit status 2: a file that is
not UTF-8, an events file the API would refuse, a policy that repeats a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.entry_point import one_line_error, run

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = str(ROOT / "examples" / "policies" / "b2b.yaml")
EVENTS = str(ROOT / "examples" / "events" / "friday_gold.jsonl")
AT = "2026-03-11T12:00:00-04:00"


@pytest.fixture
def latin1(tmp_path: Path) -> Path:
    """A file in Latin-1, not UTF-8 (``café`` with a single byte é)."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"# caf\xe9\nname: x\n")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--policy", BUNDLE, "--events", "{file}", "--at", AT],
        ["simulate", "--policy", BUNDLE, "--events", EVENTS, "--at", AT, "--accounts", "{file}"],
        ["calendar", "check", "{file}"],
        ["simulate", "--policy", "{file}", "--events", EVENTS, "--at", AT],
        ["simulate", "--policy", BUNDLE, "--events", EVENTS, "--at", AT, "--what-if", "{file}"],
        ["policy", "apply", "{file}"],
        ["demo", "--cases", "1", "--policy", "{file}"],
    ],
    ids=[
        "simulate --events",
        "simulate --accounts",
        "calendar check",
        "simulate --policy",
        "simulate --what-if",
        "policy apply",
        "demo",
    ],
)
def test_a_file_that_is_not_utf8_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    latin1: Path,
    args: list[str],
) -> None:
    """The line names the file and the first byte that is not UTF-8."""
    given = [str(latin1) if arg == "{file}" else arg for arg in args]
    line = one_line_error(*run(monkeypatch, capsys, *given))
    assert line == f"caseclock: error: {latin1}: not UTF-8 text (byte 6 is 0xe9)"


def _events(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _simulate_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], events: str
) -> str:
    """The one error line of ``simulate`` over ``events`` with the example policy."""
    args = ("simulate", "--policy", BUNDLE, "--events", events, "--at", AT)
    return one_line_error(*run(monkeypatch, capsys, *args))


CREATED = (
    '{"id": "e1", "record": "C-1", "type": "created", "at": "2026-03-09T09:00:00-04:00", '
    '"data": {"type": "case", "tier": "Gold", "priority": "P2", "status": "New"}}'
)
COMMENT = (
    '{"id": "e2", "record": "C-2", "type": "comment", "at": "2026-03-09T10:00:00-04:00", '
    '"data": {"public": true, "author_role": "agent", "body": "hello"}}'
)


def test_simulate_refuses_an_event_for_a_record_without_created(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The API refuses an event for a record it does not know; simulate refuses the file,
    naming the record's first line, instead of inventing the record."""
    events = _events(tmp_path, CREATED, COMMENT)
    line = _simulate_error(monkeypatch, capsys, events)
    assert line == f"caseclock: error: {events}:2: record 'C-2' has no created event"


def test_simulate_refuses_a_second_created_event(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A record takes one created event, as at the API."""
    again = CREATED.replace('"e1"', '"e3"').replace("09:00:00", "11:00:00")
    events = _events(tmp_path, CREATED, again)
    line = _simulate_error(monkeypatch, capsys, events)
    assert line == (
        f"caseclock: error: {events}:2: record 'C-1' already has a created event (line 1): "
        "a record takes one created event"
    )


@pytest.mark.parametrize("command", ["simulate", "policy apply"])
def test_a_policy_with_a_repeated_key_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
) -> None:
    """A second ``target:`` in one milestone used to win silently; the bundle is refused with
    the line of the repeated key and the path of its mapping."""
    text = Path(BUNDLE).read_text(encoding="utf-8")
    first = text.index("target:")
    indent = text[text.rindex("\n", 0, first) + 1 : first]
    doubled = text[:first] + f"target: 1h\n{indent}" + text[first:]
    bundle = tmp_path / "doubled.yaml"
    bundle.write_text(doubled, encoding="utf-8")
    line_number = doubled[:first].count("\n") + 2
    monkeypatch.setenv("CASECLOCK_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    args = (
        ["simulate", "--policy", str(bundle), "--events", EVENTS, "--at", AT]
        if command == "simulate"
        else ["policy", "apply", str(bundle)]
    )
    line = one_line_error(*run(monkeypatch, capsys, *args))
    assert f"line {line_number}, column {len(indent) + 1}: " in line
    assert "processes.platinum.milestones[0]: duplicate key 'target' (first at line " in line


@pytest.mark.parametrize("command", ["simulate", "policy apply"])
def test_a_policy_error_names_the_file_once(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
) -> None:
    """The file, then the path inside the bundle, then what is wrong."""
    bundle = tmp_path / "typo.yaml"
    bundle.write_text("processes: {gold: {name: Gold, milestones: [], prio: 1}}\n")
    monkeypatch.setenv("CASECLOCK_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    args = (
        ["simulate", "--policy", str(bundle), "--events", EVENTS, "--at", AT]
        if command == "simulate"
        else ["policy", "apply", str(bundle)]
    )
    line = one_line_error(*run(monkeypatch, capsys, *args))
    assert line.startswith(f"caseclock: error: {bundle}: processes.gold")
    assert "processes.gold: unknown field 'prio'" in line
    assert line.count(str(bundle)) == 1


def test_simulate_refuses_an_event_dated_before_its_records_created_event(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The API refuses such an event rather than accepting and ignoring it; so does simulate."""
    early = COMMENT.replace('"C-2"', '"C-1"').replace("10:00:00", "08:00:00")
    events = _events(tmp_path, CREATED, early)
    line = _simulate_error(monkeypatch, capsys, events)
    assert line == (
        f"caseclock: error: {events}:2: event 'e2' is dated before its record's created event "
        "(line 1, 2026-03-09T09:00:00-04:00)"
    )
