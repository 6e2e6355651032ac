"""The demo's customer milestones: accounts in every lifecycle phase, an implementation under
way with tasks done and collaborators from another team, a renewal inside its reminder window;
loading twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from caseclock.demo.generator import generate
from caseclock.demo.loader import SYSTEM, load_demo
from caseclock.document_files import load_bundle
from caseclock.services.accounts import AccountQuery, count_accounts, find_accounts
from caseclock.services.at_risk import QueueFilter, milestone_queue
from caseclock.services.milestone_work import account_milestones
from caseclock.store.models import AccountMilestoneRow
from tests.conftest import Database
from tests.services.test_demo import BUNDLE, NOW


def test_demo_accounts_span_every_phase_and_tell_the_stories(db: Database) -> None:
    """Introduction, adoption, retention and renewal each hold an account; one account runs
    the implementation plan with delivery done and setup half done, collaborated on by the
    APAC team; one renews within 60 days with its next reminder before then. The phases that
    ended are done; the customer milestones are on the at-risk board."""
    with db.session_factory() as session:
        load_demo(session, load_bundle(BUNDLE), generate(now=NOW, cases=20), now=NOW)
        session.commit()
        today = NOW.date()
        _, phases = find_accounts(session, AccountQuery(today=today), SYSTEM, limit=None)
        assert set(phases.values()) == {"introduction", "adoption", "retention", "renewal"}
        running = session.scalars(
            select(AccountMilestoneRow).where(AccountMilestoneRow.plan_key == "implementation")
        ).all()
        account = running[0].account_id
        views = {
            v.row.key: v
            for v in account_milestones(session, account, SYSTEM, today=today)
            if v.row.plan_key == "implementation"
        }
        assert views["delivery"].status.value == "done"
        assert views["setup"].progress == 0.5
        assert {u.handle for u in views["setup"].collaborators} == {"chen", "goran"}
        renewing = count_accounts(session, AccountQuery(today=today, renewal_within=60), SYSTEM)
        assert renewing >= 1
        renewal = session.scalars(
            select(AccountMilestoneRow).where(
                AccountMilestoneRow.plan_key == "renewal", AccountMilestoneRow.key == "renewal"
            )
        ).one()
        assert renewal.due_on - today <= timedelta(days=60)
        assert renewal.next_reminder_at is not None
        assert renewal.next_reminder_at.date() < renewal.due_on
        past = session.scalars(
            select(AccountMilestoneRow).where(
                AccountMilestoneRow.phase.is_not(None),
                AccountMilestoneRow.completed_at.is_(None),
                AccountMilestoneRow.due_on < today,
            )
        ).all()
        assert past == []  # phases that ended are done, not overdue on the board
        customer = QueueFilter(open_only=True, kind="customer")
        queued = milestone_queue(
            session, customer, SYSTEM, now=NOW, limit=500, offset=0, yellow_within=timedelta(0)
        )
        assert {i.row.name for i in queued} >= {
            "Product Onsite Setup and Installation",
            "Contract renewal",
        }
        assert "Personnel Training" not in {i.row.name for i in queued}  # waits for setup
        assert all(i.standing.state.value != "violated" for i in queued if "phase" in i.row.name)
        before = session.scalar(select(func.count()).select_from(AccountMilestoneRow))
        load_demo(session, load_bundle(BUNDLE), generate(now=NOW, cases=20), now=NOW)
        assert session.scalar(select(func.count()).select_from(AccountMilestoneRow)) == before
