"""The at-risk board: counts of the whole filtered queue, its two orders, and one row per
record with its next breach."""

from __future__ import annotations

import re

import pytest

from caseclock.console import board as board_module
from tests.console.conftest import Web
from tests.console.test_pages import rows

COUNTS = re.compile(r'<li class="chip (\w+)"><span class="dot" aria-hidden="true"></span>(\d+) ')


def counts(html: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in COUNTS.findall(html)}


def test_counts_cover_every_matching_milestone_not_only_the_rows_shown(
    agent: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for two rows, the summary still counts all seven open milestones: C-1
    violated, C-2 at risk, the other five on track."""
    monkeypatch.setattr(board_module, "BOARD_LIMIT", 2)
    html = agent.get("/").text
    assert len(rows(html)) == 2
    assert counts(html) == {"red": 1, "yellow": 1, "green": 5, "paused": 0}
    assert "Showing the first 2 of 7 open milestones" in html
    standard = counts(agent.get("/?tier=Standard").text)
    assert standard == {"red": 0, "yellow": 0, "green": 1, "paused": 0}


def test_one_row_per_record_shows_its_next_breach(agent: Web) -> None:
    """The records view lists each record once, with the milestone that breaches next."""
    html = agent.get("/?view=records").text
    assert [(r, m) for r, m, _, _ in rows(html)] == [
        ("C-1", "first_response"),
        ("C-2", "first_response"),
        ("C-3", "first_response"),
        ("C-4", "first_response"),
    ]
    assert "Next breach" in html
    assert 'data-refresh="/board/rows?scope=all&amp;view=records"' in html


def test_board_offers_both_orders(agent: Web) -> None:
    """Soonest breach first and least time left first are both offered and kept on refresh."""
    html = agent.get("/?order=time_left").text
    assert '<option value="time_left" selected>Least time left first</option>' in html
    assert 'data-refresh="/board/rows?scope=all&amp;order=time_left"' in html
    assert [r for r, m, _, _ in rows(html) if m == "first_response"] == [
        "C-1",
        "C-2",
        "C-3",
        "C-4",
    ]
