"""Run ``caseclock worker`` as a real subprocess, and wait for things without sleeping blindly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from caseclock.cli.worker_cmd import HOLD_ENV

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


def worker_env(url: str, smtp_port: int, hold: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "CASECLOCK_DATABASE_URL": url,
        "CASECLOCK_SMTP_HOST": "127.0.0.1",
        "CASECLOCK_SMTP_PORT": str(smtp_port),
        "CASECLOCK_EMAIL_DOMAIN": "example.com",
    }
    env.pop(HOLD_ENV, None)
    if hold is not None:
        env[HOLD_ENV] = str(hold)
    return env


def run_worker(url: str, at: datetime, smtp_port: int) -> subprocess.CompletedProcess[str]:
    """One ``worker --once`` run to completion; it must succeed."""
    done = subprocess.run(  # noqa: S603 - our own command line
        worker_command(at),
        env=worker_env(url, smtp_port),
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
