"""Customer-milestone reminders reach a real SMTP server and a chat receiver: at 09:00 on each
reminder day in the owner's zone, to the owner and the collaborators, once however many workers
look, only the newest after downtime, and never for a milestone that is done."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

from caseclock.channels.email import SmtpSettings
from caseclock.services import milestone_work
from caseclock.services.access import Principal, Role
from caseclock.services.account_milestones import MilestoneInput, create_milestone
from caseclock.services.accounts import AccountInput, create_account
from caseclock.services.directory import Directory
from caseclock.services.endpoints import register_endpoint
from caseclock.services.milestone_reminders import recipients
from caseclock.services.people import NewUser, create_user
from caseclock.store.database import SessionFactory
from caseclock.store.models import AccountMilestoneRow
from caseclock.worker.account_reminders import ReminderJob
from tests.conftest import FAST_PASSWORDS
from tests.worker.firing_setup import settings_for
from tests.worker.servers import Receiver, SmtpSink

MADE = datetime(2017, 11, 1, 14, 0, tzinfo=UTC)
ADMIN = Principal(key_id=0, name="test", role=Role.ADMIN)


def _retainer(factory: SessionFactory, receiver: Receiver) -> int:
    """Acme's retainer expires 31 January 2018: reminders 2 months, 1 month, 15 days and a week
    before, then weekly; owned by mia (New York), dev collaborates, chat to ``cs-chat``."""
    with factory() as session:
        for handle, zone in (("mia", "America/New_York"), ("dev", "Europe/Paris")):
            create_user(
                session,
                NewUser(handle=handle, email=f"{handle}@example.com", time_zone=zone),
                actor="test",
                passwords=FAST_PASSWORDS,
                now=MADE,
            )
        register_endpoint(
            session,
            name="cs-chat",
            kind="chat",
            url=receiver.url,
            secret=None,
            now=MADE,
            allow_private=True,
        )
        create_account(session, AccountInput(id="acme", name="Acme"), ADMIN, now=MADE)
        row = create_milestone(
            session,
            "acme",
            MilestoneInput(
                name="Retainer renewal",
                due_on=date(2018, 1, 31),
                owner="mia",
                reminders={
                    "before": ["2mo", "1mo", "15d", "1w"],
                    "repeat": "1w",
                    "chat": "cs-chat",
                },
            ),
            ADMIN,
            now=MADE,
        )
        milestone_work.add_collaborator(session, row.id, "dev", ADMIN, now=MADE)
        session.commit()
        return row.id


def _job(
    url: str, factory: SessionFactory, port: int, http: httpx.Client, name: str
) -> ReminderJob:
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="caseclock@example.com")
    return ReminderJob(factory, settings_for(url, port), http, smtp, worker=name)


def test_reminders_reach_smtp_and_chat_once_and_catch_up_to_the_newest(
    committed_db: tuple[str, SessionFactory],
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
    receiver: Receiver,
) -> None:
    """On 30 November at 09:00 New York time the two-month reminder goes to mia and dev and to
    the chat; a second worker looking then sends nothing. Nothing is sent at 08:59. After
    downtime until 25 January, only the one-week reminder (24 January) goes out. Once the
    milestone is done, the weekly repeat stops."""
    url, factory = committed_db
    milestone = _retainer(factory, receiver)
    sink, port = smtp_sink
    first, second = (_job(url, factory, port, client, f"worker-{n}") for n in range(2))
    nine_new_york = datetime(2017, 11, 30, 14, 0, tzinfo=UTC)
    assert first.run(nine_new_york - timedelta(minutes=1)) == []
    first.next_look = None
    sent = first.run(nine_new_york)
    assert [(r.milestone_id, r.sequence, sorted(r.to), r.sent) for r in sent] == [
        (milestone, 1, ["dev@example.com", "mia@example.com"], True)
    ]
    assert second.run(nine_new_york) == []
    messages = sink.messages()
    assert len(messages) == 1
    assert str(messages[0]["Subject"]) == (
        "Reminder: Retainer renewal for Acme is due in 62 days (Wednesday 31 January 2018)"
    )
    text = messages[0].get_body(("plain",))
    assert text is not None
    assert "Reminder: 2mo before" in text.get_content()
    assert "https://sla.example.com/console/accounts/acme#m" in text.get_content()
    assert len(receiver.received) == 1
    assert b"Retainer renewal for Acme is due in 62 days" in receiver.received[0].body

    first.next_look = None
    late = first.run(datetime(2018, 1, 25, 15, 0, tzinfo=UTC))
    assert [r.sequence for r in late] == [4]
    assert len(sink.messages()) == 2

    with factory() as session:
        milestone_work.complete(session, milestone, ADMIN, now=datetime(2018, 1, 30, tzinfo=UTC))
        session.commit()
    first.next_look = None
    assert first.run(datetime(2018, 2, 7, 15, 0, tzinfo=UTC)) == []
    assert len(sink.messages()) == 2


def test_team_reminders_go_to_the_milestones_team_not_every_team_of_the_owner() -> None:
    """mia is on Support and Renewals; a milestone of the Renewals team reminds renewals@ for
    "team", and a milestone with no team reminds no team at all."""
    directory = Directory(
        emails={"mia": "mia@example.com"},
        members={"Support": (("mia", "agent"),), "Renewals": (("mia", "agent"),)},
        team_emails={"Support": "support@example.com", "Renewals": "renewals@example.com"},
    )
    row = AccountMilestoneRow(owner="mia", team="Renewals")
    assert recipients(("owner", "team"), row, [], directory) == [
        "mia@example.com",
        "renewals@example.com",
    ]
    row.team = None
    assert recipients(("team",), row, [], directory) == []
