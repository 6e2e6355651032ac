"""The service commands on a real SQLite file: migrate, refuse to serve unmigrated, keys, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from caseclock.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "examples" / "policies" / "b2b.yaml"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CASECLOCK_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


def test_serve_refuses_an_unmigrated_database(env: dict[str, str]) -> None:
    """serve exits 2 with one line saying to run `caseclock db upgrade`."""
    result = run(env, "serve")
    assert result.exit_code == 2
    assert "run `caseclock db upgrade`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_then_check(env: dict[str, str]) -> None:
    """db upgrade migrates the database; db check then passes."""
    assert run(env, "db", "check").exit_code == 2
    upgraded = run(env, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "at migration" in upgraded.stdout
    assert run(env, "db", "check").exit_code == 0


def test_apikey_create_prints_the_key_once(env: dict[str, str]) -> None:
    """apikey create prints the new key on stdout; a bad role is a one-line error."""
    run(env, "db", "upgrade")
    made = run(env, "apikey", "create", "--role", "agent", "--accounts", "acme,globex")
    assert made.exit_code == 0, made.output
    assert made.stdout.strip().startswith("cc_")
    bad = run(env, "apikey", "create", "--role", "boss")
    assert bad.exit_code == 2
    assert "unknown role 'boss'" in bad.stderr


def test_policy_apply_reports_versions(env: dict[str, str], tmp_path: Path) -> None:
    """policy apply stores a bundle; applying it again creates no new version."""
    run(env, "db", "upgrade")
    first = run(env, "policy", "apply", str(BUNDLE))
    assert first.exit_code == 0, first.output
    assert "process gold: version 1 (new version)" in first.stdout
    second = run(env, "policy", "apply", str(BUNDLE))
    assert "process gold: version 1 (unchanged)" in second.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("processes: {gold: {name: Gold, milestones: []}}\n", encoding="utf-8")
    failed = run(env, "policy", "apply", str(broken))
    assert failed.exit_code == 2
    assert "processes.gold" in failed.stderr


def test_quickstart_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    """A second quickstart reuses the data, revokes the old key and prints a new one."""
    served: list[dict[str, Any]] = []

    def fake_run(*_app: Any, **options: Any) -> None:
        served.append(options)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.chdir(ROOT)
    args = ("quickstart", "--data-dir", str(tmp_path / "var"), "--port", "8123", "--cases", "12")
    first = run({}, *args)
    assert first.exit_code == 0, first.output
    assert "demo loaded: 18 accounts, 12 cases" in first.stdout
    assert "http://127.0.0.1:8123" in first.stdout
    second = run({}, *args)
    assert second.exit_code == 0, second.output
    assert "reusing" in second.stdout
    assert "previous quickstart key was revoked" in second.stdout
    assert [k["port"] for k in served] == [8123, 8123]
