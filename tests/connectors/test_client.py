"""``caseclock.client`` and ``caseclock import --url`` against a real served app over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caseclock.api.schemas.records import RecordDetail
from caseclock.cli.main import app
from caseclock.client import ApiError, CaseclockClient
from tests.connectors.snapshot_export import MAPPING, generate
from tests.served import run_cli, serving, sqlite_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A served app with the B2B policy, and an agent's key: (base URL, key)."""
    tmp_path = tmp_path_factory.mktemp("client")
    with serving(tmp_path) as port:
        url = sqlite_url(tmp_path)
        policy = run_cli(url, "policy", "apply", str(ROOT / "examples" / "policies" / "b2b.yaml"))
        assert policy.returncode == 0, policy.stderr
        made = run_cli(url, "apikey", "create", "--role", "agent", "--name", "sync")
        assert made.returncode == 0, made.stderr
        yield f"http://127.0.0.1:{port}", made.stdout.strip().splitlines()[-1]


def test_the_client_answers_with_the_api_s_schemas(served: tuple[str, str]) -> None:
    """Events posted through the client come back as typed results; the record, its timeline
    and the queue are the API's own models; a refused call raises ApiError with the problem."""
    base, key = served
    with CaseclockClient(base, key) as client:
        outcome = client.post_events(
            [
                {
                    "id": "c-1",
                    "record": "CL-1",
                    "type": "created",
                    "at": "2026-03-09T10:00:00-04:00",
                    "data": {"tier": "Gold", "priority": "P2", "status": "New"},
                },
                {
                    "id": "c-2",
                    "record": "CL-1",
                    "type": "status",
                    "at": "2026-03-09T10:05:00-04:00",
                    "data": {"status": "Bogus"},
                },
            ]
        )
        assert (outcome.accepted, outcome.rejected) == (1, 1)
        assert outcome.results[1].status == "rejected"
        detail = client.record("CL-1")
        assert isinstance(detail, RecordDetail)
        assert detail.process is not None
        assert detail.process.key == "gold"
        assert [e.type for e in client.events("CL-1")] == ["created"]
        assert any(item.record == "CL-1" for item in client.queue(limit=50).items)
        with pytest.raises(ApiError) as refused:
            client.record("no-such-record")
        assert refused.value.status == 404
        assert refused.value.problem is not None
        assert "no record" in refused.value.problem.detail
    with CaseclockClient(base, "cc_wrong_key") as stranger, pytest.raises(ApiError) as denied:
        stranger.records()
    assert denied.value.status == 401


def test_import_with_url_sends_the_file_through_the_api(
    served: tuple[str, str], tmp_path: Path
) -> None:
    """``caseclock import --url`` loads an export through the server's API with the agent's
    key: the records are there with their events; run again, nothing new is stored; --dry-run
    is refused with --url, and so is a missing key."""
    base, key = served
    export = generate(25, seed=3, first=500)
    data = tmp_path / "remote.csv"
    data.write_text(export.text, encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    env = {"CASECLOCK_API_KEY": key}
    args = ["import", str(data), "--mapping", str(mapping), "--url", base]
    first = CliRunner().invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    assert "25 records; stored" in first.stdout
    assert "milestones evaluated by the server" in first.stdout
    again = CliRunner().invoke(app, [*args, "--restart"], env=env)
    assert "stored 0 events" in again.stdout
    with CaseclockClient(base, key) as client:
        timeline = client.events("INC0000500")
    assert timeline[0].type == "created"
    dry = CliRunner().invoke(app, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 2
    assert "--dry-run works on the local database only" in dry.stderr
    keyless = CliRunner().invoke(app, args, env={"CASECLOCK_API_KEY": ""})
    assert keyless.exit_code == 2
    assert "CASECLOCK_API_KEY" in keyless.stderr
