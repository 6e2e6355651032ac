"""Run ``caseclock worker`` as a real subprocess, and wait for things without sleeping blindly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

START_TIMEOUT = 60.0  # seconds for a subprocess to import, connect and reach the hook


def worker_command(at: datetime) -> list[str]:
    return [
        sys.executable,
        "-m",
        "caseclock.cli",
        "worker",
        "--once",
        "--quiet",
        "--at",
        at.isoformat(),
    ]


def holding_worker_command(marker: Path, at: datetime) -> list[str]:
    """A worker that holds its firing transaction open once it has written its effects
    (``tests.worker.holding_worker``), writing ``marker`` then."""
    return [sys.executable, "-m", "tests.worker.holding_worker", str(marker), at.isoformat()]


def worker_env(url: str, smtp_port: int, **settings: str) -> dict[str, str]:
    """The environment of a worker process: the database, the SMTP sink, receivers on
    127.0.0.1 allowed, and any other ``CASECLOCK_*`` setting given by name."""
    return {
        **os.environ,
        "CASECLOCK_DATABASE_URL": url,
        "CASECLOCK_SMTP_HOST": "127.0.0.1",
        "CASECLOCK_SMTP_PORT": str(smtp_port),
        "CASECLOCK_EMAIL_DOMAIN": "example.com",
        "CASECLOCK_ALLOW_PRIVATE_ENDPOINTS": "true",
        **{f"CASECLOCK_{name.upper()}": value for name, value in settings.items()},
    }


def run_worker(
    url: str, at: datetime, smtp_port: int, **settings: str
) -> subprocess.CompletedProcess[str]:
    """One ``worker --once`` run to completion (with these ``CASECLOCK_*`` settings, by
    name); it must succeed."""
    done = subprocess.run(  # noqa: S603 - our own command line
        worker_command(at),
        env=worker_env(url, smtp_port, **settings),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT * 2,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def wait_for(condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
