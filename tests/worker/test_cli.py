"""``caseclock worker`` and ``caseclock deliveries`` on a real SQLite file."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from caseclock.cli.main import app
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import T0
from tests.worker.firing_setup import created, minutes, prepare, send
from tests.worker.servers import Receiver, Reply


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"CASECLOCK_DATABASE_URL": url})


def test_worker_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    """worker exits 2 with one line saying to run `caseclock db upgrade`."""
    result = run(f"sqlite:///{tmp_path / 'new.db'}", "worker", "--once")
    assert result.exit_code == 2
    assert "caseclock db upgrade" in result.stderr


def test_at_needs_once_and_an_offset(tmp_path: Path) -> None:
    """--at is for a single iteration, and a naive instant is refused."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(url, "db", "upgrade").exit_code == 0
    alone = run(url, "worker", "--at", "2026-03-09T14:00:00+00:00")
    naive = run(url, "worker", "--once", "--at", "2026-03-09T14:00:00")
    assert (alone.exit_code, naive.exit_code) == (2, 2)
    assert "--at needs --once" in alone.stderr
    assert "timezone-aware" in naive.stderr


def test_worker_once_then_retry_a_dead_letter(tmp_path: Path, receiver: Receiver) -> None:
    """A webhook answered 404 is dead-lettered; `deliveries list --state failed` shows it and
    `deliveries retry ID` makes it pending again with a fresh round of attempts."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(url, "db", "upgrade").exit_code == 0
    engine = make_engine(url)
    factory = make_session_factory(engine)
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-1", T0))
    receiver.script(Reply(404))
    at = (T0 + minutes(45)).isoformat()
    once = run(url, "worker", "--once", "--at", at)
    assert once.exit_code == 0, once.output
    assert once.stdout.startswith("fired 1 (0 late), delivered 0")
    [line] = run(url, "deliveries", "list", "--state", "failed").stdout.splitlines()
    delivery_id = line.split("\t")[0]
    retried = run(url, "deliveries", "retry", delivery_id)
    assert "is pending again" in retried.stdout
    assert run(url, "deliveries", "retry", delivery_id).exit_code == 2  # not failed any more
    pending = run(url, "deliveries", "list", "--state", "pending").stdout
    engine.dispose()
    assert pending.startswith(f"{delivery_id}\tpending\t0\twebhook\tops")


def test_serve_with_worker_runs_a_worker_beside_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve --with-worker starts a worker thread for as long as the server runs."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(url, "db", "upgrade").exit_code == 0
    seen: list[bool] = []

    def fake_run(*_args: object, **_kwargs: object) -> None:
        seen.append(any(t.name == "caseclock-worker" for t in threading.enumerate()))

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = run(url, "serve", "--with-worker")
    assert result.exit_code == 0, result.output
    assert seen == [True]
    assert not any(t.name == "caseclock-worker" for t in threading.enumerate())
