"""Service commands: ``serve``, ``demo``, ``quickstart``, and the ``db``, ``policy``,
``apikey``, ``user`` and ``team`` groups (defined in their own modules)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from caseclock.api.asgi import serving_app
from caseclock.api.http_limits import uvicorn_options
from caseclock.cli import admin_cmd, backup_cmd, db_cmd, policy_cmd, team_cmd, user_cmd
from caseclock.cli.database import migrated_database
from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.cli.worker_cmd import background_worker
from caseclock.cli.writer import sole_writer
from caseclock.clock import SystemClock
from caseclock.config import Settings
from caseclock.demo.generator import generate
from caseclock.demo.loader import RiskReady, load_demo
from caseclock.document_files import load_bundle
from caseclock.errors import CaseclockError
from caseclock.services import audit
from caseclock.services.access import create_key, revoke_keys_named
from caseclock.services.passwords import policy_from
from caseclock.services.people import NewUser, ensure_user
from caseclock.services.policy import apply_bundle
from caseclock.services.records import count_records
from caseclock.store.database import make_session_factory

DEFAULT_POLICY = Path("examples/policies/b2b.yaml")
QUICKSTART_KEY = "quickstart"
QUICKSTART_ADMIN = "admin"  # the quickstart's admin user, made once
QUICKSTART_ACTOR = "caseclock quickstart"  # the audit trail's name for its own policy updates


def register(app: typer.Typer) -> None:
    """Add the service commands to ``app``."""
    app.add_typer(db_cmd.app, name="db")
    app.add_typer(policy_cmd.policy_app, name="policy")
    app.add_typer(admin_cmd.apikey_app, name="apikey")
    app.add_typer(user_cmd.app, name="user")
    app.add_typer(team_cmd.app, name="team")
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.command("quickstart")(quickstart)
    app.command("backup")(backup_cmd.backup)


def find_policy(path: Path | None) -> Path:
    """The demo bundle: as given, else the repository's ``examples/policies/b2b.yaml``."""
    if path is not None:
        return path
    candidates = (Path.cwd() / DEFAULT_POLICY, Path(__file__).resolve().parents[3] / DEFAULT_POLICY)
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        fail(f"cannot find {DEFAULT_POLICY}; pass --policy BUNDLE")
    return found


def serve(
    host: Annotated[str | None, typer.Option(help="bind address (CASECLOCK_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (CASECLOCK_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes (PostgreSQL)")] = 1,
    with_worker: Annotated[
        bool, typer.Option(help="also fire timers and deliver actions in this process")
    ] = False,
) -> None:
    """Run the API server; refuses a database that is not migrated."""
    settings = load_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    with (
        migrated_database(settings) as engine,
        sole_writer(settings, "server"),
        background_worker(settings, engine) if with_worker else nullcontext(),
    ):
        _run_server(settings, engine, bind_host, bind_port, workers)


def _run_server(settings: Settings, engine: Engine, host: str, port: int, workers: int) -> None:
    bind_host, bind_port = host, port
    if workers > 1:
        engine.dispose()
        uvicorn.run(
            "caseclock.api.asgi:app_from_environment",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            **uvicorn_options(settings),
        )
        return
    uvicorn.run(
        serving_app(settings, clock=SystemClock(), engine=engine),
        host=bind_host,
        port=bind_port,
        **uvicorn_options(settings),
    )


def demo(
    cases: Annotated[int, typer.Option(min=1, max=100_000, help="how many cases")] = 300,
    seed: Annotated[int, typer.Option(help="the same seed gives the same demo")] = 7,
    policy: Annotated[Path | None, typer.Option(help="bundle (default: examples b2b)")] = None,
) -> None:
    """Load a realistic demo (accounts, months of cases) into the migrated database, and
    train the breach-risk model on its history, so its open milestones show a risk at once."""
    settings = load_settings()
    loaded = _load_demo(settings, cases=cases, seed=seed, policy=find_policy(policy))
    typer.echo(loaded)


def _load_demo(settings: Settings, *, cases: int, seed: int, policy: Path) -> str:
    try:
        bundle = load_bundle(policy)
    except CaseclockError as exc:
        fail(str(exc))
    now = SystemClock().now()
    with migrated_database(settings) as engine, make_session_factory(engine)() as session:
        loaded = load_demo(session, bundle, generate(now=now, cases=cases, seed=seed), now=now)
        session.commit()
    return (
        f"demo loaded: {loaded.accounts} accounts, {loaded.records} cases, "
        f"{loaded.events} events (as of {now:%Y-%m-%d %H:%M} UTC){_risk_line(loaded.risk)}"
    )


def _risk_line(risk: RiskReady | None) -> str:
    """What the demo's loading did about breach risk, to end its one line."""
    if risk is None:
        return ""
    if risk.trained_on is None:
        return f"; no breach-risk model yet ({risk.why_not}): the worker retrains on its schedule"
    return (
        f"; breach-risk model trained on {risk.trained_on} closed milestones, "
        f"{risk.scored} open milestones scored"
    )


def _update_example_policy(session: Session) -> str:
    """Re-apply the example bundle on a restart, so a newer caseclock's example is in force,
    but never over an admin's change: once anyone but the quickstart itself changed the policy
    or a calendar, the policy is left as it is."""
    if audit.policy_changed_by_others(session, QUICKSTART_ACTOR):
        return "policy left as an admin set it"
    now = SystemClock().now()
    applied = apply_bundle(session, load_bundle(find_policy(None)), now=now)
    audit.policy_applied(session, applied, actor=QUICKSTART_ACTOR, at=now)
    newer = [f"{p.key} v{p.version}" for p in applied.processes if p.created]
    return f"policy updated: {', '.join(newer)}" if newer else "policy unchanged"


def quickstart(
    data_dir: Annotated[Path, typer.Option(help="where the SQLite file lives")] = Path("var"),
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    cases: Annotated[int, typer.Option(min=1)] = 300,
) -> None:
    """Migrate a SQLite file under DATA_DIR, load the demo once, make an admin key, serve."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the data directory {data_dir}: {exc.strerror}")
    database = (data_dir / "caseclock.db").resolve()
    settings = load_settings(database_url=f"sqlite:///{database}", host=host, port=port)
    with sole_writer(settings, "server"):
        db_cmd.upgrade_database(settings)
        with migrated_database(settings) as engine:
            _serve_demo(settings, engine, database, cases=cases)


def _serve_demo(settings: Settings, engine: Engine, database: Path, *, cases: int) -> None:
    """Load the demo into an empty database (else bring its example policy up to date, unless
    an admin changed the policy), make the quickstart's admin key and serve with a worker in
    this process."""
    host, port = settings.host, settings.port
    factory = make_session_factory(engine)
    with factory() as session:
        existing = count_records(session)
        update = ""
        if existing:
            update = _update_example_policy(session)
            session.commit()
    if existing:
        typer.echo(f"reusing {database} ({existing} records; delete it for a fresh demo); {update}")
    else:
        typer.echo(_load_demo(settings, cases=cases, seed=7, policy=find_policy(None)))
    with factory() as session:
        now = SystemClock().now()
        revoked = revoke_keys_named(session, QUICKSTART_KEY, now=now)
        made = create_key(session, role="admin", name=QUICKSTART_KEY, accounts=None, now=now)
        password = ensure_user(
            session,
            NewUser(handle=QUICKSTART_ADMIN, email="admin@localhost", role="admin"),
            actor="quickstart",
            passwords=policy_from(settings),
            now=now,
        )
        session.commit()
    if revoked:
        typer.echo("the previous quickstart key was revoked; use the new one below")
    url = f"http://{host}:{port}"
    admin = (
        f"password {password}  (shown only now)"
        if password is not None
        else "password as printed when it was made (`caseclock user set-password admin` "
        "makes a new one)"
    )
    typer.echo(
        f"\ncaseclock is starting at {url}  (API docs: {url}/docs)\n"
        f"admin API key: {made.secret}\n"
        f"web console: {url}/  (sign in as {QUICKSTART_ADMIN}, {admin})\n"
        f"try: curl -H 'Authorization: Bearer {made.secret}' "
        f"'{url}/api/v1/milestones?at_risk=true&sort=deadline&limit=10'\n"
    )
    with background_worker(settings, engine):  # milestone actions fire in this process
        uvicorn.run(
            serving_app(settings, clock=SystemClock(), engine=engine),
            host=host,
            port=port,
            **uvicorn_options(settings),
        )
