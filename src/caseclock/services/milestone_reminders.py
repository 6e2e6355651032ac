"""Customer-milestone reminders: what is due, who receives it, and the ledger that sends each
once.

The worker (``worker.account_reminders``) looks for open milestones whose ``next_reminder_at``
has come. Of the reminders due since the last one sent, only the newest goes out (after
downtime a reader wants one reminder, not four), and none older than ``CATCH_UP``. Each is
claimed by inserting its ledger row (unique per milestone, due date and place in the series)
and the claim is committed before sending; a claim whose worker died is taken over after
``LEASE``. A send worth retrying gives the claim back and the milestone is looked at again
after ``RETRY_AFTER``; a sent (or permanently failed) reminder moves the milestone on to its
next one.

Recipients (``to`` of the reminder settings): ``owner``, ``collaborators``, ``team`` (the
address of the milestone's team: the one chosen when it was made, by default the owner's first
team by name), a handle, or an address; ``chat`` names a registered chat endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from caseclock.channels.chat import escape
from caseclock.core.reminders import reminders_between
from caseclock.services.account_milestones import plan_reminder, reminder_spec
from caseclock.services.directory import Directory, load_directory
from caseclock.services.milestone_dates import Dates
from caseclock.services.milestone_work import views
from caseclock.store.models import AccountMilestoneRow, MilestoneReminderRow
from caseclock.store.repositories.account_milestones import AccountMilestoneRepository
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.outbox import EndpointRepository

LEASE = timedelta(minutes=10)
RETRY_AFTER = timedelta(minutes=5)
CATCH_UP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DueReminder:
    milestone_id: int
    due_on: date
    sequence: int
    at: datetime
    label: str


def due_reminders(session: Session, *, now: datetime, limit: int = 100) -> list[DueReminder]:
    """The newest due reminder of each milestone whose reminder time has come; a milestone
    whose due reminders are all older than ``CATCH_UP`` skips them and moves on (the caller
    commits that)."""
    dates = Dates(session)
    found = []
    for row in AccountMilestoneRepository(session).reminders_due(now, limit):
        spec = reminder_spec(row.reminders)
        series = reminders_between(
            spec,
            row.due_on,
            dates.zone_of(row),
            after=row.last_reminded_at or row.created_at,
            until=now,
            is_open=dates.open_day(row.calendar),
        )
        if not series or now - series[-1].at > CATCH_UP:
            if series:
                row.last_reminded_at = series[-1].at
            plan_reminder(row, dates)
            continue
        last = series[-1]
        found.append(DueReminder(row.id, row.due_on, last.sequence, last.at, last.label))
    session.flush()
    return found


def claim(session: Session, due: DueReminder, *, worker: str, now: datetime) -> int | None:
    """The ledger row's id when this worker now holds the reminder, else None."""
    row = AccountMilestoneRepository(session).claim_reminder(
        MilestoneReminderRow(
            milestone_id=due.milestone_id,
            due_on=due.due_on,
            sequence=due.sequence,
            at=due.at,
            worker=worker,
            claimed_at=now,
            recipients=[],
        ),
        stale_before=now - LEASE,
    )
    return None if row is None else row.id


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One reminder, ready to send: addresses, the chat URL, and the email's context."""

    to: list[str]
    chat_url: str | None
    context: dict[str, Any]


def outgoing(
    session: Session, due: DueReminder, *, console_url: str, today: date
) -> Outgoing | None:
    """What to send for ``due``; None when the milestone is gone or done meanwhile."""
    repo = AccountMilestoneRepository(session)
    row = repo.get(due.milestone_id)
    if row is None or row.completed_at is not None:
        return None
    view = views(session, [row], today=today)[0]
    spec = reminder_spec(row.reminders)
    directory = load_directory(session)
    to = recipients(spec.to, row, [u.handle for u in view.collaborators], directory)
    chat_url = None
    if spec.chat is not None:
        endpoint = EndpointRepository(session).get(spec.chat)
        chat_url = endpoint.url if endpoint is not None and endpoint.kind == "chat" else None
    account = AccountRepository(session).get(row.account_id)
    open_tasks = [t for t in view.tasks if t.done_at is None and t.kind == "task"]
    days = (row.due_on - today).days
    context = {
        "milestone": row.name,
        "account": account.name if account is not None else row.account_id,
        "account_id": row.account_id,
        "due": row.due_on.strftime("%A %d %B %Y"),
        "when": _when(days),
        "label": due.label,
        "status": view.status.value,
        "progress": None if view.progress is None else f"{view.progress:.0%}",
        "owner": row.owner,
        "tasks": [{"title": t.title, "assignee": t.assignee or "unassigned"} for t in open_tasks],
        "link": f"{console_url.rstrip('/')}/accounts/{quote(row.account_id, safe='')}#m{row.id}",
    }
    return Outgoing(to, chat_url, context)


def _when(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


def recipients(
    names: tuple[str, ...],
    row: AccountMilestoneRow,
    collaborators: list[str],
    directory: Directory,
) -> list[str]:
    """The addresses ``names`` stand for on this milestone (unknown handles are left out)."""
    found: list[str | None] = []
    for name in names:
        if name == "owner":
            found.append(directory.address(row.owner) if row.owner else None)
        elif name == "collaborators":
            found.extend(directory.address(h) for h in collaborators)
        elif name == "team":
            found.append(directory.team_address(row.team))
        else:
            found.append(name if "@" in name else directory.address(name))
    return list(dict.fromkeys(a for a in found if a))


def chat_message(context: dict[str, Any]) -> dict[str, Any]:
    """A Slack-compatible message for a reminder."""
    text = (
        f"Reminder ({context['label']}): {context['milestone']} for {context['account']} is due "
        f"{context['when']} ({context['due']}), {context['status']}"
    )
    link = f"<{context['link']}|Open the account in caseclock>"
    return {
        "text": f"{escape(text)} {link}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(text)}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": link}},
        ],
    }


def finish(
    session: Session,
    reminder_id: int,
    *,
    recipients_sent: list[str],
    outcome: str,
    now: datetime,
) -> None:
    """Record the reminder as sent (or failed for good) and move its milestone on."""
    repo = AccountMilestoneRepository(session)
    ledger = repo.reminder(reminder_id)
    if ledger is None:
        return
    ledger.sent_at, ledger.outcome, ledger.recipients = now, outcome[:2000], recipients_sent
    row = repo.get(ledger.milestone_id)
    if row is not None:
        row.last_reminded_at = max(row.last_reminded_at or ledger.at, ledger.at)
        plan_reminder(row, Dates(session))
    session.flush()


def release(session: Session, reminder_id: int, *, now: datetime) -> None:
    """Give the claim back after a failure worth retrying; look again after ``RETRY_AFTER``."""
    repo = AccountMilestoneRepository(session)
    ledger = repo.reminder(reminder_id)
    if ledger is None:
        return
    row = repo.get(ledger.milestone_id)
    repo.release_reminder(ledger)
    if row is not None:
        row.next_reminder_at = now + RETRY_AFTER
    session.flush()


def sent_for(session: Session, milestone_id: int) -> list[MilestoneReminderRow]:
    """The ledger of a milestone's reminders, oldest first (the account page lists them)."""
    return list(AccountMilestoneRepository(session).reminders_of(milestone_id))
