"""Speed beside quality: time to first response and resolution next to reopen rate and CSAT,
by team and tier and week by week, within the reader's scope, with the same numbers in CSV."""

from __future__ import annotations

from caseclock.services.access import Principal, Role
from caseclock.services.report_csv import report_rows
from caseclock.services.reports import balance_report, balance_trend
from tests.conftest import Database
from tests.services.review_setup import NOW, build

ADMIN = Principal(key_id=1, name="admin", role=Role.ADMIN)
GLOBEX = Principal(key_id=2, name="g", role=Role.LEAD, accounts=frozenset({"globex"}))


def test_balance_sets_csat_beside_speed_and_reopens(db: Database) -> None:
    """Over the last week, team L2: CSAT 2 of 3 answers beside its first-response times; a
    reader scoped to globex sees none of acme's answers."""
    build(db.session_factory)
    with db.session_factory() as session:
        found = {(b.dimension, b.label): b for b in balance_report(session, ADMIN, now=NOW, days=7)}
        scoped = balance_report(session, GLOBEX, now=NOW, days=7)
    l2 = found[("team", "L2")]
    assert (l2.csat_answers, l2.csat_satisfied) == (3, 2)
    assert l2.first_response is not None
    assert found[("tier", "(none)")].csat_answers == 3
    assert sum(b.csat_answers for b in scoped) == 0


def test_the_weekly_trend_and_its_csv(db: Database) -> None:
    """Week of 2 March: R-WEEK's on-time first response and its 5; week of 9 March: R-LATE's 2
    and R-RISK's 4. Each group (everyone, each team, each tier) lists every week of the period,
    and the trend CSV has the same figures."""
    build(db.session_factory)
    with db.session_factory() as session:
        trend = balance_trend(session, ADMIN, now=NOW, days=7)
        rows = report_rows("trend", session, ADMIN, now=NOW, days=7)
    everyone = {t.week: t.balance for t in trend if t.dimension == "all"}
    assert sorted(everyone) == ["2026-03-02", "2026-03-09"]
    assert (everyone["2026-03-02"].csat_answers, everyone["2026-03-02"].csat_satisfied) == (1, 1)
    assert (everyone["2026-03-09"].csat_answers, everyone["2026-03-09"].csat_satisfied) == (2, 1)
    assert everyone["2026-03-02"].first_response is not None
    assert {(t.dimension, t.label) for t in trend} >= {("all", "everyone"), ("team", "L2")}
    assert rows[0][:3] == ["dimension", "label", "week"]
    assert rows[0][-3:] == ["csat_answers", "csat_satisfied", "csat"]
    [week] = [r for r in rows if r[:3] == ["all", "everyone", "2026-03-09"]]
    assert week[-3:] == ["2", "1", "0.5000"]
    csat_rows = report_rows("csat", db.session_factory(), ADMIN, now=NOW, days=7)
    assert ["all", "all", "3", "2", "0.6667", "0.6667"] in csat_rows
