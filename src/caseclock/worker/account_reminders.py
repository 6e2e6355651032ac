"""Customer-milestone reminders: once a minute at most, send the reminders whose time has come.

Each reminder is claimed through its ledger row and the claim committed before sending
(``services.milestone_reminders``), so it goes out once however many workers look; then it is
rendered and sent by email (the ``milestone_reminder`` templates, which an installation may
override) and to the chat endpoint its milestone names. "Today", for the status and the days
left in the message, is the date of the pass in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from caseclock.channels.chat import deliver_chat
from caseclock.channels.email import EmailTemplates, SmtpSettings, deliver_email
from caseclock.channels.outcome import DeliveryOutcome
from caseclock.config import Settings
from caseclock.services import account_clock, milestone_reminders
from caseclock.services.milestone_reminders import DueReminder
from caseclock.store.database import SessionFactory
from caseclock.worker.periodic import Paced, Sending, claim_send_settle

LOOK_EVERY = timedelta(minutes=1)
TEMPLATE = "milestone_reminder"
NO_RECIPIENT = "not sent: nobody with an address and no chat endpoint"


@dataclass(frozen=True, slots=True)
class Reminded:
    """One reminder this worker sent (or failed to)."""

    milestone_id: int
    sequence: int
    to: list[str]
    outcome: str
    sent: bool


@dataclass
class ReminderJob(Paced):
    """``run(now)`` is called by the worker loop after every pass."""

    session_factory: SessionFactory
    settings: Settings
    http: httpx.Client
    smtp: SmtpSettings
    templates: EmailTemplates = field(default_factory=EmailTemplates)

    def run(self, now: datetime) -> list[Reminded]:
        """Send what is due at ``now``; a no-op until a minute after the last look."""
        first = self.next_look is None
        if not self.looking(now, LOOK_EVERY):
            return []
        if first:  # milestones made before they ran on the engine join it
            with self.session_factory() as session:
                account_clock.sync_all(session, now=now, missing_only=True)
                session.commit()
        with self.session_factory() as session:
            due = milestone_reminders.due_reminders(session, now=now)
            session.commit()
        return [sent for item in due if (sent := self._one(item, now)) is not None]

    def _one(self, due: DueReminder, now: datetime) -> Reminded | None:
        settled = claim_send_settle(
            self.session_factory,
            claim=lambda s: milestone_reminders.claim(s, due, worker=self.worker, now=now),
            send=lambda ledger: self._send(due, ledger, now),
            release=lambda s, ledger, _: milestone_reminders.release(s, ledger, now=now),
            finish=lambda s, ledger, done: milestone_reminders.finish(
                s, ledger, recipients_sent=done.to, outcome=done.outcome, now=now
            ),
            what=f"reminder of milestone {due.milestone_id}",
            nobody=NO_RECIPIENT,
        )
        if settled is None:
            return None  # another worker has it
        return Reminded(due.milestone_id, due.sequence, settled.to, settled.outcome, settled.sent)

    def _send(self, due: DueReminder, ledger: int, now: datetime) -> Sending:
        with self.session_factory() as session:
            message = milestone_reminders.outgoing(
                session, due, console_url=self.settings.console_url, today=now.date()
            )
        if message is None:
            return Sending([], [DeliveryOutcome.permanent("the milestone is done or gone")])
        key = f"milestone-reminder-{ledger}"
        outcomes = []
        if message.to:
            rendered = self.templates.render(TEMPLATE, message.context)
            outcomes.append(deliver_email(self.smtp, rendered, to=message.to, key=key, now=now))
        if message.chat_url is not None:
            outcomes.append(
                deliver_chat(
                    self.http,
                    url=message.chat_url,
                    message=milestone_reminders.chat_message(message.context),
                    key=key,
                    now=now,
                    allow_private=self.settings.allow_private_endpoints,
                )
            )
        return Sending(message.to, outcomes)
