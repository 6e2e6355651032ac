"""``caseclock simulate``: evaluate a policy over an events file at one instant.

    caseclock simulate --policy examples/policies/b2b.yaml \\
        --events examples/events/friday_gold.jsonl --at 2026-03-11T12:00:00-04:00
        [--json] [--explain C-1] [--what-if OTHER.yaml] [--accounts ACCOUNTS.yaml] [--process KEY]

Reads the files and nothing else (the instant is given, never the wall clock); bad input is
one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from caseclock.cli.calendar_cmd import parse_instant
from caseclock.cli.output import fail
from caseclock.cli.simulate_render import render_explain, render_results, render_what_if
from caseclock.core.events import Event, EventType
from caseclock.core.policy import PolicyBundle, PolicyInvalid
from caseclock.core.simulation import RecordResult, result_to_json, simulate
from caseclock.core.validation import describe_validation_error
from caseclock.document_files import load_bundle, read_document, read_text
from caseclock.errors import ValidationFailed
from caseclock.services.policy import ensure_storable

PolicyOption = Annotated[Path, typer.Option("--policy", help="Policy bundle (YAML or JSON).")]
EventsOption = Annotated[
    Path, typer.Option("--events", help="Events, one JSON object per line (the API's envelope).")
]
AtOption = Annotated[str, typer.Option("--at", help="The instant, ISO-8601 with an offset.")]


def read_bundle(path: Path) -> PolicyBundle:
    """The bundle of ``path``, refused (one line, exit 2) for anything ``policy apply`` would
    refuse: its validation and the values the store could not hold."""
    try:
        bundle = load_bundle(path)
    except PolicyInvalid as exc:
        fail(exc.detail)
    try:
        return ensure_storable(bundle)
    except PolicyInvalid as exc:
        fail(f"{path}: {exc.detail}")


def read_events(path: Path) -> list[Event]:
    """Parse a JSON-lines events file; the first bad line is reported with its number.

    The file is refused where the API would refuse its events: a record takes exactly one
    ``created`` event, and a record's other events need it and may not be dated before it.
    """
    try:
        lines = read_text(path).splitlines()
    except ValidationFailed as exc:
        fail(str(exc))
    created: dict[str, tuple[int, Event]] = {}  # record -> its created event and its line
    first_seen: dict[str, int] = {}  # record -> line of its first event
    numbered: list[tuple[int, Event]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = Event.model_validate_json(line)
        except ValidationError as exc:
            fail(f"{path}:{number}: " + "; ".join(describe_validation_error(exc)))
        if event.type is EventType.CREATED:
            if event.record in created:
                fail(
                    f"{path}:{number}: record {event.record!r} already has a created event "
                    f"(line {created[event.record][0]}): a record takes one created event"
                )
            created[event.record] = (number, event)
        first_seen.setdefault(event.record, number)
        numbered.append((number, event))
    if not numbered:
        fail(f"{path}: no events")
    for record, number in first_seen.items():
        if record not in created:
            fail(f"{path}:{number}: record {record!r} has no created event")
    for number, event in numbered:
        birth_line, birth = created[event.record]
        if event.at < birth.at:
            fail(
                f"{path}:{number}: event {event.id!r} is dated before its record's created "
                f"event (line {birth_line}, {birth.at.isoformat()})"
            )
    return [event for _, event in numbered]


def read_accounts(path: Path | None) -> dict[str, dict[str, Any]]:
    """Accounts as a list of ``{id, tier, region, start_date, renewal_date, ...}``, by id."""
    if path is None:
        return {}
    try:
        data = read_document(path)
    except ValidationFailed as exc:
        fail(exc.detail)
    items = data.get("accounts", data) if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(a, dict) and "id" in a for a in items):
        fail(f"{path}: expected a list of accounts, each with an 'id'")
    return {str(a["id"]): a for a in items}


def _run(
    bundle: PolicyBundle,
    events: list[Event],
    at: Any,
    accounts: dict[str, Any],
    process: str | None,
) -> list[RecordResult]:
    try:
        return simulate(bundle, events, at, accounts=accounts, process=process)
    except ValueError as exc:
        fail(str(exc))


def simulate_command(
    *,
    policy: PolicyOption,
    events: EventsOption,
    at: AtOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    explain: Annotated[
        str | None, typer.Option("--explain", metavar="RECORD", help="Explain every deadline.")
    ] = None,
    what_if: Annotated[
        Path | None,
        typer.Option("--what-if", metavar="BUNDLE", help="Compare with another policy bundle."),
    ] = None,
    accounts: Annotated[
        Path | None, typer.Option("--accounts", help="Accounts (YAML/JSON list) by id.")
    ] = None,
    process: Annotated[
        str | None, typer.Option("--process", help="Use this process for every record.")
    ] = None,
) -> None:
    """Evaluate every record of EVENTS under POLICY at the instant AT."""
    bundle = read_bundle(policy)
    other = read_bundle(what_if) if what_if is not None else None
    timeline = read_events(events)
    instant = parse_instant(at, "--at")
    known = read_accounts(accounts)
    results = _run(bundle, timeline, instant, known, process)
    if explain is not None:
        chosen = [r for r in results if r.record == explain]
        if not chosen:
            fail(f"{events}: no record {explain!r}")
        typer.echo(render_explain(chosen[0]))
    elif other is not None:
        alternative = _run(other, timeline, instant, known, process)
        if as_json:
            _echo_json(
                {
                    "policy": [result_to_json(r) for r in results],
                    "what_if": [result_to_json(r) for r in alternative],
                }
            )
        else:
            typer.echo(render_what_if(results, alternative, str(policy), str(what_if)))
    elif as_json:
        _echo_json({"at": instant.isoformat(), "records": [result_to_json(r) for r in results]})
    else:
        typer.echo(render_results(results, instant))


def _echo_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2))


def register(app: typer.Typer) -> None:
    """Add the simulate command to ``app``."""
    app.command("simulate")(simulate_command)
