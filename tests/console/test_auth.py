"""The console's secret and its signed values, without a server."""

from __future__ import annotations

import stat
from pathlib import Path

from caseclock.config import Settings
from caseclock.console.auth import load_secret, sign, unsign


def test_secret_is_generated_once_beside_the_sqlite_file(tmp_path: Path) -> None:
    """Unset, the secret is made on first use, kept private beside the database, and reused."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/caseclock.db")
    first = load_secret(settings)
    path = tmp_path / "console-secret"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(settings) == first
    assert len(first) >= 32


def test_configured_secret_wins(tmp_path: Path) -> None:
    """CASECLOCK_CONSOLE_SECRET is used as given and nothing is written."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/c.db", console_secret="s3")
    assert load_secret(settings) == b"s3"
    assert not (tmp_path / "console-secret").exists()


def test_signed_values_resist_tampering() -> None:
    """A value reads back under its secret only, and not once changed."""
    value = sign(b"one", {"me": "ana", "exp": 1})
    assert unsign(b"one", value) == {"me": "ana", "exp": 1}
    assert unsign(b"two", value) is None
    body, _, mac = value.partition(".")
    assert unsign(b"one", body[:-2] + "xx." + mac) is None
    assert unsign(b"one", "garbage") is None
