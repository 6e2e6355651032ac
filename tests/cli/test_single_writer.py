"""One writer per SQLite file, and migrations that may run twice at once, with real processes."""

from __future__ import annotations

import os
import subprocess
from contextlib import ExitStack
from pathlib import Path

import pytest

from caseclock.store import migrate
from caseclock.store.database import make_engine
from tests.pg_schemas import server_url, throwaway_schema
from tests.served import CLI, run_cli, serving, sqlite_url


def test_a_second_server_or_worker_on_a_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    """While `caseclock serve` runs on a SQLite file, a worker or another server on the same
    file exits 2 with one line naming the running server; once it has stopped, a worker
    runs. Short commands (making a key) still work beside the server."""
    url = sqlite_url(tmp_path)
    with serving(tmp_path) as port:
        worker = run_cli(url, "worker", "--once", "--quiet")
        server = run_cli(url, "serve", "--port", str(port + 1))
        key = run_cli(url, "apikey", "create", "--role", "viewer")
    for refused in (worker, server):
        assert refused.returncode == 2, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("caseclock: error: caseclock server (pid ")
        assert f"already runs on {tmp_path.resolve() / 'c.db'}; SQLite has one writer" in lines[0]
    assert key.returncode == 0, key.stderr
    after = run_cli(url, "worker", "--once", "--quiet")
    assert after.returncode == 0, after.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_upgrades_at_once_both_succeed(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two `caseclock db upgrade` started together on an empty database (two deployments
    starting at once) both exit 0 and leave it at the newest migration: one waits for the
    other, then finds nothing to do."""
    with ExitStack() as stack:
        if backend == "sqlite":
            url = sqlite_url(tmp_path)
        else:
            request.applymarker(pytest.mark.postgres)
            request.getfixturevalue("pg_schema_url")  # skips (fails on CI) without a server
            url = stack.enter_context(throwaway_schema(server_url(), migrated=False))
        _upgrade_twice_at_once(url)


def _upgrade_twice_at_once(url: str) -> None:
    env = {**os.environ, "CASECLOCK_DATABASE_URL": url}
    both = [
        subprocess.Popen(  # noqa: S603 - our own command line
            [*CLI, "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = [process.communicate(timeout=120) for process in both]
    assert [process.returncode for process in both] == [0, 0], outcomes
    engine = make_engine(url)
    try:
        assert not migrate.pending(engine)
    finally:
        engine.dispose()
