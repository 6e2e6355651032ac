"""``caseclock worker`` and ``caseclock deliveries``: run the timer loop, look after the outbox.

``worker`` fires milestone timers and escalations as they fall due and, in a loop of its own,
delivers the outbox, until SIGINT or SIGTERM; several may run side by side on PostgreSQL (one
on SQLite).
``--once`` runs a single iteration (``--at`` picks its instant: replaying or testing).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated

import httpx
import typer
from sqlalchemy import Engine

from caseclock import collector
from caseclock.channels.connections import delivery_client
from caseclock.channels.email import smtp_settings
from caseclock.cli.database import migrated_database, safe_url
from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.cli.writer import sole_writer
from caseclock.clock import SystemClock, require_aware
from caseclock.config import Settings
from caseclock.errors import CaseclockError
from caseclock.services import outbox
from caseclock.store.database import make_session_factory
from caseclock.worker.account_reminders import ReminderJob
from caseclock.worker.insights import InsightsJob, RetrainJob
from caseclock.worker.listen import Wakeup
from caseclock.worker.loop import Iteration, Role, Worker, run_in_thread
from caseclock.worker.reviews import ReviewJob

deliveries_app = typer.Typer(help="The outbox: deliveries and dead letters.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(deliveries_app, name="deliveries")


def start_worker(settings: Settings, engine: Engine) -> tuple[Worker, Wakeup, httpx.Client]:
    """A worker over ``engine`` with its HTTP client and wake-up (LISTEN on PostgreSQL)."""
    http = delivery_client(allow_private=settings.allow_private_endpoints)
    factory = make_session_factory(engine)
    made = Worker(factory, settings, http=http)
    made.add_job(ReviewJob(factory, settings, http, smtp_settings(settings)).run)
    made.add_job(ReminderJob(factory, settings, http, smtp_settings(settings)).run)
    if settings.retrain_hours > 0:
        made.add_job(RetrainJob(factory, timedelta(hours=settings.retrain_hours)).run)
    made.add_job(InsightsJob.of(factory, settings).run)
    wakeup = Wakeup()
    wakeup.listen(settings.database_url)
    return made, wakeup, http


def worker(
    once: Annotated[bool, typer.Option(help="run one iteration and exit")] = False,
    at: Annotated[
        datetime | None,
        typer.Option(help="with --once: the instant to run at (ISO-8601 with an offset)"),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="print nothing per iteration")] = False,
    only: Annotated[
        Role | None,
        typer.Option(
            help="run only the firing loop or only the sending loop (one process of each "
            "keeps firing off the sending process's CPU)"
        ),
    ] = None,
) -> None:
    """Fire milestone timers and escalations when due; deliver webhooks, chat and email."""
    settings = load_settings()
    if only is not None and once:
        fail("--only is for a running worker; --once fires and sends")
    if at is not None and not once:
        fail("--at needs --once: a running worker follows the real clock")
    if at is not None:
        try:
            require_aware(at, "--at")
        except ValueError as exc:
            fail(str(exc))
    with migrated_database(settings) as engine, sole_writer(settings, "worker"):
        made, wakeup, http = start_worker(settings, engine)
        if settings.gc_tuning and not once:
            collector.tune()
        report = None if quiet else _report
        try:
            if once:
                clock = SystemClock()
                sending = None if at is not None else clock
                typer.echo(_summary(made.run_once(at or clock.now(), sending=sending)))
                return
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda _signum, _frame: wakeup.stop())
            typer.echo(f"worker {os.getpid()} on {safe_url(settings.database_url)}", err=True)
            made.run(SystemClock(), wakeup, on_iteration=report, role=only or Role.BOTH)
        finally:
            wakeup.stop()
            made.close()
            http.close()


def _report(iteration: Iteration) -> None:
    if iteration.fired or iteration.delivered or iteration.retrying or iteration.failed:
        typer.echo(f"{time.strftime('%H:%M:%S')} {_summary(iteration)}")


def _summary(iteration: Iteration) -> str:
    fired = sum(1 for f in iteration.fired if not f.skipped)
    late = sum(1 for f in iteration.fired if f.late and not f.skipped)
    held = f", held {len(iteration.held)}" if iteration.held else ""
    return (
        f"fired {fired} ({late} late), delivered {iteration.delivered}, "
        f"retrying {iteration.retrying}, failed {iteration.failed}{held}"
    )


LARGEST_ID = 2**31 - 1  # ids are PostgreSQL integers: a larger one is no id at all


@deliveries_app.command("retry")
def retry(
    delivery_id: Annotated[int, typer.Argument(min=1, max=LARGEST_ID, help="the delivery's id")],
) -> None:
    """Send a dead-lettered delivery again (a fresh round of attempts, the same key)."""
    settings = load_settings()
    with migrated_database(settings) as engine, make_session_factory(engine)() as session:
        try:
            row = outbox.retry(session, delivery_id, now=SystemClock().now())
        except CaseclockError as exc:
            fail(str(exc))
        session.commit()
    typer.echo(f"delivery {row.id} ({row.channel}, key {row.key}) is pending again")


@deliveries_app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help="pending, delivered or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """List deliveries, newest first: id, state, attempts, channel, target, last error."""
    settings = load_settings()
    with migrated_database(settings) as engine, make_session_factory(engine)() as session:
        try:
            rows = outbox.list_deliveries(
                session, state=state, record_id=None, limit=limit, offset=0
            )
        except CaseclockError as exc:
            fail(str(exc))
        for row in rows:
            target = row.endpoint or row.url or ", ".join(row.recipients or [])
            typer.echo(
                f"{row.id}\t{row.state}\t{row.attempts}\t{row.channel}\t{target}\t"
                f"{row.record_id}\t{row.last_error or ''}"
            )


@contextmanager
def background_worker(settings: Settings, engine: Engine) -> Iterator[None]:
    """Run a worker in a thread of this process while the block runs (``--with-worker``)."""
    made, wakeup, http = start_worker(settings, engine)
    thread = run_in_thread(made, SystemClock(), wakeup)
    try:
        yield
    finally:
        wakeup.stop()
        thread.join(timeout=30)
        made.close()
        http.close()
