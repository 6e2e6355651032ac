"""A small installation for the console tests: two accounts, four open cases, three keys.

At ``NOW`` (Monday 9 March 2026, 14:30 in New York) the Gold first responses stand at:
C-1 violated 30 minutes ago (red), C-2 30 minutes left past its warning (yellow), C-3 2 h 30
left (green). C-4 is a Standard case owned by bo; C-5 has a tier no rule maps, so no clock runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from caseclock.document_files import load_bundle
from caseclock.services.access import Principal, Role, create_key
from caseclock.services.accounts import AccountInput, create_account
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.policy import apply_bundle
from tests.conftest import HELPDESK

POLICY = Path(__file__).parent / "policy.yaml"
T0 = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # Monday 10:00 in New York
NOW = T0 + timedelta(hours=4, minutes=30)  # 14:30 in New York
SYSTEM = Principal(key_id=0, name="tests", role=Role.ADMIN)


@dataclass(frozen=True)
class Keys:
    agent: str  # unscoped agent, signs in as "ana" of team L1
    viewer: str
    scoped: str  # an agent who sees only globex
    admin: str


def _created(record: str, at: datetime, **data: Any) -> dict[str, Any]:
    return {
        "id": f"{record}:created",
        "record": record,
        "type": "created",
        "at": at.isoformat(),
        "data": {"type": "case", "status": "New", **data},
    }


def seed(session: Session) -> Keys:
    """Load the bundle, the accounts, the cases and the keys; the caller commits."""
    apply_bundle(session, load_bundle(POLICY), now=T0)
    for account_id, name, tier in (
        ("acme", "Acme Manufacturing", "Gold"),
        ("globex", "Globex Logistics", "Standard"),
    ):
        create_account(
            session,
            AccountInput(id=account_id, name=name, tier=tier, region="us-east"),
            principal=SYSTEM,
            now=T0,
        )
    events = [
        _created(
            "C-1",
            T0,
            account="acme",
            tier="Gold",
            priority="P2",
            owner="bo",
            team="L1",
            subject="Sync job fails after upgrade",
        ),
        _created(
            "C-2",
            T0 + timedelta(hours=1),
            account="acme",
            tier="Gold",
            priority="P1",
            owner="ana",
            team="L1",
            subject="SSO login loop",
        ),
        _created(
            "C-3",
            T0 + timedelta(hours=3),
            account="acme",
            tier="Gold",
            priority="P3",
            owner="chen",
            team="L2",
            subject="Export times out",
        ),
        _created(
            "C-4",
            T0,
            account="globex",
            tier="Standard",
            priority="P3",
            owner="bo",
            team="L1",
            subject="Dashboard shows stale numbers",
        ),
        _created("C-5", T0, tier="Bronze", subject="A case from an unknown tier"),
    ]
    results = ingest(session, events, principal=SYSTEM, provenance=HELPDESK, now=NOW)
    assert all(r.outcome is Outcome.ACCEPTED for r in results), results
    return Keys(
        agent=create_key(session, role="agent", name="ana-key", accounts=None, now=T0).secret,
        viewer=create_key(session, role="viewer", name="watcher", accounts=None, now=T0).secret,
        scoped=create_key(
            session, role="agent", name="globex-desk", accounts=["globex"], now=T0
        ).secret,
        admin=create_key(session, role="admin", name="lead", accounts=None, now=T0).secret,
    )
