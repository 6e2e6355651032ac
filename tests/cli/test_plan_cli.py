"""``caseclock plan`` on a real SQLite file: list the shipped plans, store one from YAML or
JSON, show, apply from a start date, delete; bad documents refused at their path, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from caseclock.cli.main import app
from tests.cli.test_milestone_cli import env

__all__ = ["env"]  # the fixture: a migrated database with account acme

ROLLOUT = """\
key: rollout
name: Rollout
milestones:
  - key: pilot
    name: Pilot
    due: {offset: 10bd}
    tasks: [{title: Choose the pilot team}]
  - key: everyone
    name: Everyone on board
    starts_after: pilot
    due: {offset: 1mo}
    reminders: {before: [1w], to: [owner, team]}
    actions: {violation: {do: [{type: email, to: team}]}}
"""


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, ["plan", *args], env=env, input=stdin)


def test_a_plan_stored_from_yaml_listed_shown_applied_and_deleted(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The shipped plans are listed; a YAML plan is stored and listed as stored; applying it
    from 3 August 2026 dates the pilot ten working days later and the rest a month after; a
    deleted plan is gone from the list, and its milestones stay."""
    listed = run(env, "list")
    assert listed.exit_code == 0, listed.output
    keys = [line.split("\t")[:2] for line in listed.output.splitlines()]
    for key in ("implementation", "onboarding", "renewal", "lifecycle"):
        assert [key, "shipped"] in keys
    (tmp_path / "rollout.yaml").write_text(ROLLOUT)
    stored = run(env, "create", str(tmp_path / "rollout.yaml"))
    assert stored.output == "rollout\tstored\tRollout\t2 milestones\n"
    assert ["rollout", "stored"] in [
        line.split("\t")[:2] for line in run(env, "list").output.splitlines()
    ]
    assert "starts_after: pilot" in run(env, "show", "rollout").output
    applied = run(env, "apply", "rollout", "acme", "--start", "2026-08-03")
    assert applied.exit_code == 0, applied.output
    assert [line.split("\t")[1:] for line in applied.output.splitlines()] == [
        ["2026-08-17", "Pilot"],
        ["2026-09-17", "Everyone on board"],
    ]
    assert run(env, "delete", "rollout").output == "rollout\tdeleted\n"
    assert "rollout" not in run(env, "list").output
    milestones = CliRunner().invoke(app, ["milestone", "list", "acme"], env=env).output
    assert "Everyone on board" in milestones


def test_a_json_plan_from_stdin_is_stored(env: dict[str, str]) -> None:
    document = {
        "key": "qbr",
        "name": "QBR",
        "milestones": [{"key": "q1", "name": "Q1", "due": {"offset": "3mo"}}],
    }
    stored = run(env, "create", "-", stdin=json.dumps(document))
    assert stored.exit_code == 0, stored.output
    assert stored.output.startswith("qbr\tstored\tQBR")


def test_bad_plans_are_one_line_at_their_path_and_exit_2(
    env: dict[str, str], tmp_path: Path
) -> None:
    """An hour offset, an unknown key, a shipped plan's key, deleting a shipped plan and an
    unknown file each fail with one line and status 2, and nothing is stored."""
    bad = tmp_path / "bad.yaml"
    cases = [
        (ROLLOUT.replace("10bd", "4h"), "milestones[0].due.offset"),
        (
            ROLLOUT.replace("key: pilot\n", "key: pilot\n    colour: red\n"),
            "unknown field 'colour'",
        ),
        (ROLLOUT.replace("type: email, to: team", "type: reassign, to: team"), "reassign"),
        (ROLLOUT.replace("key: rollout", "key: renewal"), "exists already"),
    ]
    for text, words in cases:
        bad.write_text(text)
        result = run(env, "create", str(bad))
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert words in result.output
    for args in (("delete", "renewal"), ("create", str(tmp_path / "none.yaml")), ("show", "nope")):
        result = run(env, *args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert "rollout" not in run(env, "list").output
