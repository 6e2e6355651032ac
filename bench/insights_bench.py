"""Benchmark: breach risk and sentiment, each figure beside its baseline from the same run.

    .venv/bin/python bench/insights_bench.py [--cases 600] [--closed 100000] [--open 100000]
                                             [--comments 20000] [--seed 7]

1. **Honest evaluation on the demo history**: the demo (``--cases`` cases over four months,
   seeded) is loaded into a fresh SQLite file; the model is trained on the earlier 75 % of the
   history's time span and tested on records begun after it. ROC AUC, average precision and
   Brier score at the start of each milestone, at 50 % of its target, at the warning (75 %) and
   over the three together, for the model, the elapsed share of the target and Kaplan-Meier per
   definition. Also the wall time of the whole training (samples taken from timelines by
   re-evaluating them as of each instant, then the fit).
2. **Training time for ``--closed`` closed milestones**: the fit alone (Kaplan-Meier curves and
   the calibrated regression) on synthetic samples, three per milestone, CPU seconds.
3. **Scoring ``--open`` open milestones**: as-of features from each record's timeline (nine
   events, stored sentiment scores) and the model, CPU seconds; target under 10 s on one core.
   Baselines: the elapsed share and the Kaplan-Meier lookup for the same snapshots.
4. **Sentiment throughput**: comments per second through ``comment_sentiment`` (quoted text
   stripped, VADER, the driving words), beside VADER's bare ``polarity_scores`` on the same
   texts.
5. **Highest risk first over the whole queue** (``--queue`` open cases, three open milestones
   each, written straight to a SQLite store as ``ingest_bench`` does, each with a stored risk):
   the board's top 300 by stored risk (``queue_by_risk``), beside the board's default order
   (soonest deadline, ``milestone_queue``) in the same run; p50 and p95 of ``--queries``
   reads. And on the demo store with its model: how many changed records a worker pass scores
   and stores per second (``refresh_changed``, 200 a pass).

Timelines are generated before timing, in chunks; CPU time of this process is what is timed.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from caseclock.cli.insights_cmd import print_evaluation
from caseclock.core.events import Event, EventType
from caseclock.core.insights.features import (
    NUMERIC,
    Features,
    Snapshot,
    cue_counts,
    features,
)
from caseclock.core.insights.risk import RiskModel, km_breach, score
from caseclock.core.insights.sentiment import _analyzer, comment_sentiment
from caseclock.demo import comments
from caseclock.demo.generator import generate
from caseclock.demo.loader import load_demo
from caseclock.document_files import load_bundle
from caseclock.services.at_risk import QueueFilter, milestone_queue
from caseclock.services.firing import SYSTEM
from caseclock.services.insights.changes import note_changed
from caseclock.services.insights.fitting import fit_model, km_curves
from caseclock.services.insights.history import Sample
from caseclock.services.insights.stored_risk import (
    forget_changes,
    queue_by_risk,
    refresh_changed,
)
from caseclock.services.insights.training import train
from caseclock.store import migrate
from caseclock.store.database import make_engine, make_session_factory
from caseclock.store.models import MilestoneRiskRow, MilestoneRow
from caseclock.store.repositories.insights import ClosedMilestone
from ingest_bench import (
    DEFAULT_PG,
    analyze,
    fill_queue,
    postgres_engine,
    sqlite_engine,
)

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
DEFINITIONS = ("first_response", "resolution", "status_update", "root_cause")
TIERS = ("Platinum", "Gold", "Standard")
CHUNK = 10_000
QUOTE = "On Mon, 2 Nov 2026, Ana <ana@example.com> wrote:"


def _cpu() -> float:
    return time.process_time()


def demo_evaluation(cases: int, seed: int) -> RiskModel:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            data = generate(now=NOW, cases=cases, seed=seed)
            load_demo(session, load_bundle(ROOT / "examples/policies/b2b.yaml"), data, now=NOW)
            session.commit()
            started = time.perf_counter()
            trained = train(session, now=NOW)
            took = time.perf_counter() - started
            session.commit()
        worker_pass_rate(factory)
        engine.dispose()
    print(f"\n== 1. demo history ({cases} cases, seed {seed}): model vs baselines, time split")
    print_evaluation(trained.evaluation)
    closed = trained.evaluation["train_milestones"] + trained.evaluation["test_milestones"]
    print(f"\ntraining and evaluation took {took:.1f} s wall for {closed} closed milestones")
    return trained.model


def _synthetic_features(rng: random.Random, share: float) -> tuple[Features, bool]:
    numeric = {name: rng.random() for name in NUMERIC}
    numeric["share"] = share
    categorical = {
        "definition": rng.choice(DEFINITIONS),
        "tier": rng.choice(TIERS),
        "team": rng.choice(("L1", "L2")),
    }
    pull = 2.5 * share + 1.5 * numeric["sentiment_fall"] - 2.0
    breached = rng.random() < 1 / (1 + pow(2.718281828, -pull))
    return Features(numeric, categorical, 0.0, 0), breached


def training_time(closed: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    milestones, samples = [], []
    for n in range(closed):
        began = start + timedelta(minutes=n)
        breached_any = False
        for share in (0.0, 0.5, 0.75):
            feats, breached = _synthetic_features(rng, share)
            breached_any = breached_any or breached
            key = feats.categorical["definition"]
            at = began + timedelta(hours=share)
            samples.append(Sample(f"R{n}", key, share, at, feats, breached))
        elapsed = rng.uniform(0.1, 1.6)
        milestones.append(
            ClosedMilestone(
                f"R{n}",
                key,
                1,
                "completed",
                None,
                "calendar",
                began,
                began + timedelta(hours=elapsed),
                3600.0,
                3600.0 * elapsed,
                breached_any,
                "p",
                1,
                None,
            )
        )
    cpu = _cpu()
    curves = km_curves(milestones)
    km_took = _cpu() - cpu
    history = dict.fromkeys(DEFINITIONS, closed)
    fit_model(samples, curves, history, 30)
    took = _cpu() - cpu
    print(f"\n== 2. training on {closed:,} closed milestones ({len(samples):,} samples)")
    print(
        f"Kaplan-Meier curves {km_took:.2f} s CPU; with the calibrated regression {took:.2f} s CPU"
    )


def _open_chunk(
    rng: random.Random, first: int, count: int
) -> Iterator[tuple[Snapshot, list[Event], dict[str, float], dict[str, int]]]:
    base = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for n in range(first, first + count):
        record = f"C{n}"
        at = base + timedelta(minutes=rng.randint(0, 20000))
        kinds: list[tuple[EventType, dict[str, Any]]] = [
            (
                EventType.CREATED,
                {"type": "case", "priority": "P2", "tier": rng.choice(TIERS), "status": "New"},
            ),
            (
                EventType.COMMENT,
                {"public": True, "author_role": "customer", "body": rng.choice(comments.REPORTS)},
            ),
            (EventType.OWNER, {"owner": "ana", "team": "L1"}),
            (
                EventType.COMMENT,
                {"public": True, "author_role": "agent", "body": rng.choice(comments.ASKS)},
            ),
            (EventType.STATUS, {"status": "Waiting for Customer"}),
            (
                EventType.COMMENT,
                {"public": True, "author_role": "customer", "body": rng.choice(comments.ANSWERS)},
            ),
            (EventType.STATUS, {"status": "Investigating"}),
            (EventType.OWNER, {"owner": "eli", "team": "L2"}),
            (
                EventType.COMMENT,
                {"public": True, "author_role": "customer", "body": rng.choice(comments.CHASERS)},
            ),
        ]
        events = []
        for index, (kind, data) in enumerate(kinds):
            events.append(
                Event.model_construct(
                    id=f"{record}-{index}", record=record, type=kind, at=at, data=data
                )
            )
            at += timedelta(minutes=rng.randint(5, 300))
        scores = {
            e.id: rng.uniform(-1, 1) for e in events if e.data.get("author_role") == "customer"
        }
        target = 8 * 3600.0
        elapsed = rng.uniform(0, target)
        snap = Snapshot(
            rng.choice(DEFINITIONS), 1, at, events[0].at, target, elapsed, target - elapsed, False
        )
        yield snap, events, scores, cue_counts(events)  # as stored at ingestion


def scoring_time(model: RiskModel, count: int, seed: int) -> None:
    rng = random.Random(seed)
    model_s = share_s = km_s = 0.0
    scored = 0
    for first in range(0, count, CHUNK):
        chunk = list(_open_chunk(rng, first, min(CHUNK, count - first)))
        cpu = _cpu()
        for snap, events, scores, cues in chunk:
            feats = features(snap, events, scores=scores, cues=cues, backlog=5)
            if score(model, feats).probability is not None:
                scored += 1
        model_s += _cpu() - cpu
        cpu = _cpu()
        shares = [min(1.0, item[0].share) for item in chunk]
        share_s += _cpu() - cpu
        cpu = _cpu()
        for snap, *_rest in chunk:
            curve = model.km.get(snap.key)
            if curve:
                km_breach(curve, snap.share)
        km_s += _cpu() - cpu
        del shares
    print(f"\n== 3. scoring {count:,} open milestones ({scored:,} with enough history)")
    print(f"{'method':<32}{'CPU s':>9}{'milestones/s':>15}")
    for name, took in (
        ("model (features + score)", model_s),
        ("elapsed share", share_s),
        ("Kaplan-Meier lookup", km_s),
    ):
        print(f"{name:<32}{took:>9.2f}{count / max(took, 1e-9):>15,.0f}")
    met = model_s * 100_000 / count < 10
    print(f"target: under 10 s for 100,000 on one core: {'met' if met else 'NOT met'}")


def worker_pass_rate(factory: Any) -> None:
    """Records scored and stored per second by the worker's passes over changed records."""
    with factory() as session:
        open_records = sorted(
            {
                row.record_id
                for row in session.scalars(select(MilestoneRow).where(MilestoneRow.is_open))
            }
        )
        note_changed(session, open_records, NOW)
        session.commit()
    started, done, stored = time.perf_counter(), 0, 0
    while True:
        with factory() as session:
            records, taken = refresh_changed(session, NOW)
            if not records:
                break
            forget_changes(session, taken)
            session.commit()
            done += len(records)
        with factory() as session:
            stored = int(session.scalar(select(func.count()).select_from(MilestoneRiskRow)) or 0)
    took = time.perf_counter() - started
    print(
        f"\nworker passes over {done} changed records ({stored} open milestones stored): "
        f"{took:.1f} s wall, {done / max(took, 1e-9):,.0f} records/s"
    )


def _timed(read: Any, count: int) -> tuple[float, float]:
    timings = []
    read()
    for _ in range(count):
        started = time.perf_counter()
        read()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return timings[len(timings) // 2], timings[min(len(timings) - 1, int(0.95 * len(timings)))]


def queue_by_risk_time(cases: int, queries: int, pg_url: str | None) -> None:
    """The board's top 300 by stored risk beside its default order, on ``cases`` open cases,
    on SQLite and (when reachable) PostgreSQL."""
    # importing ingest_bench put the repository on the path, so tests.pg_schemas is found
    from tests.pg_schemas import ServerUnreachable  # noqa: PLC0415

    _queue_on("SQLite", sqlite_engine(), cases, queries)
    if pg_url:
        try:
            _queue_on("PostgreSQL", postgres_engine(pg_url), cases, queries)
        except ServerUnreachable as exc:
            print(f"PostgreSQL: unreachable ({exc})")


def _queue_on(name: str, engines: Any, cases: int, queries: int) -> None:
    with engines as engine:
        migrate.upgrade(engine)
        fill_queue(engine, 0, cases)
        rng = random.Random(5)
        with engine.begin() as connection:
            ids = [
                row[0]
                for row in connection.execute(select(MilestoneRow.id, MilestoneRow.record_id))
            ]
            records = dict(
                connection.execute(select(MilestoneRow.id, MilestoneRow.record_id)).all()
            )
            connection.execute(
                insert(MilestoneRiskRow),
                [
                    {
                        "milestone_id": i,
                        "record_id": records[i],
                        "probability": rng.random() if rng.random() > 0.1 else None,
                        "status": "scored",
                        "reasons": [],
                        "model_id": 1,
                        "scored_at": NOW,
                    }
                    for i in ids
                ],
            )
        analyze(engine)
        factory = make_session_factory(engine)
        where = QueueFilter(open_only=True)
        yellow = timedelta(minutes=15)
        with factory() as session:
            by_risk = _timed(
                lambda: queue_by_risk(
                    session, where, SYSTEM, now=NOW, limit=300, yellow_within=yellow
                ),
                queries,
            )
            session.execute(update(MilestoneRiskRow).values(probability=None))
            unscored = _timed(
                lambda: queue_by_risk(
                    session, where, SYSTEM, now=NOW, limit=300, yellow_within=yellow
                ),
                queries,
            )
            session.rollback()
            by_deadline = _timed(
                lambda: milestone_queue(
                    session, where, SYSTEM, now=NOW, limit=300, offset=0, yellow_within=yellow
                ),
                queries,
            )
    print(f"\n== 5. the board's top 300 of {len(ids):,} open milestones ({cases:,} cases), {name}")
    print(f"{'order':<44}{'p50 ms':>9}{'p95 ms':>9}")
    for order, (p50, p95) in (
        ("highest stored risk first (whole queue)", by_risk),
        ("the same before any figure (no model yet)", unscored),
        ("soonest deadline first (the default)", by_deadline),
    ):
        print(f"{order:<44}{p50:>9.1f}{p95:>9.1f}")


def sentiment_throughput(count: int, seed: int) -> None:
    rng = random.Random(seed)
    pool = [
        *comments.REPORTS,
        *comments.URGENT_REPORTS,
        *comments.ANSWERS,
        *comments.IMPATIENT_ANSWERS,
        *comments.CHASERS,
        *comments.THANKS,
        *comments.GRUDGING,
    ]
    texts = [f"{rng.choice(pool)}\n\n{QUOTE}\n> {rng.choice(comments.ASKS)}" for _ in range(count)]
    analyzer = _analyzer()
    cpu = _cpu()
    for text in texts:
        comment_sentiment(text)
    ours = _cpu() - cpu
    cpu = _cpu()
    for text in texts:
        analyzer.polarity_scores(text)
    bare = _cpu() - cpu
    print(f"\n== 4. sentiment of {count:,} customer comments (each with a quoted reply)")
    print(f"comment_sentiment (strip, score, drivers): {count / ours:,.0f} comments/s")
    print(f"VADER polarity_scores on the whole text:  {count / bare:,.0f} comments/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queue", type=int, default=20_000, help="open cases for part 5")
    parser.add_argument("--queries", type=int, default=50, help="reads timed per order")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    model = demo_evaluation(args.cases, args.seed)
    training_time(args.closed, args.seed)
    scoring_time(model, args.open, args.seed)
    sentiment_throughput(args.comments, args.seed)
    queue_by_risk_time(args.queue, args.queries, args.pg_url)
    print(f"\nload average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
