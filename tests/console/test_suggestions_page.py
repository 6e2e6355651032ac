"""The record page's priority suggestion (accept, dismiss), each timeline comment's
sentiment with its words, and an account's sentiment trend."""

from __future__ import annotations

import re

from tests.conftest import Database
from tests.console.conftest import Web
from tests.console.insight_setup import unhappy_customer


def _seed(db: Database) -> None:
    with db.session_factory() as session:
        unhappy_customer(session)
        session.commit()


def test_the_timeline_shows_each_customer_comments_sentiment(agent: Web, db: Database) -> None:
    """Each customer comment on the timeline carries its band, score and driving words."""
    _seed(db)
    html = agent.get("/records/C-3").text
    assert re.search(r'badge mood-very-negative">Very negative -0\.\d\d', html)
    assert re.search(r"words: (furious|terrible) \(-\d\.\d\)", html)
    assert "urgency: “Production is down" in html
    assert re.search(r'badge mood-very-positive">Very positive \+0\.\d\d', html)


def test_accepting_in_the_console_sets_the_priority(agent: Web, db: Database) -> None:
    """The suggestion shows with its reasons; accepting answers with the new priority, the
    timeline records it by the signed-in agent, and the suggestion is gone."""
    _seed(db)
    html = agent.get("/records/C-3").text
    assert "Suggested priority: P1" in html
    assert "the customer says production is down" in html
    action = re.search(r'action="(/records/C-3/priority-suggestions/\d+/accept)#insights"', html)
    assert action is not None
    done = agent.post(action.group(1), {}, token_from="/records/C-3")
    assert done.status_code == 303
    page = agent.get(done.headers["location"]).text
    assert "Priority set to P1, as suggested." in page
    assert "Priority set to P1" in page
    assert "Suggested priority" not in page


def test_dismissing_in_the_console_writes_a_note(agent: Web, db: Database) -> None:
    """Dismissing leaves the priority and writes an internal note saying what and why."""
    _seed(db)
    html = agent.get("/records/C-3").text
    action = re.search(r'action="(/records/C-3/priority-suggestions/\d+/dismiss)#insights"', html)
    assert action is not None
    done = agent.post(action.group(1), {}, token_from="/records/C-3")
    page = agent.get(done.headers["location"]).text
    assert "Suggestion of P1 dismissed." in page
    assert "Priority suggestion dismissed: P1 (from P3)" in page


def test_the_account_sentiment_trend(agent: Web, db: Database) -> None:
    """The account page links to its customers' sentiment: a sparkline, the trend, and each
    comment with its record and words; an account the key may not see is a 404."""
    _seed(db)
    assert "/accounts/acme/sentiment" in agent.get("/accounts/acme").text
    html = agent.get("/accounts/acme/sentiment").text
    assert "<polyline" in html
    assert "trend <strong>falling</strong>" in html
    assert 'href="/records/C-3"' in html
    assert agent.get("/accounts/nope/sentiment").status_code == 404
