"""The demo's directory: every owner and team its events name is a person or team, with an
address of their own, and the leads the policy's team_lead actions reach."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from caseclock.demo.generator import generate
from caseclock.demo.loader import load_demo
from caseclock.document_files import load_bundle
from caseclock.services import directory
from tests.conftest import Database

NOW = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
BUNDLE = Path(__file__).resolve().parents[2] / "examples" / "policies" / "b2b.yaml"


def test_demo_names_only_people_and_teams_of_its_directory(db: Database) -> None:
    """After loading the demo no owner or team on a record is unknown to the directory; the
    L1 and L2 tiers and the two regional teams have leads with their own addresses; loading
    again adds nobody twice."""
    data = generate(now=NOW, cases=40, seed=5)
    with db.session_factory() as session:
        load_demo(session, load_bundle(BUNDLE), data, now=NOW)
        load_demo(session, load_bundle(BUNDLE), generate(now=NOW, cases=5, seed=6), now=NOW)
        session.commit()
    with db.session_factory() as session:
        assert directory.unmapped_owners(session) == []
        assert directory.unmapped_teams(session) == []
        people = directory.load_directory(session)
    assert {team: people.team_leads(team) for team in ("L1", "L2", "Americas", "APAC")} == {
        "L1": ["lena"],
        "L2": ["omar"],
        "Americas": ["lena"],
        "APAC": ["priya"],
    }
    assert people.address("ana") == "ana@support.caseclock.example"
    assert people.team_address("L2") == "l2@support.caseclock.example"
