"""A realistic snapshot export, generated: the shape of a ServiceNow audit export or a BI
extract, one row per update of a ticket, each row repeating every field with its value then.

Each record lives through a random history (status moves, reassignments, priority changes, a
custom field set and cleared); every update writes a whole row. The rows are then shuffled (as
an export ordered by update time across tickets, or paged, arrives), some are written twice
(an export that overlaps itself), and ``truth`` keeps, per record, the changes that really
happened, for the tests to compare the diff with.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
HEADER = (
    "number",
    "sys_updated_on",
    "state",
    "priority",
    "assigned_to",
    "assignment_group",
    "company",
    "u_tier",
    "u_root_cause",
    "short_description",
)
STATES = ("New", "In Progress", "Awaiting User Info", "In Progress", "Resolved")
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
PEOPLE = ("ana", "eli", "chen", "")
GROUPS = ("L1", "L2")
START = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)

MAPPING = {
    "shape": "snapshot",
    "record": "number",
    "instant": {"column": "sys_updated_on", "format": "%Y-%m-%d %H:%M:%S", "zone": NEW_YORK.key},
    "fields": {
        "status": {"column": "state", "map": {"Awaiting User Info": "Waiting for Customer"}},
        "priority": {
            "column": "priority",
            "map": {p: f"P{p[0]}" for p in PRIORITIES},
            "unmapped": "error",
        },
        "owner": "assigned_to",
        "team": "assignment_group",
        "account": "company",
        "tier": "u_tier",
        "root_cause": "u_root_cause",
        "subject": "short_description",
    },
}


@dataclass
class Export:
    text: str
    rows: int  # data rows, duplicates included
    duplicates: int
    truth: dict[str, list[tuple[datetime, dict[str, str | None]]]] = field(default_factory=dict)


def _unambiguous(at: datetime) -> datetime:
    """``at``, or two hours later when its New York wall-clock time is ambiguous (the hour
    repeated when clocks go back): an export without offsets cannot tell those apart."""
    local = at.astimezone(NEW_YORK).replace(tzinfo=None)
    if local.replace(tzinfo=NEW_YORK).astimezone(UTC) != at:
        return at + timedelta(hours=2)
    return at


def generate(
    records: int,
    seed: int = 7,
    duplicate_share: float = 0.05,
    *,
    first: int = 0,
    header: bool = True,
    updates: int = 8,
) -> Export:
    """``records`` tickets' snapshot rows as CSV text, shuffled, with some rows repeated;
    tickets are numbered from ``first``, each has up to ``updates`` updates after its first
    row, and ``header`` puts the header row first."""
    rng = random.Random(seed)
    lines: list[list[str]] = []
    truth: dict[str, list[tuple[datetime, dict[str, str | None]]]] = {}
    for number in range(first, first + records):
        record = f"INC{number:07d}"
        at = START + timedelta(minutes=rng.randint(0, 60 * 24 * 300))
        values = {
            "state": "New",
            "priority": rng.choice(PRIORITIES),
            "assigned_to": "",
            "assignment_group": "L1",
            "company": rng.choice(("acme", "globex", "initech")),
            "u_tier": rng.choice(("Gold", "Platinum", "Standard")),
            "u_root_cause": "",
            "short_description": f"Ticket {number}, with a comma",
        }
        at = _unambiguous(at)
        history = [(at, dict(values))]
        for _ in range(rng.randint(0, updates)):
            at = _unambiguous(at + timedelta(minutes=rng.randint(1, 60 * 30)))
            change = rng.choice(("state", "priority", "assigned_to", "assignment_group", "rc"))
            if change == "state":
                values["state"] = rng.choice(STATES)
            elif change == "priority":
                values["priority"] = rng.choice(PRIORITIES)
            elif change == "assigned_to":
                values["assigned_to"] = rng.choice(PEOPLE)
            elif change == "assignment_group":
                values["assignment_group"] = rng.choice(GROUPS)
            else:
                values["u_root_cause"] = rng.choice(("", "config", "bug"))
            history.append((at, dict(values)))
        truth[record] = [(t, {k: v or None for k, v in snap.items()}) for t, snap in history]
        for t, snap in history:
            local = t.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S")
            lines.append([record, local, *(snap[name] for name in HEADER[2:])])
    duplicates = [rng.choice(lines) for _ in range(int(len(lines) * duplicate_share))]
    lines.extend(duplicates)
    rng.shuffle(lines)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(HEADER)
    writer.writerows(lines)
    return Export(out.getvalue(), len(lines), len(duplicates), truth)
