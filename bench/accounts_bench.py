"""Customer-milestones benchmark: a 10-milestone plan applied to 10,000 accounts, and the
accounts list by lifecycle phase and renewal window at 10,000 accounts.

    .venv/bin/python bench/accounts_bench.py            # 10,000 accounts
    .venv/bin/python bench/accounts_bench.py --quick    # 2,000

Each run gets a schema of its own (PostgreSQL, CASECLOCK_TEST_DATABASE_URL or --pg-url, with
random_page_cost = 1.1 as the README recommends), migrated; the accounts are written straight
to the store (start dates over the last three years, renewals over the next one).

Timed, in the same run:

* **apply**: ``services.plans.apply_to_accounts`` with a 10-milestone plan (dependencies, two
  tasks each, reminders, working-day offsets, a pinned renewal) to every account, 250 accounts
  per transaction, their rows and timers on the engine included; then the lifecycle plan
  (four phases) the same way. **Baseline**: the same
  10 milestones made one by one through ``create_milestone`` (the path of the API's "+ milestone",
  each with its checks and its own reminder and pin upkeep) on 200 accounts, per account.
* **list**: the accounts list as the API calls it (``segment_page``: a page of 50 with each
  account's phase and the segment's size, one statement) for "in adoption", "renewing in the
  next 60 days", both, and neither; p50 and p95 over ``--repeats``. Beside it, the console's
  accounts page (``console.account_view.accounts``: the whole segment, most overdue first),
  a third as many times; it has no target of its own. **Baseline**: the same
  segment the obvious way: read every account and every lifecycle milestone, place each
  account with ``core.milestone_status.phase_at`` and filter in Python (three times each);
  the run says whether both found the same accounts.

The load average is printed with the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.pg_schemas
from tests.pg_schemas import ServerUnreachable

from caseclock.console.account_view import accounts
from caseclock.console.auth import ConsoleUser
from caseclock.core.account_plans import parse_plan
from caseclock.core.milestone_status import phase_at, phase_spans
from caseclock.services.access import Principal, Role
from caseclock.services.account_milestones import MilestoneInput, create_milestone
from caseclock.services.accounts import AccountQuery, segment_page
from caseclock.services.plans import apply_to_accounts, plan_named
from caseclock.store import migrate
from caseclock.store.database import SessionFactory, make_session_factory
from caseclock.store.models import AccountMilestoneRow, AccountRow
from ingest_bench import postgres_engine, timed
from ingest_bench import quantile as p

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
TARGET_MS = 100.0
PER_TRANSACTION = 250
BASELINE_ACCOUNTS = 200
ADMIN = Principal(key_id=0, name="bench", role=Role.ADMIN)
TEN = parse_plan(
    """
key: rollout
name: Ten-step rollout
milestones:
  - {key: m1, name: Contract signed, due: {offset: 5bd}, tasks: [{title: a}, {title: b}],
     reminders: {before: [2d]}}
  - {key: m2, name: Kick-off, starts_after: m1, due: {offset: 5bd}, tasks: [{title: a}]}
  - {key: m3, name: Workspace, starts_after: m2, due: {offset: 10bd}, tasks: [{title: a}]}
  - {key: m4, name: Integrations, starts_after: m3, due: {offset: 15bd},
     tasks: [{title: a}, {title: b}], reminders: {before: [1w], repeat: 1w}}
  - {key: m5, name: Data import, starts_after: m3, due: {offset: 20bd}, tasks: [{title: a}]}
  - {key: m6, name: Training, starts_after: m5, due: {offset: 10bd}, tasks: [{title: a}]}
  - {key: m7, name: Go-live, starts_after: m6, due: {offset: 5bd}, pin: go-live,
     move_off_closed: true, tasks: [{title: a}, {title: b}], reminders: {before: [1w, 2d]}}
  - {key: m8, name: First review, due: {after: m7, offset: 30d}, tasks: [{title: a}, {title: b}]}
  - {key: m9, name: Quarterly review, due: {offset: 6mo}, tasks: [{title: a}, {title: b}]}
  - {key: m10, name: Renewal, due: {offset: 1y}, pin: renewal, every: 1y,
     tasks: [{title: a}, {title: b}], reminders: {before: [2mo, 1mo, 15d, 1w], repeat: 1w}}
"""
)


def fill(engine: Engine, count: int, prefix: str) -> list[str]:
    rng = random.Random(count)
    rows: list[dict[str, Any]] = [
        {
            "id": f"{prefix}{n:05d}",
            "name": f"Customer {n}",
            "tier": ("Platinum", "Gold", "Standard")[n % 3],
            "region": "us-east",
            "start_date": TODAY - timedelta(days=rng.randint(1, 1100)),
            "renewal_date": TODAY + timedelta(days=rng.randint(1, 365)),
            "fields": {},
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(cast(Table, AccountRow.__table__)), rows)
    return [str(r["id"]) for r in rows]


def apply_all(factory: SessionFactory, ids: list[str], plan_key: str | None) -> float:
    """Seconds to apply the plan (``None``: the ten-step one) to every account."""
    if plan_key is None:
        plan = TEN
    else:
        with factory() as session:
            plan = plan_named(session, plan_key)
    started = time.perf_counter()
    for at in range(0, len(ids), PER_TRANSACTION):
        with factory() as session:
            accounts = session.scalars(
                select(AccountRow).where(AccountRow.id.in_(ids[at : at + PER_TRANSACTION]))
            ).all()
            apply_to_accounts(session, accounts, plan, actor="bench", now=NOW)
            session.commit()
    return time.perf_counter() - started


def one_by_one(factory: SessionFactory, ids: list[str]) -> float:
    """Seconds to make the ten milestones by hand on every account (the baseline)."""
    started = time.perf_counter()
    for account in ids:
        with factory() as session:
            made: dict[str, int] = {}
            for m in TEN.milestones:
                after = made.get(m.due.after or m.starts_after or "", "start")
                data = MilestoneInput(
                    name=m.name,
                    due_on=m.due.on,
                    offset=m.due.offset,
                    after=after if m.due.offset is not None else None,
                    starts_after=made.get(m.starts_after or ""),
                    reminders=m.reminders.model_dump(mode="json"),
                    pin=m.pin,
                    every=m.every,
                    move_off_closed=m.move_off_closed,
                )
                made[m.key] = create_milestone(session, account, data, ADMIN, now=NOW).id
            session.commit()
    return time.perf_counter() - started


SEGMENTS = {
    "in adoption": AccountQuery(today=TODAY, phase="adoption"),
    "renewing in 60 days": AccountQuery(today=TODAY, renewal_within=60),
    "in retention, renewing in 60 days": AccountQuery(
        today=TODAY, phase="retention", renewal_within=60
    ),
    "every account": AccountQuery(today=TODAY),
}


def listing(factory: SessionFactory, query: AccountQuery) -> tuple[int, int]:
    with factory() as session:
        page = segment_page(session, query, ADMIN, limit=50)
        return len(page.accounts), page.total


CONSOLE_USER = ConsoleUser(principal=ADMIN, me="bench", teams=(), zone=ZoneInfo("UTC"))


def console_list(factory: SessionFactory, query: AccountQuery) -> int:
    """The console's accounts page: the whole segment with each account's phase and its open
    and overdue milestones, the most overdue first."""
    with factory() as session:
        return accounts(session, CONSOLE_USER, query, now=NOW).total


def naive(factory: SessionFactory, query: AccountQuery) -> tuple[int, int]:
    """Every account and lifecycle milestone read, phases placed in Python, then filtered."""
    with factory() as session:
        accounts = session.scalars(select(AccountRow).order_by(AccountRow.id)).all()
        lifecycle: dict[str, list[tuple[str, date]]] = {}
        for row in session.scalars(
            select(AccountMilestoneRow)
            .where(AccountMilestoneRow.phase.is_not(None))
            .order_by(AccountMilestoneRow.due_on, AccountMilestoneRow.id)
        ):
            lifecycle.setdefault(row.account_id, []).append((row.phase or "", row.due_on))
    until = None if query.renewal_within is None else TODAY + timedelta(days=query.renewal_within)
    kept = []
    for account in accounts:
        if until is not None and not (
            account.renewal_date is not None and TODAY <= account.renewal_date <= until
        ):
            continue
        if query.phase is not None:
            spans = phase_spans(account.start_date or TODAY, lifecycle.get(account.id, []))
            if phase_at(spans, TODAY) != query.phase:
                continue
        kept.append(account)
    return min(50, len(kept)), len(kept)


def run(engine: Engine, count: int, repeats: int) -> dict[str, Any]:
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    ids = fill(engine, count, "acct")
    baseline_ids = fill(engine, BASELINE_ACCOUNTS, "base")
    apply_s = apply_all(factory, ids, None)
    baseline_s = one_by_one(factory, baseline_ids)
    lifecycle_s = apply_all(factory, ids, "lifecycle")
    with engine.connect() as connection:  # as autovacuum leaves a live installation's tables
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    with engine.begin() as connection:
        milestones = connection.execute(text("SELECT count(*) FROM account_milestones")).scalar()
    lists = {}
    for name, query in SEGMENTS.items():
        listing(factory, query)  # warm: plans cached, pages in memory, as on a live server
        shown = listing(factory, query)
        lists[name] = {
            "total": shown[1],
            "list": timed(repeats, lambda q=query: listing(factory, q)),  # type: ignore[misc]
            "baseline": timed(3, lambda q=query: naive(factory, q)),  # type: ignore[misc]
            "console": timed(
                max(3, repeats // 3),
                lambda q=query: console_list(factory, q),  # type: ignore[misc]
            ),
            "agrees": naive(factory, query)[1] == shown[1],
        }
    return {
        "apply_s": apply_s,
        "baseline_per_account_ms": baseline_s / BASELINE_ACCOUNTS * 1000,
        "lifecycle_s": lifecycle_s,
        "milestones": milestones,
        "lists": lists,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 accounts")
    parser.add_argument("--accounts", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument(
        "--pg-url", default=os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    count = args.accounts or (2000 if args.quick else 10_000)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    try:
        with postgres_engine(args.pg_url) as engine:
            found = run(engine, count, args.repeats)
    except ServerUnreachable as exc:
        sys.exit(f"accounts_bench: {exc}")
    per_account = found["apply_s"] / count * 1000
    print(
        f"\napply the 10-milestone plan to {count:,} accounts: {found['apply_s']:.1f} s"
        f" ({per_account:.2f} ms per account, {count * 10 / found['apply_s']:,.0f} milestones/s)"
    )
    print(
        f"  baseline, the same 10 made one by one on {BASELINE_ACCOUNTS} accounts:"
        f" {found['baseline_per_account_ms']:.2f} ms per account"
    )
    lifecycle = found["lifecycle_s"]
    print(f"apply the lifecycle plan (4 milestones) to {count:,} accounts: {lifecycle:.1f} s")
    print(f"account_milestones rows: {found['milestones']:,}\n")
    print(f"accounts list at {count:,} accounts (page of 50 + count), ms:")
    print(f"{'segment':<36} {'total':>6} {'p50':>8} {'p95':>8} {'base p50':>9} {'base p95':>9}")
    for name, figures in found["lists"].items():
        ours, base = figures["list"], figures["baseline"]
        print(
            f"{name:<36} {figures['total']:>6} {p(ours, 0.5):>8.1f} {p(ours, 0.95):>8.1f}"
            f" {p(base, 0.5):>9.1f} {p(base, 0.95):>9.1f}"
            f"{'' if figures['agrees'] else '  (baseline disagrees!)'}"
        )
    worst = max(p(f["list"], 0.95) for f in found["lists"].values())
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(f"\ntarget p95 < {TARGET_MS:.0f} ms: {verdict} (worst p95 {worst:.1f} ms)")
    print("\nthe console's accounts page (the whole segment, phases, open and overdue), ms:")
    print(f"{'segment':<36} {'p50':>8} {'p95':>8}")
    for name, figures in found["lists"].items():
        page = figures["console"]
        print(f"{name:<36} {p(page, 0.5):>8.1f} {p(page, 0.95):>8.1f}")
    print(f"load average at end: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
