"""``caseclock serve`` as a real subprocess on a migrated SQLite file, and other commands run as
subprocesses, for tests that need real processes (slow clients, a second writer, backups)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from caseclock.store import migrate
from caseclock.store.database import make_engine
from tests.worker.processes import wait_for

CLI = [sys.executable, "-m", "caseclock.cli"]


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``caseclock ARGS`` on the database ``url``, to completion, output captured."""
    return subprocess.run(  # noqa: S603 - our own command line
        [*CLI, *args],
        env={**os.environ, "CASECLOCK_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'c.db'}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(tmp_path: Path, **settings: str) -> Iterator[int]:
    """``caseclock serve`` on a migrated SQLite file (``tmp_path/c.db``) with the given
    CASECLOCK_* settings; yields its port once it answers."""
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "CASECLOCK_DATABASE_URL": url, **settings}
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _answers(port), "the server to answer")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    except httpx.TransportError:
        return False
