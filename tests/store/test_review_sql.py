"""The review's compliance counts (one SQL aggregate) give what ``core.compliance`` gives over
the rows the reports read, for the same window and instant."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import pytest

from caseclock.core.compliance import compliance
from caseclock.services.reports import _as_milestone
from caseclock.store.repositories.reports import ReportRepository
from caseclock.store.repositories.reviews import (
    ReviewRepository,
    ReviewScope,
    Window,
    compliance_of,
)
from tests.conftest import Database
from tests.services.review_setup import at, build


@pytest.mark.parametrize(
    ("since", "until"), [(-6, 0), (-174, -6), (-300, 0), (-2, -0.5), (-240, -200), (-1.5, -0.9)]
)
def test_review_counts_mirror_core_compliance(db: Database, since: float, until: float) -> None:
    """Team L2's counts over several windows, read at their end, match the core's."""
    build(db.session_factory)
    window: tuple[datetime, datetime] = (at(since), at(until))
    with db.session_factory() as session:
        rows = ReportRepository(session).outcomes(since=window[0], until=window[1], scope=None)
        expected = compliance(_as_milestone(r, at(until)) for r in rows if r.team == "L2")
        repo = ReviewRepository(session)
        scope = ReviewScope("L2", None)
        found = repo.compliance_counts(scope, since=window[0], until=window[1])
        review = Window(window[0], window[1], window[1], window[1], window[0])
        in_one_pass = compliance_of(repo.section_counts(scope, review), "c_")
    assert found == asdict(expected)
    assert in_one_pass == found
