"""Load a generated demo through the same services the API uses."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.policy import PolicyBundle
from caseclock.core.provenance import DEMO
from caseclock.demo.customer_milestones import load_customer_milestones
from caseclock.demo.directory import PEOPLE, TEAMS, email_of
from caseclock.demo.generator import DemoData
from caseclock.services import people, teams
from caseclock.services.access import Principal, Role
from caseclock.services.accounts import AccountInput, create_account
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.passwords import PasswordPolicy
from caseclock.services.policy import apply_bundle
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.people import TeamRepository, UserRepository

SYSTEM = Principal(key_id=0, name="demo", role=Role.ADMIN)
BATCH = 500


@dataclass(frozen=True, slots=True)
class Loaded:
    accounts: int
    records: int
    events: int


def load_demo(session: Session, bundle: PolicyBundle, data: DemoData, *, now: datetime) -> Loaded:
    """Apply the bundle, create the accounts (with their entitlements), ingest every case."""
    apply_bundle(session, bundle, now=now)
    load_people(session, now=now)
    accounts = AccountRepository(session)
    for account in data.accounts:
        if accounts.get(account.id) is None:
            create_account(
                session,
                AccountInput(
                    id=account.id,
                    name=account.name,
                    tier=account.tier,
                    region=account.region,
                    start_date=account.start_date,
                    renewal_date=account.renewal_date,
                ),
                SYSTEM,
                now=now,
            )
    load_customer_milestones(
        session, list(accounts.get_many(a.id for a in data.accounts).values()), SYSTEM, now=now
    )
    events = 0
    for batch in _batches(data.events):
        results = ingest(session, batch, principal=SYSTEM, provenance=DEMO, now=now)
        events += sum(r.outcome is Outcome.ACCEPTED for r in results)
    records = len({e["record"] for e in data.events})
    return Loaded(accounts=len(data.accounts), records=records, events=events)


def load_people(session: Session, *, now: datetime) -> None:
    """The demo's directory, for whoever is not there yet (no passwords: an admin resets one
    to let a person in)."""
    users = UserRepository(session)
    made = {}
    for person in PEOPLE:
        found = users.by_handle(person.handle)
        made[person.handle] = found or people.create_user(
            session,
            people.NewUser(
                handle=person.handle,
                email=email_of(person.handle),
                role=person.role,
                display_name=person.name,
            ),
            actor=SYSTEM.actor,
            passwords=PasswordPolicy(),
            now=now,
        )
    known = TeamRepository(session)
    for team in TEAMS:
        if known.by_name(team.name) is not None:
            continue
        fields = {"calendar": team.calendar, "email": email_of(team.name.lower())}
        row = teams.create_team(session, team.name, fields, actor=SYSTEM.actor, now=now)
        for handle in team.members:
            teams.set_member(
                session, row, made[handle], lead=handle in team.leads, actor=SYSTEM.actor, now=now
            )


def _batches(events: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Batches of about ``BATCH`` events that never split one record's events."""
    batch: list[dict[str, Any]] = []
    for _, group in groupby(events, key=lambda e: e["record"]):
        batch.extend(group)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
