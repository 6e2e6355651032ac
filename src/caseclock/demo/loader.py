"""Load a generated demo through the same services the API uses, then train the breach-risk
model on its history and store the risk of its open milestones, as the worker would on its
first passes, so the board and ``GET /milestones?sort=risk`` show risk at once."""

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
from caseclock.errors import CaseclockError
from caseclock.services import people, teams
from caseclock.services.access import Principal, Role
from caseclock.services.accounts import AccountInput, create_account
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.insights.scoring import RiskScorer
from caseclock.services.insights.stored_risk import BATCH as RISK_BATCH
from caseclock.services.insights.stored_risk import store_risks
from caseclock.services.passwords import PasswordPolicy
from caseclock.services.policy import apply_bundle
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.people import TeamRepository, UserRepository

SYSTEM = Principal(key_id=0, name="demo", role=Role.ADMIN)
BATCH = 500


@dataclass(frozen=True, slots=True)
class RiskReady:
    """The breach-risk model trained on the demo's history, and the open milestones scored."""

    trained_on: int | None  # closed milestones it learned from; None: no model was trained
    scored: int  # open milestones whose risk was stored
    why_not: str | None = None  # why no model was trained (too little history)


@dataclass(frozen=True, slots=True)
class Loaded:
    accounts: int
    records: int
    events: int
    risk: RiskReady | None = None  # None: not asked for (``train_risk=False``)


def load_demo(
    session: Session,
    bundle: PolicyBundle,
    data: DemoData,
    *,
    now: datetime,
    train_risk: bool = True,
) -> Loaded:
    """Apply the bundle, create the accounts (with their entitlements), ingest every case;
    then (unless ``train_risk`` is false: a test of training itself wants the bare history)
    train the breach-risk model and score the open milestones (``train_demo_risk``)."""
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
    records = sorted({e["record"] for e in data.events})
    risk = train_demo_risk(session, records, now=now) if train_risk else None
    return Loaded(accounts=len(data.accounts), records=len(records), events=events, risk=risk)


def train_demo_risk(session: Session, record_ids: Sequence[str], *, now: datetime) -> RiskReady:
    """Train the model at ``now`` as the worker's retrain does, then store the risk of the
    records' open milestones as its insights pass does (``RISK_BATCH`` records at a time). A
    history too short to train on (a demo of a handful of cases) stores no model, and says
    why: the worker tries again on its schedule. Deterministic: the fit draws no random
    numbers, and ``now`` is the only instant read."""
    # scikit-learn and lifelines take seconds to import: only when a demo is loaded, so that
    # every other command starts as fast as before (see ``worker/insights``)
    from caseclock.services.insights.training import train  # noqa: PLC0415

    try:
        trained = train(session, now=now, trigger="demo")
    except CaseclockError as exc:
        return RiskReady(trained_on=None, scored=0, why_not=exc.detail)
    scorer = RiskScorer(session)
    scored = sum(
        store_risks(session, scorer, record_ids[start : start + RISK_BATCH], now)
        for start in range(0, len(record_ids), RISK_BATCH)
    )
    return RiskReady(trained_on=trained.evaluation["train_milestones"], scored=scored)


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
