"""Customer milestones run on the engine: the worker fires their warning, violation and success
actions through the firing ledger and the outbox, as it does a case's; an overdue milestone's
violation email reaches a real SMTP server, once; the board and the compliance report count
them beside the cases' milestones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import delete, select

from caseclock.channels.email import SmtpSettings
from caseclock.services import milestone_work, teams
from caseclock.services.access import Principal, Role
from caseclock.services.account_milestones import MilestoneInput, create_milestone
from caseclock.services.accounts import AccountInput, create_account
from caseclock.services.at_risk import QueueFilter, milestone_queue, queue_counts
from caseclock.services.ingest import ingest
from caseclock.services.people import NewUser, create_user
from caseclock.services.reports import compliance_report
from caseclock.store.models import DeliveryRow, FiringRow, MilestoneRow, RecordRow
from caseclock.worker.account_reminders import ReminderJob
from caseclock.worker.loop import Worker
from tests.conftest import FAST_PASSWORDS, HELPDESK, Database
from tests.worker.firing_setup import settings_for
from tests.worker.servers import SmtpSink

MADE = datetime(2018, 8, 1, 14, 0, tzinfo=UTC)
ADMIN = Principal(key_id=0, name="test", role=Role.ADMIN)
RECORD = "customer-milestones:acme"


def _delivery(db: Database) -> int:
    """Acme's Product Onsite Delivery, due 1 September 2018, owned by mia (New York, team
    Customer Success), dev collaborating; the violation emails the owner and the team, the
    success emails the collaborators."""
    with db.session_factory() as session:
        made = {
            handle: create_user(
                session,
                NewUser(handle=handle, email=f"{handle}@example.com", time_zone=zone),
                actor="test",
                passwords=FAST_PASSWORDS,
                now=MADE,
            )
            for handle, zone in (("mia", "America/New_York"), ("dev", "Europe/Paris"))
        }
        team = teams.create_team(
            session, "Customer Success", {"email": "cs@example.com"}, actor="test", now=MADE
        )
        teams.set_member(session, team, made["mia"], lead=False, actor="test", now=MADE)
        create_account(session, AccountInput(id="acme", name="Acme", tier="Gold"), ADMIN, now=MADE)
        row = create_milestone(
            session,
            "acme",
            MilestoneInput(
                name="Product Onsite Delivery",
                due_on=date(2018, 9, 1),
                owner="mia",
                actions={
                    "warning": {"before": "1w"},
                    "violation": {
                        "do": [{"type": "email", "to": "owner"}, {"type": "email", "to": "team"}]
                    },
                    "success": {"do": [{"type": "email", "to": "collaborators"}]},
                },
            ),
            ADMIN,
            now=MADE,
        )
        milestone_work.add_collaborator(session, row.id, "dev", ADMIN, now=MADE)
        session.commit()
        assert row.team == "Customer Success"
        return row.id


def _worker(db: Database, port: int, client: httpx.Client) -> Worker:
    return Worker(db.session_factory, settings_for(db.url, port, email_domain=None), http=client)


def test_an_overdue_customer_milestones_violation_email_reaches_smtp_once(
    db: Database, smtp_sink: tuple[SmtpSink, int], client: httpx.Client
) -> None:
    """The warning fires on 25 August with no action; at 00:00 on 2 September in New York the
    violation emails mia and her team, once however often the worker runs; completing it on
    3 September fires the success to dev. Each firing is in the ledger of the account's record."""
    milestone = _delivery(db)
    sink, port = smtp_sink
    worker = _worker(db, port, client)
    try:
        worker.run_once(datetime(2018, 8, 25, 3, 59, tzinfo=UTC))
        assert sink.messages() == []
        worker.run_once(datetime(2018, 8, 25, 4, 0, tzinfo=UTC))
        assert sink.messages() == []  # the warning has no action
        overdue = datetime(2018, 9, 2, 4, 0, tzinfo=UTC)
        worker.run_once(overdue - timedelta(seconds=1))
        assert sink.messages() == []
        worker.run_once(overdue)
        worker.run_once(overdue + timedelta(hours=1))
        messages = sink.messages()
        assert sorted(m["To"] for m in messages) == ["cs@example.com", "mia@example.com"]
        subject = str(messages[0]["Subject"])
        assert subject.startswith("Violated: Product Onsite Delivery on account Acme, ")
        text = messages[0].get_body(("plain",))
        assert text is not None
        assert "https://sla.example.com/console/records/customer-milestones%3Aacme" in (
            text.get_content()
        )
        done = datetime(2018, 9, 3, 15, 0, tzinfo=UTC)
        with db.session_factory() as session:
            milestone_work.complete(session, milestone, ADMIN, now=done)
            session.commit()
        worker.run_once(done + timedelta(seconds=1))
        assert [m["To"] for m in sink.messages()[2:]] == ["dev@example.com"]
        assert (
            str(sink.messages()[2]["Subject"])
            == "Completed late: Product Onsite Delivery on account Acme"
        )
    finally:
        worker.close()
    with db.session_factory() as session:
        firings = session.scalars(select(FiringRow).order_by(FiringRow.id)).all()
        assert [(f.record_id, f.source, f.kind) for f in firings] == [
            (RECORD, f"customer-{milestone}", "warning"),
            (RECORD, f"customer-{milestone}", "violation"),
            (RECORD, f"customer-{milestone}", "success"),
        ]
        deliveries = session.scalars(select(DeliveryRow)).all()
        assert {d.state for d in deliveries} == {"delivered"}
        assert len(deliveries) == 3


def test_customer_milestones_are_on_the_board_and_in_the_compliance_report(db: Database) -> None:
    """The overdue delivery is counted violated on the board beside a case's milestone; the
    board filters to customer or case milestones; the report counts it as violated."""
    _delivery(db)
    now = datetime(2018, 9, 5, 12, 0, tzinfo=UTC)
    with db.session_factory() as session:
        ingest(
            session,
            [
                {
                    "id": "c-1",
                    "record": "C-1",
                    "type": "created",
                    "at": (now - timedelta(hours=1)).isoformat(),
                    "data": {"account": "acme"},
                }
            ],
            principal=ADMIN,
            provenance=HELPDESK,
            now=now,
        )
        session.commit()
        everything = QueueFilter(open_only=True)
        customer = QueueFilter(open_only=True, kind="customer")
        cases = QueueFilter(open_only=True, kind="case")
        found = milestone_queue(
            session, customer, ADMIN, now=now, limit=10, offset=0, yellow_within=timedelta(0)
        )
        assert [(i.row.record_id, i.row.name, i.standing.state.value) for i in found] == [
            (RECORD, "Product Onsite Delivery", "violated")
        ]
        assert found[0].row.team == "Customer Success"
        counts = queue_counts(session, customer, ADMIN, now=now, yellow_within=timedelta(0))
        assert (counts.violated, counts.total) == (1, 1)
        rest = queue_counts(session, cases, ADMIN, now=now, yellow_within=timedelta(0))
        total = queue_counts(session, everything, ADMIN, now=now, yellow_within=timedelta(0))
        assert total.total == rest.total + 1
        report = compliance_report(session, ADMIN, now=now, days=30, account="acme")
        [delivery] = [s for s in report.by_milestone if s.label == "Product Onsite Delivery"]
        assert delivery.counts.violated == 1


def test_milestones_made_before_the_engine_ran_them_join_it_at_the_first_look(
    db: Database, smtp_sink: tuple[SmtpSink, int], client: httpx.Client
) -> None:
    """A milestone whose account has no record on the engine (as after the upgrade) gets its
    record and row when the reminder job first looks, and only then."""
    _delivery(db)
    with db.session_factory() as session:
        session.execute(delete(RecordRow).where(RecordRow.id == RECORD))
        session.commit()
    job = ReminderJob(
        db.session_factory,
        settings_for(db.url, smtp_sink[1]),
        client,
        SmtpSettings(host="127.0.0.1", port=smtp_sink[1], sender="caseclock@example.com"),
    )
    job.run(MADE + timedelta(minutes=1))
    with db.session_factory() as session:
        rows = session.scalars(select(MilestoneRow).where(MilestoneRow.record_id == RECORD)).all()
        assert [(r.name, r.state, r.next_timer_kind) for r in rows] == [
            ("Product Onsite Delivery", "running", "warning")
        ]
