"""Milestone review benchmark: one team's review over a period holding 100,000 of its milestones.

    .venv/bin/python bench/review_bench.py            # 100,000 milestones of team L2 in the week
    .venv/bin/python bench/review_bench.py --quick    # 20,000

Team L2 has 50 members. Its week (Monday 08:00 to now, Friday 15:00 UTC) holds ``--milestones``
milestone rows of team L2 on a third as many records (first response, assignment, resolution):
completed on time and late, open and running, past their deadline, paused by an override, on
records quiet for days; as many again belong to team L1 (what the review must not read). Two
records in five have a satisfaction answer (the review's CSAT beside compliance). L2 has its
own schedule: daily for the Platinum tier and 20 accounts. Rows are written straight to the
store, then ANALYZE (autovacuum's statistics on a live database).

Timed, in the same run:

* **review**: ``services.reviews.build_review`` as the page and the digest call it (six sections
  of 25 items with their counts, compliance and CSAT of the week and of the week before, pause
  holders, marks), repeated; p50 and p95.
* **daily review**: the same for L2's high-priority review (the Platinum tier or 20 accounts).
* **baseline**: what the same figures cost through the reports' path: ``ReportRepository
  .outcomes`` reads the week's rows of every team, then Python keeps L2's and counts them with
  ``core.compliance`` (the compliance report's way), for the week and the week before.

PostgreSQL only (the target is PostgreSQL's), in a schema of its own on
CASECLOCK_TEST_DATABASE_URL or --pg-url, with random_page_cost = 1.1 as the README recommends.
The load average is printed with the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.pg_schemas
from tests.pg_schemas import ServerUnreachable

from caseclock.core.compliance import compliance
from caseclock.core.review import Cadence
from caseclock.services.csat import csat_of
from caseclock.services.reports import _as_milestone
from caseclock.services.reviews import ReviewOptions, build_review
from caseclock.store import migrate
from caseclock.store.database import make_session_factory
from caseclock.store.models import (
    CsatRow,
    EventRow,
    MilestoneRow,
    RecordRow,
    ReviewScheduleRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
)
from caseclock.store.repositories.csat import CsatFilter
from caseclock.store.repositories.reports import ReportRepository
from ingest_bench import postgres_engine, timed
from ingest_bench import quantile as p

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 3, 13, 15, 0, tzinfo=UTC)  # a Friday; the week began Monday 08:00 UTC
WEEK_START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
OPTIONS = ReviewOptions(weekday=0, hour=8, stalled_days=3, time_zone="UTC")
TARGET_MS = 1000.0
MEMBERS = 50
KEYS = (("first_response", 4), ("assignment", 2), ("resolution", 24))


def _people(engine: Engine) -> None:
    with engine.begin() as connection:
        teams = connection.execute(
            insert(cast(Table, TeamRow.__table__)).returning(TeamRow.id),
            [{"name": n, "created_at": NOW, "updated_at": NOW} for n in ("L1", "L2")],
        ).scalars()
        l2 = list(teams)[1]
        users = [
            {
                "handle": f"agent{i}",
                "display_name": f"Agent {i}",
                "email": f"agent{i}@example.com",
                "time_zone": "UTC",
                "role": "lead" if i == 0 else "agent",
                "active": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(MEMBERS)
        ]
        ids = connection.execute(
            insert(cast(Table, UserRow.__table__)).returning(UserRow.id), users
        ).scalars()
        connection.execute(
            insert(cast(Table, TeamMemberRow.__table__)),
            [{"team_id": l2, "user_id": u, "lead": n == 0} for n, u in enumerate(ids)],
        )


def _milestone(  # noqa: PLR0917 (a row's parts, in the order they are told)
    rng: random.Random,
    record: str,
    key: str,
    hours: float,
    started: datetime,
    values: dict[str, Any],
) -> dict[str, Any]:
    deadline = started + timedelta(hours=hours)
    kind = rng.random()
    state, completed, late, violated = "running", None, None, None
    if kind < 0.55:  # completed, mostly on time
        done = started + timedelta(hours=hours * rng.uniform(0.2, 1.4))
        if done < NOW:
            state, completed, late = "completed", done, done > deadline
            violated = deadline if late else None
    elif kind < 0.62:
        state = "paused"
    elif deadline <= NOW and rng.random() < 0.98:  # evaluated since its deadline came
        state, violated = "violated", deadline
    # else running, past its deadline or not: not evaluated since (the worker's next look)
    return {
        "record_id": record,
        "key": key,
        "cycle": 1,
        "name": key.replace("_", " ").capitalize(),
        "state": state,
        "is_open": state != "completed",
        "calendar": "always",
        "started_at": started,
        "deadline": deadline,
        "warning_at": deadline - timedelta(hours=hours / 4),
        "completed_at": completed,
        "target_seconds": hours * 3600.0,
        "elapsed_seconds": 0.0,
        "paused_seconds": rng.uniform(0, 3600.0) if state == "paused" else 0.0,
        "remaining_seconds": hours * 3600.0,
        "late": late,
        "violated_at": violated,
        "timers": [],
        "next_timer_at": None if state == "completed" else deadline,
        "next_timer_kind": None if state == "completed" else "violation",
        "evaluated_at": NOW,
        "digest": "",
        **values,
    }


def fill(engine: Engine, per_team: int) -> None:
    """``per_team`` milestone rows of L2 in the week (and the week before's tail), as many of
    L1; every paused record has the override that paused it."""
    rng = random.Random(7)
    chunk = 3000
    records_per_team = per_team // len(KEYS)
    for team in ("L2", "L1"):
        for start in range(0, records_per_team, chunk):
            records, milestones, events, answers = [], [], [], []
            for i in range(start, min(records_per_team, start + chunk)):
                record = f"{team}-{i}"
                created = WEEK_START + (NOW - WEEK_START) * rng.random()
                quiet = rng.random() < 0.1
                touched = (
                    created if quiet else min(NOW, created + timedelta(hours=rng.uniform(0, 30)))
                )
                owner = None if rng.random() < 0.05 else f"agent{rng.randrange(MEMBERS)}"
                account = f"acct-{rng.randrange(400)}"
                records.append(
                    {
                        "id": record,
                        "type": "case",
                        "status": "New",
                        "priority": "P3",
                        "owner": owner,
                        "team": team,
                        "account_id": account,
                        "tier": rng.choice(("Platinum", "Gold", "Standard")),
                        "fields": {"subject": f"Case {record}"},
                        "is_closed": False,
                        "process_key": "support",
                        "process_version": 1,
                        "created_at": created,
                        "updated_at": touched,
                        "received_at": created,
                        "event_count": 1,
                    }
                )
                if rng.random() < 0.4:
                    score = rng.choice((1, 2, 3, 4, 4, 5, 5, 5))
                    answers.append(
                        {
                            "record_id": record,
                            "event_id": f"{record}-csat",
                            "answered_at": min(NOW, touched + timedelta(minutes=5)),
                            "score": score,
                            "scale": 5,
                            "satisfied": score >= 4,
                            "share": (score - 1) / 4,
                            "milestone": "resolution",
                            "team": team,
                            "owner": owner,
                            "tier": records[-1]["tier"],
                            "account_id": account,
                            "source": "api",
                        }
                    )
                for key, hours in KEYS:
                    row = _milestone(
                        rng,
                        record,
                        key,
                        hours * rng.uniform(0.5, 3),
                        created,
                        {"owner": owner, "team": team, "account_id": account},
                    )
                    milestones.append(row)
                    if row["state"] == "paused":
                        events.append(
                            {
                                "record_id": record,
                                "event_id": f"{record}-{key}-pause",
                                "type": "override",
                                "occurred_at": created,
                                "received_at": created,
                                "source": "api",
                                "actor": "service:helpdesk",
                                "data": {
                                    "milestone": key,
                                    "pause": True,
                                    "by": f"agent{rng.randrange(MEMBERS)}",
                                    "reason": "waiting for the customer's logs",
                                },
                            }
                        )
            with engine.begin() as connection:
                connection.execute(insert(cast(Table, RecordRow.__table__)), records)
                connection.execute(insert(cast(Table, MilestoneRow.__table__)), milestones)
                if events:
                    connection.execute(insert(cast(Table, EventRow.__table__)), events)
                if answers:
                    connection.execute(insert(cast(Table, CsatRow.__table__)), answers)
    with engine.begin() as connection:
        schedule = {
            "team": "L2",
            "daily_tiers": ["Platinum"],
            "daily_accounts": [f"acct-{n}" for n in range(20)],
            "updated_by": "bench",
            "updated_at": NOW,
        }
        connection.execute(insert(cast(Table, ReviewScheduleRow.__table__)), [schedule])
        connection.execute(text("ANALYZE"))


def run(engine: Engine, per_team: int, repeats: int) -> dict[str, Any]:
    migrate.upgrade(engine)
    _people(engine)
    started = time.perf_counter()
    fill(engine, per_team)
    loaded = time.perf_counter() - started
    factory = make_session_factory(engine)
    with engine.connect() as connection:
        in_week = connection.execute(
            text(
                "SELECT count(*) FROM milestones WHERE team = 'L2' AND"
                " (completed_at >= :s OR deadline >= :s OR violated_at >= :s)"
            ),
            {"s": WEEK_START},
        ).scalar_one()

    def review(cadence: Cadence = Cadence.WEEKLY) -> object:
        with factory() as session:
            return build_review(
                session, team="L2", cadence=cadence, accounts=None, options=OPTIONS, now=NOW
            )

    def daily() -> object:
        return review(Cadence.DAILY)

    def satisfaction() -> object:  # the review's CSAT part alone: this week and the one before
        with factory() as session:
            week = CsatFilter(WEEK_START, NOW, None, team="L2")
            before = replace(week, since=WEEK_START - timedelta(days=7), until=WEEK_START)
            return csat_of(session, week), csat_of(session, before)

    def baseline() -> object:
        with factory() as session:
            repo = ReportRepository(session)
            counts = []
            for since, until in ((WEEK_START, NOW), (WEEK_START - timedelta(days=7), WEEK_START)):
                rows = repo.outcomes(since=since, until=until, scope=None)
                counts.append(compliance(_as_milestone(r, until) for r in rows if r.team == "L2"))
            return counts

    review()  # warm: plans cached, pages in memory, as on a live server
    daily()
    baseline()
    shown = review()
    return {
        "in_week": in_week,
        "loaded_s": loaded,
        "review": timed(repeats, review),
        "daily": timed(repeats, daily),
        "csat": timed(repeats, satisfaction),
        "baseline": timed(max(3, repeats // 4), baseline),
        "sections": {s.key: s.total for s in shown.sections},  # type: ignore[attr-defined]
        "answers": shown.csat,  # type: ignore[attr-defined]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 milestones per team")
    parser.add_argument("--milestones", type=int, default=None, help="milestones per team")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    per_team = args.milestones or (20_000 if args.quick else 100_000)
    try:
        with postgres_engine(args.pg_url) as engine:
            found = run(engine, per_team, repeats=20)
    except ServerUnreachable as exc:
        print(f"PostgreSQL unreachable ({exc}); nothing measured")
        return
    load = os.getloadavg()
    review, baseline = found["review"], found["baseline"]
    print(f"team L2: {MEMBERS} members, {found['in_week']:,} of its milestones in the week")
    print(f"(as many of team L1 beside them; loaded in {found['loaded_s']:.0f} s)")
    print(f"sections: {found['sections']}")
    print(f"{'':34}{'p50 ms':>10}{'p95 ms':>10}")
    answers = found["answers"]
    print(f"CSAT of the week: {answers.satisfied:,} of {answers.answers:,} satisfied")
    print(f"{'review (build_review)':34}{p(review, 0.5):>10.0f}{p(review, 0.95):>10.0f}")
    daily = found["daily"]
    print(f"{'daily review (Platinum, 20 accts)':34}{p(daily, 0.5):>10.0f}{p(daily, 0.95):>10.0f}")
    part = found["csat"]
    print(f"{'  of which CSAT (2 periods)':34}{p(part, 0.5):>10.0f}{p(part, 0.95):>10.0f}")
    label = "baseline (reports path, 2 weeks)"
    print(f"{label:34}{p(baseline, 0.5):>10.0f}{p(baseline, 0.95):>10.0f}")
    verdict = "met" if p(review, 0.95) < TARGET_MS else "NOT met"
    print(f"target: the review under {TARGET_MS:.0f} ms at p95: {verdict}")
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
