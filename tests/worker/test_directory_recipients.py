"""Actions reach people through the directory: owners' and leads' own addresses, the leads of
the record's team, users with a role on it; no mail domain needed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from caseclock.services import people, teams
from caseclock.services.directory import Directory
from caseclock.services.effects import addresses
from caseclock.services.effects import people as named_people
from caseclock.store.models import TaskRow
from caseclock.worker.loop import Worker
from tests.conftest import FAST_PASSWORDS, T0, Database
from tests.worker.firing_setup import created, minutes, prepare, settings_for
from tests.worker.firing_setup import send as send_events
from tests.worker.servers import SmtpSink


def _directory(db: Database) -> None:
    """ana (agent) and mira (lead of L1) with addresses that no domain rule would guess."""
    with db.session_factory() as session:
        made = {}
        for handle, role, email in (
            ("ana", "agent", "ana.lopez@shieldguard.example"),
            ("mira", "lead", "m.ortiz@shieldguard.example"),
        ):
            made[handle] = people.create_user(
                session,
                people.NewUser(handle=handle, email=email, role=role),
                actor="test",
                passwords=FAST_PASSWORDS,
                now=T0,
            )
        team = teams.create_team(session, "L1", {}, actor="test", now=T0)
        teams.set_member(session, team, made["ana"], lead=False, actor="test", now=T0)
        teams.set_member(session, team, made["mira"], lead=True, actor="test", now=T0)
        session.commit()


@pytest.fixture
def no_domain_worker(
    db: Database, client: httpx.Client, smtp_sink: tuple[SmtpSink, int]
) -> Iterator[Worker]:
    """A worker with no mail domain configured: addresses come from the directory only."""
    made = Worker(
        db.session_factory, settings_for(db.url, smtp_sink[1], email_domain=None), http=client
    )
    try:
        yield made
    finally:
        made.close()


def test_owner_email_goes_to_the_directory_address(
    db: Database, no_domain_worker: Worker, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """The warning email to the owner ``ana`` reaches her directory address over real SMTP."""
    _directory(db)
    prepare(db.session_factory, T0)
    send_events(db.session_factory, T0, created("C-1", T0))
    no_domain_worker.run_once(T0 + minutes(45))
    [message] = smtp_sink[0].messages()
    assert message["To"] == "ana.lopez@shieldguard.example"


def test_team_lead_task_goes_to_the_directory_lead(db: Database, no_domain_worker: Worker) -> None:
    """A task for ``team_lead`` is assigned to the lead of the record's team in the directory,
    not to the ``team_lead`` name the helpdesk put on the record."""
    _directory(db)
    prepare(db.session_factory, T0)
    send_events(db.session_factory, T0, created("C-2", T0))
    no_domain_worker.run_once(T0 + minutes(61))
    with db.session_factory() as session:
        [task] = session.scalars(select(TaskRow).where(TaskRow.record_id == "C-2")).all()
    assert task.assignee == "mira"


def test_roles_leads_and_fallbacks_resolve_without_guessing() -> None:
    """``role:NAME`` is the team's users with that role; ``team_lead`` and ``team`` use the
    directory; a team the directory lacks falls back to the record's own field; a handle the
    directory lacks has no address unless a domain is configured."""
    directory = Directory(
        emails={"ana": "ana@x.example", "mira": "mira@x.example", "raj": "raj@x.example"},
        leads={"L1": ("mira",)},
        members={"L1": (("ana", "agent"), ("mira", "lead"), ("raj", "agent"))},
        team_emails={"L1": "l1@x.example"},
    )
    record = {"id": "C-1", "team": "L1", "team_lead": "lee"}
    assert named_people("role:agent", record, {}, directory) == ["ana", "raj"]
    assert named_people("team_lead", record, {}, directory) == ["mira"]
    assert named_people("team", record, {}, directory) == ["l1@x.example"]
    elsewhere = {"id": "C-2", "team": "EMEA", "team_lead": "lee"}
    assert named_people("team_lead", elsewhere, {}, directory) == ["lee"]
    assert addresses(["mira", "lee"], None, directory) == ["mira@x.example"]
    assert addresses(["mira", "lee"], "corp.example", directory) == [
        "mira@x.example",
        "lee@corp.example",
    ]
