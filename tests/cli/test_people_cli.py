"""``caseclock user``, ``team`` and ``apikey list|revoke`` on a real SQLite file."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from caseclock.cli.main import app
from caseclock.clock import SystemClock
from caseclock.errors import Unauthorized
from caseclock.services.access import authenticate
from caseclock.services.passwords import verify_password
from caseclock.services.people import get_user
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import FAST_PASSWORDS
from tests.mail import running_smtp

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "CASECLOCK_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "CASECLOCK_PASSWORD_TIME_COST": "1",
        "CASECLOCK_PASSWORD_MEMORY_KIB": "1024",
        "CASECLOCK_PASSWORD_PARALLELISM": "1",
    }
    assert CliRunner().invoke(app, ["db", "upgrade"], env=values).exit_code == 0
    return values


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env, input=stdin)


def test_user_create_prints_a_generated_password_once(env: dict[str, str]) -> None:
    """user create without --password-stdin prints a generated password on stdout; the user
    is listed with their team, a lead marked with *."""
    assert run(env, "team", "create", "L2", "--email", "l2@example.com").exit_code == 0
    made = run(
        env,
        "user",
        "create",
        "lee",
        "--email",
        "lee@example.com",
        "--role",
        "lead",
        "--team",
        "L2",
        "--lead",
    )
    assert made.exit_code == 0, made.output
    password = made.stdout.strip()
    assert len(password) >= 20
    assert "shown only once" in made.stderr
    listed = run(env, "user", "list")
    assert listed.stdout.strip() == "lee\tlead\tlee@example.com\tL2*\tactive"
    teams = run(env, "team", "list")
    assert teams.stdout.strip() == "L2\t-\tl2@example.com\tlee*"


def test_user_create_with_a_weak_password_is_one_line_and_changes_nothing(
    env: dict[str, str],
) -> None:
    """A password that holds the handle is refused with one line and exit 2; no user exists."""
    bad = run(
        env,
        "user",
        "create",
        "lee",
        "--email",
        "lee@example.com",
        "--password-stdin",
        stdin="i-am-lee-the-great\n",
    )
    assert bad.exit_code == 2
    assert "must not contain your handle" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert run(env, "user", "list").stdout == ""


def test_apikey_revoke_and_deactivate(env: dict[str, str]) -> None:
    """A user's key works until the user is deactivated; a service key until it is revoked;
    apikey list shows owners and states; an unknown id is one line and exit 2."""
    run(env, "user", "create", "ana", "--email", "ana@example.com")
    ana_key = run(env, "apikey", "create", "--role", "agent", "--user", "ana").stdout.strip()
    bot_key = run(env, "apikey", "create", "--role", "viewer", "--name", "bi").stdout.strip()
    engine = make_engine(env["CASECLOCK_DATABASE_URL"])
    factory = make_session_factory(engine)

    def works(secret: str) -> bool:
        with factory() as session:
            try:
                authenticate(session, f"Bearer {secret}", now=SystemClock().now())
            except Unauthorized:
                return False
            return True

    try:
        assert works(ana_key)
        assert works(bot_key)
        listed = run(env, "apikey", "list").stdout.splitlines()
        assert [line.split("\t")[3] for line in listed] == ["ana", "service:bi"]
        assert run(env, "user", "deactivate", "ana").exit_code == 0
        assert not works(ana_key)
        bot_id = listed[1].split("\t")[0]
        assert run(env, "apikey", "revoke", bot_id).exit_code == 0
        assert not works(bot_key)
        states = [line.split("\t")[-1] for line in run(env, "apikey", "list").stdout.splitlines()]
        assert states == ["revoked", "revoked"]
        unknown = run(env, "apikey", "revoke", "999")
        assert unknown.exit_code == 2
        assert "no API key 999" in unknown.stderr
    finally:
        engine.dispose()


def test_quickstart_makes_the_admin_user_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first quickstart prints the admin user's generated password beside the key; a
    restart keeps that password (it says how to make a new one) and the printed one works."""
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: None)
    monkeypatch.chdir(ROOT)
    args = ("quickstart", "--data-dir", str(tmp_path / "var"), "--port", "8124", "--cases", "8")
    fast = {
        "CASECLOCK_PASSWORD_TIME_COST": "1",
        "CASECLOCK_PASSWORD_MEMORY_KIB": "1024",
        "CASECLOCK_PASSWORD_PARALLELISM": "1",
    }
    first = run(fast, *args)
    assert first.exit_code == 0, first.output
    found = re.search(r"sign in as admin, password (\S+)  \(shown only now\)", first.stdout)
    assert found is not None, first.stdout
    second = run(fast, *args)
    assert second.exit_code == 0, second.output
    assert "sign in as admin, password as printed when it was made" in second.stdout
    assert found.group(1) not in second.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'caseclock.db'}")
    try:
        with make_session_factory(engine)() as session:
            stored = get_user(session, "admin").password_hash
        assert verify_password(FAST_PASSWORDS, stored, found.group(1)).ok
    finally:
        engine.dispose()


def test_user_invite_emails_the_link_and_never_prints_it(env: dict[str, str]) -> None:
    """user invite adds the user and mails the link (a real SMTP server); the command says to
    whom and until when, never the link; with the server gone, one line, exit 2, no user."""
    assert run(env, "team", "create", "L2").exit_code == 0
    with running_smtp() as (sink, port):
        mail = {**env, "CASECLOCK_SMTP_HOST": "127.0.0.1", "CASECLOCK_SMTP_PORT": str(port)}
        sent = run(mail, "user", "invite", "mo", "--email", "mo@example.com", "--team", "L2")
        assert sent.exit_code == 0, sent.output
        assert "invitation sent to mo@example.com; the link works until" in sent.output
        assert "/invitation/" not in sent.output
        assert [m["To"] for m in sink.messages()] == ["mo@example.com"]
        assert run(mail, "user", "reinvite", "mo").exit_code == 0
        assert len(sink.messages()) == 2
    listed = run(env, "user", "list").output
    assert "mo\tagent\tmo@example.com\tL2\tactive" in listed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = str(probe.getsockname()[1])
    down = {**env, "CASECLOCK_SMTP_HOST": "127.0.0.1", "CASECLOCK_SMTP_PORT": closed}
    failed = run(down, "user", "invite", "zed", "--email", "zed@example.com")
    assert failed.exit_code == 2
    assert len(failed.output.strip().splitlines()) == 1
    assert "was not sent" in failed.output
    assert "zed" not in run(env, "user", "list").output
