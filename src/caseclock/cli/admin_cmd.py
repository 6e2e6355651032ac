"""``caseclock apikey create|list|revoke`` (the policy commands are ``cli.policy_cmd``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.cli.unit_of_work import CLI_ACTOR, unit_of_work
from caseclock.clock import SystemClock
from caseclock.services.keys import KeyRequest, make_key, revoke_key, visible_keys
from caseclock.services.people import list_users

apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)


@apikey_app.command("create")
def create(
    *,
    role: Annotated[str, typer.Option(help="admin, lead, agent or viewer")],
    name: Annotated[str | None, typer.Option(help="a label to recognise the key by")] = None,
    accounts: Annotated[
        str | None, typer.Option(help="comma-separated account ids the key is limited to")
    ] = None,
    user: Annotated[str | None, typer.Option(help="the owning user's handle")] = None,
    service_account: Annotated[
        str | None, typer.Option(help="the owning service account (default: the key's name)")
    ] = None,
    expires: Annotated[
        datetime | None,
        typer.Option(help="refuse the key after this instant (ISO 8601 with an offset)"),
    ] = None,
) -> None:
    """Create an API key and print it once (only its digest is stored)."""
    settings = load_settings()
    if expires is not None and expires.tzinfo is None:
        fail("--expires needs a time zone offset, e.g. 2027-01-01T00:00:00+00:00")
    request = KeyRequest(
        role=role,
        name=name,
        accounts=accounts.split(",") if accounts is not None else None,
        user=user,
        service_account=service_account,
        expires_at=expires,
    )
    with unit_of_work(settings) as session:
        made = make_key(session, request, by=None, actor=CLI_ACTOR, now=SystemClock().now())
    scope = f" for accounts {', '.join(made.row.accounts)}" if made.row.accounts else ""
    owner = f" of {user}" if user is not None else ""
    typer.echo(
        f"created {made.row.role} key {made.row.id} {made.row.name!r}{owner}{scope}; "
        "it is shown only once:",
        err=True,
    )
    typer.echo(made.secret)


@apikey_app.command("list")
def list_keys() -> None:
    """One line per key: id, name, role, owner, last use, state."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        rows = visible_keys(session, None)
        handles = {u.id: u.handle for u in list_users(session)}
        for row in rows:
            owner = handles.get(row.user_id or 0) or f"service:{row.service_account}"
            used = row.last_used_at.isoformat() if row.last_used_at else "never used"
            state = "revoked" if row.revoked_at else "live"
            typer.echo(f"{row.id}\t{row.name}\t{row.role}\t{owner}\t{used}\t{state}")


@apikey_app.command("revoke")
def revoke(
    key_id: Annotated[int, typer.Argument(min=1, help="the key's id (apikey list)")],
) -> None:
    """Revoke a key: it is refused from the next request on."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        row = revoke_key(session, key_id, by=None, actor=CLI_ACTOR, now=SystemClock().now())
    typer.echo(f"revoked key {row.id} {row.name!r}")
