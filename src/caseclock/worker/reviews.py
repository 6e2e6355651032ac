"""The review digests: once a minute at most, send each team's review whose period has ended.

A period is sent once whatever the number of workers: each worker claims it by inserting its
``review_runs`` row (unique per team, cadence and period) and commits the claim before sending;
the loser's insert fails and it moves on. Then the review is read, rendered and sent (email to
the team's leads and address, chat to the team's endpoint), and the run is recorded as sent.
A worker that dies between its claim and the record leaves a lease that runs out: another
worker sends that period then (the email's Message-ID holds the run's key, so a resend is
recognisable). A failure worth retrying gives the claim back at once; the next look retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from caseclock.channels.chat import deliver_chat
from caseclock.channels.email import EmailTemplates, RenderedEmail, SmtpSettings, deliver_email
from caseclock.config import Settings
from caseclock.services import dwell_report, review_digest, review_schedules, reviews
from caseclock.services.directory import load_directory
from caseclock.services.teams import get_team
from caseclock.store.database import SessionFactory
from caseclock.worker.periodic import Paced, Sending, claim_send_settle

logger = logging.getLogger(__name__)
LOOK_EVERY = timedelta(minutes=1)
ANALYSE_BACK = timedelta(days=400)  # the longest period Reports offer, and some
ANALYSE_RECORDS = 500  # records analysed per look
LEASE = timedelta(minutes=10)
NO_RECIPIENT = "not sent: the team has no lead with an address, no address and no chat endpoint"


@dataclass(frozen=True, slots=True)
class Sent:
    """One digest sent (or failed) by this worker."""

    team: str
    cadence: str
    period_end: datetime
    outcome: str
    sent: bool


@dataclass
class ReviewJob(Paced):
    """Sends due review digests; ``run(now)`` is called by the worker loop every pass."""

    session_factory: SessionFactory
    settings: Settings
    http: httpx.Client
    smtp: SmtpSettings
    templates: EmailTemplates = field(default_factory=EmailTemplates)

    def run(self, now: datetime) -> list[Sent]:
        """Send what is due at ``now``; a no-op until a minute after the last look."""
        if not self.looking(now, LOOK_EVERY):
            return []
        options = reviews.ReviewOptions.of(self.settings)
        self._analyse(now)
        with self.session_factory() as session:
            due = reviews.due_digests(session, options, now=now)
        return [sent for item in due if (sent := self._one(item, options, now)) is not None]

    def _analyse(self, now: datetime) -> None:
        """Analyse a batch of recently completed milestones for "who held the clocks", so the
        report sums whole periods from stored rows (a failure is logged; the next look tries
        again)."""
        try:
            with self.session_factory() as session:
                dwell_report.analyse_recent(
                    session, now=now, back=ANALYSE_BACK, limit=ANALYSE_RECORDS
                )
                session.commit()
        except Exception:
            logger.exception("analysing completed milestones for the holders report failed")

    def _one(self, due: reviews.Due, options: reviews.ReviewOptions, now: datetime) -> Sent | None:
        settled = claim_send_settle(
            self.session_factory,
            claim=lambda s: reviews.claim_digest(s, due, worker=self.worker, now=now, lease=LEASE),
            send=lambda run_id: self._send(due, options, run_id, now),
            release=lambda s, run_id, done: reviews.release_digest(
                s, run_id, outcome=done.outcome, now=now
            ),
            finish=lambda s, run_id, done: reviews.finish_digest(
                s, run_id, sent=done.sent, outcome=done.outcome, now=now
            ),
            what=f"review digest of team {due.team}",
            nobody=NO_RECIPIENT,
        )
        if settled is None:
            return None  # another worker has it
        return Sent(due.team, due.cadence.value, due.period.end, settled.outcome, settled.sent)

    def _send(
        self, due: reviews.Due, options: reviews.ReviewOptions, run_id: int, now: datetime
    ) -> Sending:
        with self.session_factory() as session:
            team = get_team(session, due.team)
            review = reviews.build_review(
                session,
                team=due.team,
                cadence=due.cadence,
                accounts=None,
                options=options,
                now=now,
                period=due.period,
            )
            plan = review_schedules.schedule_of(session, due.team, options)
            directory = load_directory(session)
            to, chat_url = review_digest.targets(session, team, directory, plan.recipients)
        key = f"review-{run_id}"
        console_url = self.settings.console_url
        outcomes = []
        if to:
            context = review_digest.email_context(review, console_url)
            rendered: RenderedEmail = self.templates.render("review", context)
            outcomes.append(deliver_email(self.smtp, rendered, to=to, key=key, now=now))
        if chat_url is not None:
            message = review_digest.chat_message(review, console_url)
            outcomes.append(
                deliver_chat(
                    self.http,
                    url=chat_url,
                    message=message,
                    key=key,
                    now=now,
                    allow_private=self.settings.allow_private_endpoints,
                )
            )
        return Sending(to, outcomes)
