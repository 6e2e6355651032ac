"""Breach risk on the board (a column, a badge, an order) and the record's insights panel."""

from __future__ import annotations

import re

from sqlalchemy.event import listen, remove

from caseclock.store.models import RiskModelRow
from tests.conftest import Database
from tests.console.conftest import Web
from tests.console.scenario import NOW, Keys
from tests.risk_models import store_model

KEYS = ("first_response", "resolution", "l2_dwell", "root_cause")


def _store_model(db: Database, *, history: int = 40) -> None:
    """A model whose risk grows with the share of the target used (the first key lacks
    history, so it abstains)."""
    store_model(
        db,
        at=NOW,
        history={key: (5 if key == "first_response" else history) for key in KEYS},
        coef={"share": 3.0},
        intercept=-2.0,
    )


def test_board_shows_risk_badges_and_orders_by_risk(agent: Web, db: Database) -> None:
    """Before any model the column says so; with one, running milestones get a percentage
    with its first reason, the definition without enough history says so, and the risk order
    puts the highest first."""
    html = agent.get("/").text
    assert '<th scope="col">Risk</th>' in html
    assert "badge risk-" not in html
    _store_model(db)
    html = agent.get("/").text
    assert re.search(r'class="badge risk-(low|medium|high)" title="[^"]*% of target used', html)
    assert "Not enough history of this milestone" in html
    ordered = agent.get("/?order=risk").text
    percents = [
        int(p) for p in re.findall(r'class="badge risk-\w+" title="[^"]*">(\d+) %', ordered)
    ]
    assert percents == sorted(percents, reverse=True)
    assert 'value="risk" selected' in ordered


def test_record_page_has_the_insights_panel(agent: Web, db: Database) -> None:
    """The record page shows each open milestone's risk with its reasons, what the record
    waits on, the sentiment of customer comments and the summary's facts."""
    _store_model(db)
    html = agent.get("/records/C-3").text
    assert 'id="insights-h">Insights' in html
    assert "chance of a breach" in html
    assert "Summary for a handoff" in html
    assert "Owner" in html


def test_admins_read_the_evaluation(web: Web, keys: Keys, db: Database) -> None:
    """The insights page says when no model exists, then shows the model in use with its
    periods and each point's figures beside the baselines, and names the milestones without
    enough history as the policy does (the key of one it no longer has); it is for admins
    only."""
    admin = web.sign_in(keys.admin)
    assert "No model trained yet" in admin.get("/insights").text
    _store_model(db)
    with db.session_factory() as session:
        row = session.query(RiskModelRow).one()
        row.evaluation = {
            "test_milestones": 3,
            "abstains": ["first_response", "warranty_check"],
            "points": [
                {
                    "point": "at start",
                    "samples": 3,
                    "breached": 1,
                    "methods": {
                        name: {"auc": 0.5, "ap": 0.4, "brier": 0.2, "calibration": []}
                        for name in ("model", "elapsed share", "Kaplan-Meier")
                    },
                }
            ],
        }
        session.commit()
    html = admin.get("/insights").text
    assert "The model in use" in html
    assert "Kaplan-Meier" in html
    assert "Not enough history, so no risk is shown for: First response, warranty_check." in html
    assert "first_response" not in html
    for trigger, said in (
        ("worker", "by the worker"),
        ("demo", "when the demo was loaded"),
        ("command", "from the command line"),
    ):
        with db.session_factory() as session:
            session.query(RiskModelRow).one().trigger = trigger
            session.commit()
        assert f"({said})" in admin.get("/insights").text
    viewer = web.sign_in(keys.viewer)
    assert viewer.get("/insights").status_code == 403


def _event_reads(db: Database, path: str, agent: Web) -> int:
    """How many statements read the events table while ``path`` is served."""
    reads: list[str] = []

    def seen(*args: object) -> None:
        statement = str(args[2]).lower()
        if "from events" in statement:
            reads.append(statement)

    listen(db.engine, "before_cursor_execute", seen)
    try:
        assert agent.get(path).status_code == 200
    finally:
        remove(db.engine, "before_cursor_execute", seen)
    return len(reads)


def test_pages_read_each_timeline_once(agent: Web, db: Database) -> None:
    """With a model in use, the record page reads the record's events once (its timeline,
    the risk, blockers, summary and moods all share it) and the board reads the shown
    records' events once."""
    _store_model(db)
    assert _event_reads(db, "/records/C-3", agent) == 1
    assert _event_reads(db, "/", agent) == 1
