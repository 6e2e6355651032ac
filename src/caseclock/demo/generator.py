"""Generate demo accounts and case timelines: deterministic for a seed and an instant.

No database and no clock here: ``generate(now=..., cases=..., seed=...)`` returns plain values
(accounts and event dicts in the API's envelope). Histories span the last four months: most
cases are closed (some after a breach), the rest are open at every stage: waiting for a first
response, investigating, waiting for the customer, escalated to L2, so every health shows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from caseclock.demo import comments
from caseclock.demo.comments import Words

TIERS = ("Platinum", "Gold", "Standard")
REGIONS = ("us-east", "apac")
COMPANIES = (
    "Acme Manufacturing",
    "Globex Logistics",
    "Initech Software",
    "Umbrella Health",
    "Stark Components",
    "Wayne Freight",
    "Soylent Foods",
    "Hooli Cloud",
    "Vandelay Imports",
    "Tyrell Robotics",
    "Cyberdyne Systems",
    "Wonka Confectionery",
    "Pied Piper Storage",
    "Saigon Textiles",
    "Mekong Energy",
    "Hanoi Precision",
    "Oceanic Airlines",
    "Massive Dynamic",
)
PRODUCTS = ("Platform", "Analytics", "Connectors", "Mobile SDK")
AGENTS = {"L1": ("ana", "bruno", "chen", "dara"), "L2": ("eli", "fatima", "goran")}
SUBJECTS = (
    "Sync job fails after upgrade",
    "SSO login loop",
    "Export times out on large reports",
    "Webhook deliveries delayed",
    "Dashboard shows stale numbers",
    "API returns 502 at peak",
    "License count wrong after renewal",
    "Mobile app crashes on launch",
    "Data import rejects CSV",
)
PRIORITY_WEIGHTS = (("P1", 1), ("P2", 3), ("P3", 5), ("P4", 2))


@dataclass(frozen=True, slots=True)
class DemoAccount:
    id: str
    name: str
    tier: str
    region: str
    start_date: date
    renewal_date: date


@dataclass(slots=True)
class DemoData:
    accounts: list[DemoAccount] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # grouped by record, in order


class _Story:
    """Builds one case's events; those that would lie after ``now`` have not happened yet."""

    def __init__(self, record: str, start: datetime, now: datetime) -> None:
        self.record = record
        self.at = start
        self.now = now
        self.events: list[dict[str, Any]] = []

    def wait(self, hours: float) -> None:
        self.at += timedelta(seconds=round(hours * 3600))

    def add(self, kind: str, **data: Any) -> None:
        if self.at <= self.now:
            self.events.append(
                {
                    "id": f"{self.record}-{len(self.events) + 1}",
                    "record": self.record,
                    "type": kind,
                    "at": self.at.isoformat(),
                    "data": data,
                }
            )


def generate(*, now: datetime, cases: int = 300, seed: int = 7) -> DemoData:
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    data = DemoData()
    for index, name in enumerate(COMPANIES):
        data.accounts.append(
            DemoAccount(
                id=name.split()[0].lower(),
                name=name,
                tier=TIERS[index % len(TIERS)],
                region=REGIONS[1] if index % 4 == 1 else REGIONS[0],
                start_date=(now - timedelta(days=rng.randint(120, 1100))).date(),
                renewal_date=(now + timedelta(days=rng.randint(5, 330))).date(),
            )
        )
    for number in range(1, cases + 1):
        account = rng.choice(data.accounts)
        kind = rng.random()
        if kind < 0.12:  # just in, nobody answered yet: green, yellow or red by tier and age
            age = timedelta(hours=rng.uniform(0.1, 10))
        elif kind < 0.4:  # this week's work, most still open
            age = timedelta(hours=rng.uniform(2, 72))
        else:  # the last four months, mostly closed
            age = timedelta(days=rng.uniform(4, 120))
        start = (now - age).replace(microsecond=0)
        story = _Story(f"C-{1000 + number}", start, now)
        _tell(story, account, rng, Words(seed, story.record), awaiting=kind < 0.12)
        data.events.extend(story.events)
    return data


def _tell(
    story: _Story, account: DemoAccount, rng: random.Random, words: Words, *, awaiting: bool
) -> None:
    priority = rng.choices([p for p, _ in PRIORITY_WEIGHTS], [w for _, w in PRIORITY_WEIGHTS])[0]
    story.add(
        "created",
        type="case",
        account=account.id,
        tier=account.tier,
        region=account.region,
        priority=priority,
        status="New",
        product=rng.choice(PRODUCTS),
        subject=rng.choice(SUBJECTS),
    )
    urgent = priority == "P1" or words.chance(0.15)
    report = words.pick(comments.URGENT_REPORTS if urgent else comments.REPORTS)
    story.add("comment", public=True, author_role="customer", body=report)
    if awaiting:
        return
    owner = rng.choice(AGENTS["L1"])
    story.wait(rng.uniform(0.1, 3))
    story.add("owner", owner=owner, team="L1")
    slow = rng.random() < 0.15  # the breaches of the demo
    story.wait(rng.uniform(4, 30) if slow else rng.uniform(0.2, 2.5))
    story.add(
        "comment", public=True, author_role="agent", author=owner, body=words.pick(comments.ACKS)
    )
    story.wait(rng.uniform(1, 20))
    story.add("status", status="Investigating")
    if rng.random() < 0.5:
        story.wait(rng.uniform(1, 10))
        story.add(
            "comment",
            public=True,
            author_role="agent",
            author=owner,
            body=words.pick(comments.ASKS),
        )
        story.add("status", status="Waiting for Customer")
        story.wait(rng.uniform(2, 60))
        answers = comments.IMPATIENT_ANSWERS if slow else comments.ANSWERS
        story.add("comment", public=True, author_role="customer", body=words.pick(answers))
        story.add("status", status="Investigating")
    if rng.random() < 0.3:
        story.wait(rng.uniform(1, 16))
        engineer = rng.choice(AGENTS["L2"])
        story.add("field", field="l2_escalated", value=True)
        story.add(
            "owner",
            owner=engineer,
            team="L2",
            note=f"Handing over to {engineer}: repro steps in the last comment.",
        )
        story.wait(rng.uniform(4, 40))
        story.add("note", body="Root cause found in the connector retry logic.", author=engineer)
        story.add("field", field="root_cause", value="connector retry logic")
        story.add("field", field="l2_escalated", value=None)
    else:
        story.wait(rng.uniform(2, 30))
        story.add("field", field="root_cause", value="configuration")
    if slow and words.chance(0.7):  # the customer chases while the case drags on
        story.wait(words.rng.uniform(1, 8))
        story.add("comment", public=True, author_role="customer", body=words.pick(comments.CHASERS))
    story.wait(rng.uniform(2, 48))
    story.add(
        "comment", public=True, author_role="agent", author=owner, body=words.pick(comments.FIXES)
    )
    if words.chance(0.6):
        closing = comments.GRUDGING if slow else comments.THANKS
        story.add("comment", public=True, author_role="customer", body=words.pick(closing))
    story.add("status", status="Closed")
