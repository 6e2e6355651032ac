"""``caseclock simulate``: tables, JSON, --explain, --what-if, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caseclock.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "examples" / "policies" / "b2b.yaml")
EVENTS = str(ROOT / "examples" / "events" / "friday_gold.jsonl")
AT = "2026-03-11T12:00:00-04:00"
runner = CliRunner()


def simulate(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["simulate", "--policy", POLICY, "--events", EVENTS, *args])
    return result.exit_code, result.stdout, result.stderr


def test_table_shows_each_milestone_and_the_next_timer() -> None:
    """The table lists milestones with state, deadline, elapsed and remaining time."""
    code, out, _ = simulate("--at", AT)
    assert code == 0
    assert "C-1: process gold v1" in out
    assert "first_response  1      completed (on time)  2026-03-09 12:30 -0400" in out
    assert "next: warning of l2_dwell (cycle 1) at 2026-03-11 13:00 -0400" in out


def test_json_has_the_documented_shape() -> None:
    """--json prints records with milestones and upcoming timers, instants in ISO-8601."""
    code, out, _ = simulate("--at", AT, "--json")
    assert code == 0
    record = json.loads(out)["records"][0]
    assert (record["record"], record["process"]) == ("C-1", "gold")
    first = record["milestones"][0]
    assert {
        "key",
        "cycle",
        "state",
        "started_at",
        "deadline",
        "warning_at",
        "completed_at",
        "elapsed_seconds",
        "paused_seconds",
    } <= first.keys()
    assert first["deadline"] == "2026-03-09T12:30:00-04:00"
    resolution = next(m for m in record["milestones"] if m["key"] == "resolution")
    assert (resolution["elapsed_seconds"], resolution["paused_seconds"]) == (33060.0, 37140.0)
    assert record["timers"][0] == {
        "at": "2026-03-11T13:00:00-04:00",
        "milestone": "l2_dwell",
        "cycle": 1,
        "kind": "warning",
        "sequence": 0,
    }


def test_explain_shows_spans_pauses_overrides_and_weekends() -> None:
    """--explain tells how each deadline was reached, with the events that moved it."""
    code, out, _ = simulate("--at", AT, "--explain", "C-1")
    assert code == 0
    assert "skipped until Mon 2026-03-09 09:00 -0400 (Sat, Sun)" in out
    assert "pause condition holds [status evt-5]" in out
    assert "ended: pause condition no longer holds [status evt-7], 10h19m not counted" in out
    assert "override: extend 4h (4h) by lee: customer asked for a maintenance window" in out
    assert "deadline Fri 2026-03-13 14:49 -0400: 28h counted" in out


def test_explain_names_holidays() -> None:
    """A US federal holiday inside a deadline is named in the explanation."""
    events = ROOT / "examples" / "events" / "memorial_day.jsonl"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--policy",
            POLICY,
            "--events",
            str(events),
            "--at",
            "2026-05-26T12:00:00-04:00",
            "--explain",
            "C-7",
        ],
    )
    assert result.exit_code == 0
    assert "2026-05-25 holiday: Memorial Day" in result.stdout


def test_what_if_compares_two_policies(tmp_path: Path) -> None:
    """--what-if prints both evaluations side by side and the compliance difference."""
    stricter = (
        Path(POLICY)
        .read_text(encoding="utf-8")
        .replace("- {<<: *first_response, target: 4h}", "- {<<: *first_response, target: 1h}")
    )
    other = tmp_path / "strict.yaml"
    other.write_text(stricter, encoding="utf-8")
    code, out, _ = simulate("--at", AT, "--what-if", str(other))
    assert code == 0
    assert "first_response  1      completed (on time)" in out
    assert "completed (late)" in out
    assert "difference: -" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "2026-03-11T12:00:00"], "has no UTC offset"),
        (["--at", AT, "--explain", "C-9"], "no record 'C-9'"),
        (["--at", AT, "--process", "diamond"], "no process 'diamond'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    """Usage errors print one line on stderr and exit with status 2."""
    code, _, err = simulate(*args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_bad_policy_and_events_name_the_file_and_place(tmp_path: Path) -> None:
    """A policy error names its path; an events error names its line."""
    policy = tmp_path / "p.yaml"
    policy.write_text("processes:\n  gold: {name: Gold, milestones: [{key: x, prio: 1}]}\n")
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"id": "1", "record": "C", "type": "created", "at": "2026-01-01T00:00:00"}\n'
    )
    bad_policy = runner.invoke(
        app, ["simulate", "--policy", str(policy), "--events", EVENTS, "--at", AT]
    )
    assert bad_policy.exit_code == 2
    assert "processes.gold.milestones[0]: unknown field 'prio'" in bad_policy.stderr
    bad_events = runner.invoke(
        app, ["simulate", "--policy", POLICY, "--events", str(events), "--at", AT]
    )
    assert bad_events.exit_code == 2
    assert "e.jsonl:1: at: Input should have timezone info" in bad_events.stderr


def test_nan_in_event_data_is_refused_with_its_line_and_path(tmp_path: Path) -> None:
    """Python's JSON reader takes NaN and Infinity, JSON does not: an events file holding one
    is refused like any invalid event (the API refuses such a body as invalid JSON)."""
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"id": "1", "record": "C", "type": "created", "at": "2026-03-09T09:00:00-04:00", '
        '"data": {"tier": "Gold", "odd": {"scores": [1.5, {"risk": -Infinity}]}}}\n'
    )
    result = runner.invoke(
        app, ["simulate", "--policy", POLICY, "--events", str(events), "--at", AT]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().endswith(
        "e.jsonl:1: data.odd.scores[1].risk: NaN and infinities are not JSON numbers"
    )


def test_override_of_an_unknown_milestone_is_refused(tmp_path: Path) -> None:
    """An override naming a milestone the record's process lacks is an error, not a no-op."""
    events = tmp_path / "e.jsonl"
    lines = [
        {
            "id": "1",
            "record": "C-9",
            "type": "created",
            "at": "2026-03-09T09:00:00-04:00",
            "data": {"tier": "Gold"},
        },
        {
            "id": "2",
            "record": "C-9",
            "type": "override",
            "at": "2026-03-09T10:00:00-04:00",
            "data": {"milestone": "resolutoin", "extend": "4h", "by": "lee", "reason": "typo"},
        },
    ]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = runner.invoke(
        app, ["simulate", "--policy", POLICY, "--events", str(events), "--at", AT]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message
    assert "record C-9, event 2: data.milestone: process gold v1 has no milestone" in message
    assert "'resolutoin'; it has first_response, assignment, resolution" in message


def test_accounts_file_fills_in_tier_and_renewal_date() -> None:
    """--accounts supplies the tier (hence the process) and the renewal date of each record."""
    events = str(ROOT / "examples" / "events" / "b2b_week.jsonl")
    accounts = str(ROOT / "examples" / "accounts.yaml")
    result = runner.invoke(
        app,
        [
            "simulate",
            "--policy",
            POLICY,
            "--events",
            events,
            "--accounts",
            accounts,
            "--at",
            "2026-04-09T12:00:00-04:00",
            "--json",
        ],
    )
    assert result.exit_code == 0
    records = {r["record"]: r for r in json.loads(result.stdout)["records"]}
    assert {k: r["process"] for k, r in records.items()} == {
        "C-100": "platinum",
        "C-200": "gold",
        "C-300": "standard",
    }
    resolution = next(m for m in records["C-200"]["milestones"] if m["key"] == "resolution")
    assert resolution["target_seconds"] == 20 * 3600  # 16 h near renewal, extended by 4 h


def test_record_without_entitlement_runs_no_clock() -> None:
    """A record no rule matches (and no default) is shown as having no clock."""
    accounts_policy = str(ROOT / "examples" / "policies" / "accounts.yaml")
    result = runner.invoke(
        app, ["simulate", "--policy", accounts_policy, "--events", EVENTS, "--at", AT]
    )
    assert result.exit_code == 0
    assert "C-1: no entitlement (no rule matched, no default): no clock runs" in result.stdout
