"""The milestone review of a team: each section lists what it should, the worst first; a
scoped lead sees only their accounts; marks and notes come back in the next review."""

from __future__ import annotations

import pytest

from caseclock.core.review import Cadence, Period
from caseclock.errors import Forbidden, ValidationFailed
from caseclock.services import reviews
from caseclock.services.access import Principal, Role
from caseclock.services.directory import load_directory
from caseclock.services.review_digest import email_context, rate
from tests.conftest import Database
from tests.services.review_setup import NOW, OPTIONS, at, build


def _review(db: Database, accounts: frozenset[str] | None = None) -> reviews.Review:
    with db.session_factory() as session:
        return reviews.build_review(
            session, team="L2", cadence=Cadence.WEEKLY, accounts=accounts, options=OPTIONS, now=NOW
        )


def _listed(review: reviews.Review, key: str) -> list[tuple[str, str]]:
    return [(i.row.record_id, i.row.key) for i in review.section(key).items]


def test_each_section_lists_its_milestones(db: Database) -> None:
    """Since Monday 08:00: R-VIOL's first response broke at 13:00 and R-LATE's at 10:00 (then
    answered late); R-HELD is paused by lee with his reason; R-QUIET has had no event for ten
    days; R-VIOL has nobody on it; another team's breach is not listed."""
    build(db.session_factory)
    review = _review(db)
    assert review.period == Period(at(-6), NOW)
    assert _listed(review, "violated") == [
        ("R-LATE", "first_response"),
        ("R-VIOL", "first_response"),
    ]
    assert _listed(review, "late") == [("R-LATE", "first_response")]
    assert ("R-VIOL", "resolution") in _listed(review, "at_risk")
    assert _listed(review, "at_risk")[0] == ("R-LATE", "resolution")  # soonest deadline first
    [held] = review.section("paused").items
    assert (held.row.record_id, held.row.key) == ("R-HELD", "resolution")
    assert held.held == reviews.Held("lee", "waiting for the vendor's fix", at(-0.5))
    assert [i.row.record_id for i in review.section("stalled").items] == ["R-QUIET"]
    assert _listed(review, "decide") == [("R-VIOL", "first_response")]
    assert all(i.row.record_id != "R-L1" for s in review.sections for i in s.items)


def test_compliance_is_set_beside_the_previous_period(db: Database) -> None:
    """This period R-RISK and R-HELD were answered in time, R-LATE late, R-VIOL not at all;
    the period before, R-WEEK met both its milestones."""
    build(db.session_factory)
    review = _review(db)
    counts = review.compliance
    assert (counts.on_time, counts.late, counts.violated) == (2, 1, 1)
    assert rate(review.compliance) == "50% (2 of 4)"
    assert rate(review.previous) == "100% (2 of 2)"


def test_a_scoped_lead_sees_only_their_accounts(db: Database) -> None:
    """sam sees acme only: R-QUIET (globex) is not among the stalled."""
    build(db.session_factory)
    review = _review(db, accounts=frozenset({"acme"}))
    assert review.section("stalled").items == []
    assert review.section("stalled").total == 0
    assert len(review.section("violated").items) == 2


def test_a_mark_and_its_note_show_in_the_next_review(db: Database) -> None:
    """lee marks R-VIOL's first response reviewed with a note; the review shows the mark on
    the item and the note among the notes since the period began."""
    build(db.session_factory)
    lee = Principal(1, "lee", Role.LEAD, handle="lee")
    with db.session_factory() as session:
        directory = load_directory(session)
        reviews.add_mark(
            session,
            lee,
            directory,
            team="L2",
            record_id="R-VIOL",
            milestone="first_response",
            cycle=1,
            note="Ana takes it after lunch",
            now=NOW,
        )
        session.commit()
    review = _review(db)
    item = review.section("violated").items[1]
    assert item.mark is not None
    assert item.mark.note == "Ana takes it after lunch"
    assert [n.note for n in review.notes] == ["Ana takes it after lunch"]
    context = email_context(review, "https://sla.example.com/console")
    assert context["notes"][0]["by"] == "lee"


def test_only_leads_of_the_team_and_admins_mark_items(db: Database) -> None:
    """An agent, or a lead of no such team, is refused; an empty cycle is a clear error."""
    build(db.session_factory)
    with db.session_factory() as session:
        directory = load_directory(session)
        for who in (
            Principal(2, "ana", Role.AGENT, handle="ana"),
            Principal(3, "kim", Role.LEAD, handle="kim"),
        ):
            with pytest.raises(Forbidden):
                reviews.add_mark(
                    session,
                    who,
                    directory,
                    team="L2",
                    record_id="R-VIOL",
                    milestone="first_response",
                    cycle=1,
                    note="x",
                    now=NOW,
                )
        with pytest.raises(ValidationFailed, match="cycle"):
            reviews.add_mark(
                session,
                Principal(1, "lee", Role.LEAD, handle="lee"),
                directory,
                team="L2",
                record_id="R-VIOL",
                milestone="first_response",
                cycle=0,
                note="x",
                now=NOW,
            )
