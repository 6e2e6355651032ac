"""``caseclock backup`` on SQLite while a real server writes, and a restore from the copy."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx

from caseclock.store import migrate
from caseclock.store.database import make_engine
from tests.served import run_cli, serving, sqlite_url

AT = datetime(2026, 3, 9, 14, 0, tzinfo=UTC).isoformat()


def _created(n: int) -> dict[str, object]:
    return {"id": f"c{n}", "record": f"B-{n}", "type": "created", "at": AT, "data": {}}


def test_a_backup_taken_while_serving_restores_every_committed_record(tmp_path: Path) -> None:
    """A backup taken while `caseclock serve` runs holds every record committed before it,
    passes SQLite's integrity check, and, put in place of the database, is at the newest
    migration and serves those records again."""
    url = sqlite_url(tmp_path)
    copy = tmp_path / "copy.db"
    with serving(tmp_path) as port:
        key = run_cli(url, "apikey", "create", "--role", "agent").stdout.strip()
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            batch = client.post("/api/v1/events", json=[_created(n) for n in range(30)])
            assert batch.status_code == 200
            made = run_cli(url, "backup", str(copy))
            later = client.post("/api/v1/events", json=[_created(n) for n in range(30, 40)])
            assert later.status_code == 200
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"backed up to {copy} (")
    with sqlite3.connect(copy) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(copy, restored / "c.db")
    engine = make_engine(sqlite_url(restored))
    try:
        assert not migrate.pending(engine)
    finally:
        engine.dispose()
    with serving(restored) as port:
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/records?limit=100", headers=headers
        ).json()
    assert sorted(item["id"] for item in listed) == sorted(f"B-{n}" for n in range(30))


def test_backup_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    """backup refuses, in one line and exit 2, an existing destination and a PostgreSQL
    database (which pg_dump backs up), and writes nothing."""
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    existing = tmp_path / "there.db"
    existing.write_text("keep me", encoding="utf-8")
    refused = [
        run_cli(url, "backup", str(existing)),
        run_cli("postgresql+psycopg://u@127.0.0.1:1/x", "backup", str(tmp_path / "new.db")),
    ]
    for result in refused:
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
    assert "exists; give a new file" in refused[0].stderr
    assert "pg_dump" in refused[1].stderr
    assert existing.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "new.db").exists()
