"""Who held the clocks, for a whole period: each completed cycle analysed once from its
timeline and kept, summed in SQL within the reader's scope; the report analyses a bounded
batch itself and says how much of the period is counted; a changed record is analysed again."""

from __future__ import annotations

from datetime import timedelta

from caseclock.services.access import Principal, Role
from caseclock.services.dwell_report import analyse_recent, dwell_report
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import ingest
from tests.conftest import HELPDESK, Database
from tests.services.review_setup import NOW, Events, build

ADMIN = Principal(key_id=1, name="admin", role=Role.ADMIN)
GLOBEX = Principal(key_id=2, name="g", role=Role.LEAD, accounts=frozenset({"globex"}))


def _many(count: int) -> Events:
    """``count`` cases of acme each answered after 30 minutes by bo of L1, and closed."""
    events = Events()
    for n in range(count):
        record = f"M-{n}"
        events.created(record, -20, account="acme", owner="bo", team="L1")
        events.add(record, "comment", -19.5, public=True, author_role="agent")
        events.add(record, "closed", -19)
    return events


def test_the_whole_period_is_counted_beyond_one_batch(db: Database) -> None:
    """With 12 more cases and a batch of 5 records, the first report counts part of the
    period and says so; the worker's batches then analyse the rest, and the report sums every
    completion: bo held 12 first responses of 30 minutes each (and the resolutions)."""
    build(db.session_factory)
    with db.session_factory() as session:
        ingest(session, _many(12).items, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    with db.session_factory() as session:
        first = dwell_report(session, ADMIN, now=NOW, days=30, limit=5)
        session.commit()
    assert first.covered < first.records
    with db.session_factory() as session:
        while analyse_recent(session, now=NOW, back=timedelta(days=30), limit=5):
            pass
        session.commit()
    with db.session_factory() as session:
        full = dwell_report(session, ADMIN, now=NOW, days=30, limit=0)
        scoped = dwell_report(session, GLOBEX, now=NOW, days=30, limit=0)
    assert full.covered == full.records
    owners = {h.label: h for h in full.owners}
    assert owners["bo"].milestones == 24
    assert owners["bo"].held == 12 * timedelta(minutes=30) + 12 * timedelta(hours=1)
    assert {h.label for h in full.teams} >= {"L1", "L2"}
    assert scoped.records == 1  # R-QUIET's first response, globex's only completion
    assert [h.label for h in scoped.owners] == ["ana"]


def test_a_record_that_changed_is_analysed_again(db: Database) -> None:
    """R-WEEK's resolution completed without a note about the cause; a late-arriving note
    dated before the close re-evaluates it (a new digest), and the next report counts it as
    met."""
    build(db.session_factory)
    with db.session_factory() as session:
        before = dwell_report(session, ADMIN, now=NOW, days=30)
        session.commit()
    assert (before.with_criteria, before.met_criteria) == (1, 0)
    late = Events().add("R-WEEK", "note", -26, body="the cause: a full disk")
    with db.session_factory() as session:
        ingest(session, late.items, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    with db.session_factory() as session:
        after = dwell_report(session, ADMIN, now=NOW, days=30)
    assert (after.with_criteria, after.met_criteria) == (1, 1)
