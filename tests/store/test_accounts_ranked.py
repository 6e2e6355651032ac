"""The console's accounts list ranks a segment in SQL: its per-account open and overdue counts
are those of ``ReportRepository.open_by_account`` (itself held to ``core.standing.state_at``),
most overdue first, then most open, then by name."""

from __future__ import annotations

from caseclock.store.models import AccountRow
from caseclock.store.repositories.account_milestones import (
    AccountFilter,
    AccountMilestoneRepository,
)
from caseclock.store.repositories.reports import ReportRepository
from tests.conftest import Database
from tests.store.test_standing_sql import NOW, _store_rows


def test_ranked_counts_mirror_the_accounts_counts_and_order_most_overdue_first(
    db: Database,
) -> None:
    """acme holds every state and deadline of the standing test's rows; globex none. acme comes
    first with the same open and overdue counts, globex after it with none; both are counted."""
    _store_rows(db)
    with db.session_factory() as session:
        for account_id, name in (("acme", "Acme"), ("globex", "Globex")):
            session.add(AccountRow(id=account_id, name=name, created_at=NOW, updated_at=NOW))
        session.commit()
        expected = ReportRepository(session).open_by_account(now=NOW, scope=None)["acme"]
        ranked, total = AccountMilestoneRepository(session).ranked(
            AccountFilter(today=NOW.date()), scope=None, now=NOW, limit=10
        )
    assert total == 2
    assert [(a.id, n, m) for a, _, n, m in ranked] == [("acme", *expected), ("globex", 0, 0)]
    assert expected[1] > 0
