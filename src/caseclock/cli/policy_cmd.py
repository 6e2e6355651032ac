"""``caseclock policy validate|preview|apply|migrate``: change the policy of a running
installation, after seeing what the change would do (``docs/policy-changes.md``).

    caseclock policy preview BUNDLE [--migrate open|matching:COND] [--days 90] [--json]
    caseclock policy apply BUNDLE [--migrate none|open|matching:COND] [--batch-size 500]
    caseclock policy holiday CALENDAR DATE... [--migrate none|open|matching:COND] [--preview]
    caseclock policy migrate --resume

Bad input is one line on stderr and exit status 2, and changes nothing.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from caseclock.cli.database import migrated_database
from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.cli.policy_render import render_summary
from caseclock.cli.simulate_cmd import read_bundle
from caseclock.cli.unit_of_work import CLI_ACTOR, unit_of_work
from caseclock.clock import SystemClock
from caseclock.config import Settings
from caseclock.core.policy_preview import summary_to_json
from caseclock.errors import CaseclockError
from caseclock.services.calendars import holiday_bundle
from caseclock.services.policy_migration import (
    BATCH,
    MigrateChoice,
    change_policy,
    migration_summary,
    parse_migrate,
    run_all,
    run_committed,
)
from caseclock.services.policy_preview import Asked, preview
from caseclock.store.database import make_session_factory

policy_app = typer.Typer(
    help="Policy bundles: validate, preview, apply, migrate.", no_args_is_help=True
)

BundleArgument = Annotated[Path, typer.Argument(help="a YAML or JSON policy bundle")]
DaysOption = Annotated[
    int,
    typer.Option(min=1, max=3660, help="the past period compared: this many days up to now"),
]
BatchOption = Annotated[
    int,
    typer.Option(
        min=0, help="records per committed batch (resumable); 0: all with the apply, at once"
    ),
]


def _choice(text: str) -> MigrateChoice:
    try:
        return parse_migrate(text)
    except CaseclockError as exc:
        fail(f"--migrate: {exc.detail}")


def _asked(days: int, **which: Any) -> Asked:
    """Now (read once), and the ``days`` up to it."""
    now = SystemClock().now()
    return Asked(now=now, since=now - timedelta(days=days), until=now, **which)


class _Progress:
    """``previewed N of M records`` on stderr, about every tenth of the way."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        step = max(total // 10, 1)
        if total and (done // step != self.shown or done == total):
            self.shown = done // step
            typer.echo(f"{self.verb} {done:,} of {total:,} records", err=True)


@policy_app.command("validate")
def validate(bundle: BundleArgument) -> None:
    """Check a bundle as `policy apply` would, without a database: one line per problem."""
    loaded = read_bundle(bundle)
    typer.echo(
        f"{bundle}: valid ({len(loaded.calendars)} calendars, {len(loaded.processes)} processes, "
        f"{len(loaded.entitlement_rules.rules)} entitlement rules, "
        f"{len(loaded.escalation_rules)} escalation rules)"
    )


@policy_app.command("preview")
def preview_command(
    bundle: BundleArgument,
    migrate: Annotated[
        str, typer.Option(help="which open records would move: open | matching:COND | none")
    ] = "open",
    days: DaysOption = 90,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What applying BUNDLE would do to the stored history: open records' deadlines and
    violations, and the past period's compliance, before and after. Changes nothing."""
    loaded = read_bundle(bundle)
    choice = _choice(migrate)
    settings = load_settings()
    with unit_of_work(settings) as session:
        asked = _asked(days, moves=choice.moves, matching=choice.predicate())
        summary = preview(session, loaded, asked, progress=_Progress("previewed"))
        session.rollback()
    if as_json:
        typer.echo(json.dumps(summary_to_json(summary), indent=2))
    else:
        typer.echo(render_summary(summary))


@policy_app.command("apply")
def apply(
    bundle: BundleArgument,
    migrate: Annotated[
        str,
        typer.Option(help="move open records to the new versions: none | open | matching:COND"),
    ] = "none",
    batch_size: BatchOption = BATCH,
) -> None:
    """Apply a bundle atomically and print what it did (process versions; the rules it
    replaced, added and left; warnings); with --migrate, move open records to the new
    versions in resumable batches and print what moved (`policy preview` shows it first)."""
    loaded = read_bundle(bundle)
    choice = _choice(migrate)
    settings = load_settings()
    now = SystemClock().now()
    with unit_of_work(settings) as session:
        change = change_policy(session, loaded, choice=choice, actor=CLI_ACTOR, now=now)
        in_batches = change.migration is not None and batch_size > 0
        if change.migration is not None and not in_batches:
            run_all(session, change.migration, now=now)
            summary = migration_summary(change.migration)
            number, moved = change.migration.id, change.migration.moved
    for line in change.applied.lines():
        typer.echo(line, err=line.startswith("warning: "))
    if in_batches:
        _run_migration(settings, batch_size=batch_size, now=now)
    elif change.migration is not None:
        typer.echo(render_summary(summary))
        typer.echo(f"migration {number}: {moved} open records moved")


@policy_app.command("migrate")
def migrate_command(
    resume: Annotated[
        bool, typer.Option("--resume", help="continue the unfinished migration")
    ] = False,
    batch_size: BatchOption = BATCH,
) -> None:
    """Continue a migration that was interrupted (`policy apply --migrate ...` starts one)."""
    if not resume:
        fail("a migration starts with `policy apply BUNDLE --migrate ...`; add --resume")
    _run_migration(load_settings(), batch_size=batch_size or BATCH, now=SystemClock().now())


def _run_migration(settings: Settings, *, batch_size: int, now: datetime) -> None:
    """Run the unfinished migration's batches, one committed transaction each, so that an
    interruption loses at most the batch under way (``policy migrate --resume``)."""
    with migrated_database(settings) as engine:
        try:
            walked = run_committed(
                make_session_factory(engine),
                now=now,
                size=batch_size,
                progress=_Progress("migrated"),
            )
        except CaseclockError as exc:
            fail(str(exc))
    typer.echo(render_summary(walked.summary))
    typer.echo(f"migration {walked.id}: {walked.moved} open records moved")


@policy_app.command("holiday")
def holiday_command(
    calendar: Annotated[str, typer.Argument(help="the calendar's name")],
    dates: Annotated[list[str], typer.Argument(help="future dates, YYYY-MM-DD")],
    *,
    migrate: Annotated[
        str,
        typer.Option(
            help="which open clocks count the holiday: none (only new records) | open | "
            "matching:COND"
        ),
    ] = "none",
    preview_only: Annotated[
        bool, typer.Option("--preview", help="Show what it would do; change nothing.")
    ] = False,
    batch_size: BatchOption = BATCH,
    days: DaysOption = 90,
) -> None:
    """Add holidays (future dates) to a calendar: a new version of it. With --migrate open
    the running clocks count them too (through the same migration as `policy apply`); with
    --preview, print what that would do and change nothing."""
    wanted = [_date(text) for text in dates]
    choice = _choice(migrate)
    settings = load_settings()
    asked = _asked(days, moves=choice.moves, matching=choice.predicate())
    now = asked.now
    with unit_of_work(settings) as session:
        bundle = holiday_bundle(session, calendar, wanted, now=now)
        if preview_only:
            summary = preview(session, bundle, asked, progress=_Progress("previewed"))
            session.rollback()
        else:
            change = change_policy(session, bundle, choice=choice, actor=CLI_ACTOR, now=now)
    if preview_only:
        typer.echo(render_summary(summary))
        return
    for line in change.applied.lines():
        typer.echo(line, err=line.startswith("warning: "))
    if change.migration is not None:
        _run_migration(settings, batch_size=batch_size or BATCH, now=now)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{text!r} is not a date (YYYY-MM-DD)")
