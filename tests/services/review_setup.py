"""A small world for the review tests: a 24x7 policy, team L2 led by lee, and records whose
milestones land in each section of the review at ``NOW`` (a Monday, 14:00 UTC; the weekly
review is due on Mondays at 08:00 UTC, so the current period began at 08:00)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from caseclock.core.policy import parse_bundle
from caseclock.services import people, teams
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.policy import apply_bundle
from caseclock.services.reviews import ReviewOptions
from caseclock.store.database import SessionFactory
from tests.conftest import FAST_PASSWORDS, HELPDESK, T0

NOW = T0
OPTIONS = ReviewOptions(weekday=0, hour=8, stalled_days=3, time_zone="UTC")

BUNDLE = """
calendars:
  - {name: always, timezone: UTC, always_open: true}
processes:
  support:
    name: Support
    calendar: always
    milestones:
      - key: first_response
        name: First response
        start: {on: created}
        complete: {on: comment, public: true, author_role: agent}
        target: 1h
      - key: resolution
        name: Resolution
        start: {on: created}
        complete: {on: closed}
        pause: {field: status, value: Waiting}
        target: 8h
        criteria: [{note: cause}]
entitlement_rules:
  default: support
"""


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


class Events:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, record: str, kind: str, hours: float, **data: Any) -> Events:
        self.items.append(
            {
                "id": f"{record}-{len(self.items)}",
                "record": record,
                "type": kind,
                "at": at(hours).isoformat(),
                "data": data,
            }
        )
        return self

    def created(self, record: str, hours: float, **fields: Any) -> Events:
        return self.add(record, "created", hours, **{"status": "New", "team": "L2", **fields})


def world() -> Events:
    """One record per section (see the module docstring)."""
    e = Events()
    e.created("R-VIOL", -2, account="acme")  # no reply: first response violated at -1h
    e.created("R-RISK", -0.5, account="acme", owner="ana")
    e.add("R-RISK", "comment", -0.25, public=True, author_role="agent")
    e.created("R-LATE", -5, account="acme", owner="ana")
    e.add("R-LATE", "comment", -3, public=True, author_role="agent")  # 1h late
    e.created("R-HELD", -1, account="acme", owner="ana")
    e.add("R-HELD", "comment", -0.9, public=True, author_role="agent")
    e.add(
        "R-HELD",
        "override",
        -0.5,
        milestone="resolution",
        pause=True,
        by="lee",
        reason="waiting for the vendor's fix",
    )
    e.created("R-QUIET", -240, account="globex", owner="ana")  # ten days without a word
    e.add("R-QUIET", "comment", -239.5, public=True, author_role="agent")
    e.created("R-L1", -2, account="acme", team="L1")  # another team's breach
    e.created("R-WEEK", -30, account="acme", owner="ana")  # last week: all on time
    e.add("R-WEEK", "comment", -29.5, public=True, author_role="agent")
    e.add("R-WEEK", "closed", -25)
    # satisfaction: last week's closed case pleased; this period, a late answer did not
    e.add("R-WEEK", "csat", -24, score=5, milestone="resolution")
    e.add("R-LATE", "csat", -1, score=2, milestone="first_response", comment="too slow")
    e.add("R-RISK", "csat", -0.1, score=4, scale=5)
    return e


def build(factory: SessionFactory, *, password: str | None = None) -> None:
    """Policy, directory (lee, in New York's zone, leads L2; scoped lead sam sees acme only),
    and the world; lee signs in with ``password`` when one is given."""
    with factory() as session:
        apply_bundle(session, parse_bundle(BUNDLE), now=at(-300))
        made = {}
        for handle, role, scope in (("lee", "lead", None), ("sam", "lead", ["acme"])):
            made[handle] = people.create_user(
                session,
                people.NewUser(
                    handle=handle,
                    email=f"{handle}@example.com",
                    role=role,
                    accounts=scope,
                    password=password if handle == "lee" else None,
                    time_zone="America/New_York" if handle == "lee" else "UTC",
                ),
                actor="test",
                passwords=FAST_PASSWORDS,
                now=at(-300),
            )
        for name in ("L1", "L2"):
            team = teams.create_team(
                session, name, {"email": f"{name.lower()}@example.com"}, actor="t", now=at(-300)
            )
            for handle in ("lee", "sam"):
                if name == "L2":
                    teams.set_member(session, team, made[handle], lead=True, actor="t", now=NOW)
        results = ingest(session, world().items, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        assert all(r.outcome is Outcome.ACCEPTED for r in results), [r.errors for r in results]
        session.commit()
