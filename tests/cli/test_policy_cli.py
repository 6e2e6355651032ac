"""``caseclock policy validate|apply`` on a real SQLite file: the same refusals as apply, what a
bundle replaced, added and left, warnings, and a quick start that keeps an admin's policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from caseclock.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
B2B = ROOT / "examples" / "policies" / "b2b.yaml"
ACCOUNTS = ROOT / "examples" / "policies" / "accounts.yaml"
UNSTORABLE = """
calendars: [{name: utc, timezone: UTC, always_open: true}]
processes:
  p:
    name: P
    calendar: utc
    milestones:
      - key: m
        start: {on: created}
        complete: {on: closed}
        target: 1h
        actions: {violation: {do: [{type: email, to: x, template: ../../etc/passwd}]}}
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CASECLOCK_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


def test_validate_refuses_what_apply_refuses(env: dict[str, str], tmp_path: Path) -> None:
    """A template name that is a path validates as a model but cannot be applied: validate and
    simulate now say so, with the same path as apply, and exit 2."""
    bundle = tmp_path / "bad.yaml"
    bundle.write_text(UNSTORABLE, encoding="utf-8")
    run(env, "db", "upgrade")
    where = "processes.p.milestones[0].actions.violation.do[0].template"
    for args in (
        ("policy", "validate", str(bundle)),
        ("policy", "apply", str(bundle)),
        ("simulate", "--policy", str(bundle), "--events", "x.jsonl", "--at", "2026-01-01T00:00Z"),
    ):
        result = run(env, *args)
        assert result.exit_code == 2, (args, result.output)
        assert where in result.stderr, args
        assert str(bundle) in result.stderr
    good = run(env, "policy", "validate", str(B2B))
    assert good.exit_code == 0, good.output
    assert "valid (" in good.stdout


def test_a_json_bundle_with_a_repeated_key_is_refused(tmp_path: Path) -> None:
    """A JSON file that says ``target`` twice is refused with the path, not read as the last."""
    bundle = tmp_path / "twice.json"
    bundle.write_text('{"calendars": [], "processes": {}, "processes": {}}', encoding="utf-8")
    result = run({}, "policy", "validate", str(bundle))
    assert result.exit_code == 2
    assert "duplicate key 'processes'" in result.stderr


def test_an_account_bundle_adds_its_rule_and_leaves_the_case_rules(env: dict[str, str]) -> None:
    """The shipped account example used to switch every new case's SLA off: now its rule is
    added and the tier rules and the default are left, and apply prints so."""
    run(env, "db", "upgrade")
    assert run(env, "policy", "apply", str(B2B)).exit_code == 0
    result = run(env, "policy", "apply", str(ACCOUNTS))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert (
        'entitlement rule added: when {"field":"type","value":"account"} -> account_lifecycle'
        in out
    )
    assert 'entitlement rule left: when {"field":"tier","value":"Gold"} -> gold' in out
    assert "entitlement rule left: default -> standard" in out
    assert "escalation rule left: idle_premium" in out


def test_apply_warns_of_types_and_tiers_left_without_a_process(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Replacing the rules with a Gold-only set warns that the known Standard tier and record
    type get no process (on stderr; the apply itself succeeds)."""
    run(env, "db", "upgrade")
    run(env, "demo", "--cases", "5")
    gold_only = tmp_path / "gold.yaml"
    text = (
        B2B.read_text(encoding="utf-8")
        .replace(
            "entitlement_rules:\n  rules:",
            "entitlement_rules:\n  replace: true\n  rules:",
        )
        .replace("  default: standard\n", "")
    )
    gold_only.write_text(text, encoding="utf-8")
    result = run(env, "policy", "apply", str(gold_only))
    assert result.exit_code == 0, result.output
    assert "entitlement rule replaced: default -> none (was standard)" in result.stdout
    assert "warning: records of type 'case' get no process for tiers" in result.stderr
    assert "Standard" in result.stderr


def test_quickstart_restart_keeps_an_admins_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an admin applies a changed Gold process, a quick-start restart leaves it in force
    (no new version of the example over it) and says so."""
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: None)
    monkeypatch.chdir(ROOT)
    var = tmp_path / "var"
    args = ("quickstart", "--data-dir", str(var), "--port", "8123", "--cases", "5")
    assert run({}, *args).exit_code == 0
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        B2B.read_text(encoding="utf-8").replace("name: Gold\n", "name: Gold (ours)\n"),
        encoding="utf-8",
    )
    env = {"CASECLOCK_DATABASE_URL": f"sqlite:///{(var / 'caseclock.db').resolve()}"}
    assert (
        "process gold: version 2 (new version)" in run(env, "policy", "apply", str(changed)).stdout
    )
    again = run({}, *args)
    assert again.exit_code == 0, again.output
    assert "policy left as an admin set it" in again.stdout
    check = run(env, "policy", "apply", str(changed))
    assert "process gold: version 2 (unchanged)" in check.stdout


def test_preview_then_apply_with_a_migration_in_batches(
    env: dict[str, str], tmp_path: Path
) -> None:
    """On a demo, a shorter Gold first response: ``preview`` prints the moves (and JSON with
    --json) and changes nothing; ``apply --migrate open --batch-size 5`` moves the open Gold
    cases in committed batches; nothing is left to resume."""
    run(env, "db", "upgrade")
    assert run(env, "demo", "--cases", "40").exit_code == 0
    shorter = tmp_path / "shorter.yaml"
    text = B2B.read_text(encoding="utf-8")
    shorter.write_text(
        text.replace("{<<: *first_response, target: 4h}", "{<<: *first_response, target: 1h}"),
        encoding="utf-8",
    )
    shown = run(env, "policy", "preview", str(shorter))
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("open records: ")
    assert "compliance " in shown.stdout
    assert "previewed" in shown.stderr
    as_json = run(env, "policy", "preview", str(shorter), "--json")
    summary = json.loads(as_json.stdout)
    assert summary["records"] > 0
    assert summary["earlier"] >= 1
    applied = run(env, "policy", "apply", str(shorter), "--migrate", "open", "--batch-size", "5")
    assert applied.exit_code == 0, applied.output
    assert "process gold: version 2 (new version)" in applied.stdout
    assert "open records moved" in applied.stdout
    assert "migrated" in applied.stderr
    again = run(env, "policy", "migrate", "--resume")
    assert again.exit_code == 2
    assert "no policy migration is unfinished" in again.stderr


def test_bad_migrate_choices_are_one_line_errors(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")
    for choice, words in (
        ("bogus", "migrate is none, open or matching:CONDITION"),
        ("matching:{on: created}", "event triggers"),
    ):
        result = run(env, "policy", "apply", str(B2B), "--migrate", choice)
        assert result.exit_code == 2, choice
        assert words in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert "process gold" not in run(env, "policy", "preview", str(B2B)).stdout


def _calendar_version(env: dict[str, str], name: str) -> int:
    engine = create_engine(env["CASECLOCK_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            query = text("SELECT version FROM calendars WHERE name = :name")
            return int(connection.execute(query, {"name": name}).scalar_one())
    finally:
        engine.dispose()


def test_a_holiday_previewed_then_added_to_the_open_clocks(env: dict[str, str]) -> None:
    """``policy holiday us-east DATE --preview`` prints what it would do and changes nothing;
    with ``--migrate open`` the calendar gets a version holding the holiday and the open
    records move onto it in committed batches; bad dates and calendars are one-line errors."""
    run(env, "db", "upgrade")
    assert run(env, "demo", "--cases", "40").exit_code == 0
    day = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    shown = run(env, "policy", "holiday", "us-east", day, "--migrate", "open", "--preview")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("open records: ")
    assert _calendar_version(env, "us-east") == 1
    added = run(env, "policy", "holiday", "us-east", day, "--migrate", "open", "--batch-size", "7")
    assert added.exit_code == 0, added.output
    assert "calendar us-east: updated" in added.stdout
    assert "open records moved" in added.stdout
    assert _calendar_version(env, "us-east") == 2
    past = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    for args, words in (
        (["us-east", past], "not in the future"),
        (["us-east", day], "already a holiday"),
        (["us-east", "soon"], "is not a date"),
        (["nowhere", day], "no calendar named 'nowhere'"),
    ):
        refused = run(env, "policy", "holiday", *args)
        assert refused.exit_code == 2, args
        assert words in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    assert _calendar_version(env, "us-east") == 2
