"""Benchmark: evaluate generated case timelines with the shipped B2B policy.

    .venv/bin/python bench/evaluate_bench.py [--records 100000] [--baseline 200] [--seed 7]

Each generated case has about 20 events (creation, owner changes, public and internal comments,
customer waits, an L2 escalation, Investigating, a root cause, sometimes an override, closing)
and runs the 6 milestones a non-P1 Gold or Standard case has. The timelines are generated
before timing, in chunks; only ``evaluate`` is timed, in CPU seconds of this one process (so
waiting for a core does not count; other load still slows it through shared caches). The last
line compares the figure with the target, 5,000 records/s on one core (re-evaluating an
installation after a policy change takes seconds). The garbage collector is tuned as server
and worker processes tune it (``caseclock.collector``); ``--default-gc`` keeps CPython's
defaults.

Two baselines, printed alongside in the same run, on the first ``--baseline`` records (they are
slow): the same evaluator over the same timelines, with the calendar arithmetic (``add``,
``between``) done another way:

* businesstimedelta: the package a Python user would pick for business-hours arithmetic,
  configured with the same hours and holidays (``businesstime_baseline``), as the calendar
  benchmark compares it;
* minute stepping: asking "is this minute open?" once per minute, as SLA code without any
  interval arithmetic does.

Each baseline's milestones are compared with caseclock's on the same records.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from businesstime_baseline import BusinessTimeDeltaCalendar
from caseclock import collector
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.evaluate import evaluate
from caseclock.core.events import Event, EventType
from caseclock.core.instants import instant_us
from caseclock.core.milestones import Milestone
from caseclock.document_files import load_bundle

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = load_bundle(ROOT / "examples" / "policies" / "b2b.yaml")
START = datetime.fromisoformat("2026-01-05T09:00:00-05:00")
MINUTE = timedelta(minutes=1)
TARGET_PER_SECOND = 5_000  # re-evaluating an installation takes seconds
MICROSECOND = timedelta(microseconds=1)
CHUNK = 1000


class MinuteSteppingCalendar(BusinessCalendar):
    """The baseline's calendar: counts open time one minute at a time.

    The evaluator asks a calendar in microseconds (``add_us``, ``between_us``); both step
    through the calendar here, like ``add`` and ``between``.
    """

    def add(self, start: datetime, duration: timedelta) -> datetime:
        t, left = start.astimezone(UTC), duration  # step in UTC: real minutes across DST
        while not self.is_open(t):
            t += MINUTE
        while left > timedelta(0):
            if self.is_open(t):
                step = min(MINUTE, left)  # the last step may be part of a minute
                left -= step
                t += step
            else:
                t += MINUTE
        return t.astimezone(self.zone)

    def between(self, start: datetime, end: datetime) -> timedelta:
        t, total = start.astimezone(UTC), timedelta(0)
        while t < end:
            if self.is_open(t):
                total += MINUTE
            t += MINUTE
        return total

    def add_us(self, t: int, amount: int) -> int:
        return instant_us(self.add(self.local(t), timedelta(microseconds=amount)))

    def between_us(self, t0: int, t1: int) -> int:
        return self.between(self.local(t0), self.local(t1)) // MICROSECOND


class _Case:
    """Appends events to one record's timeline at increasing instants."""

    def __init__(self, record: str, rng: random.Random) -> None:
        self.record, self.rng = record, rng
        self.events: list[Event] = []
        day = rng.randrange(0, 300)
        self.at = START + timedelta(days=day, minutes=rng.randrange(0, 24 * 60))

    def add(self, kind: EventType, **data: Any) -> None:
        self.at += timedelta(minutes=self.rng.randrange(5, 600))
        ident = f"{self.record}-{len(self.events)}"
        self.events.append(
            Event.model_construct(id=ident, record=self.record, type=kind, at=self.at, data=data)
        )


def generate(record: str, rng: random.Random) -> list[Event]:
    """One case of about 20 events."""
    case = _Case(record, rng)
    case.add(
        EventType.CREATED,
        type="case",
        tier=rng.choice(["Gold", "Standard"]),
        priority=rng.choice(["P2", "P3"]),
        status="New",
        region=rng.choice(["us", "apac"]),
    )
    case.add(EventType.OWNER, owner="ana", team="L1")
    case.add(EventType.COMMENT, public=False, author_role="agent")
    case.add(EventType.COMMENT, public=True, author_role="agent")
    for _ in range(rng.randrange(1, 4)):
        case.add(EventType.STATUS, status="Waiting for Customer")
        case.add(EventType.COMMENT, public=True, author_role="customer")
        case.add(EventType.STATUS, status="In Progress")
    case.add(EventType.STATUS, status="Investigating")
    case.add(EventType.FIELD, field="l2_escalated", value=True)
    case.add(EventType.OWNER, owner="bo", team="L2")
    case.add(EventType.COMMENT, public=True, author_role="agent")
    if rng.random() < 0.3:
        case.add(EventType.OVERRIDE, milestone="resolution", extend="4h", by="lee", reason="asked")
    case.add(EventType.FIELD, field="root_cause", value="config")
    case.add(EventType.FIELD, field="l2_escalated", value=None)
    case.add(EventType.COMMENT, public=True, author_role="agent")
    while len(case.events) < 19:
        case.add(EventType.NOTE, body="working on it")
    if rng.random() < 0.7:
        case.add(EventType.CLOSED)
    return case.events


def chunks(total: int, rng: random.Random) -> Iterator[list[list[Event]]]:
    for first in range(0, total, CHUNK):
        yield [generate(f"C-{n}", rng) for n in range(first, min(first + CHUNK, total))]


def run(
    total: int,
    seed: int,
    calendars: Mapping[str, BusinessCalendar],
    kept: list[Milestone] | None = None,
) -> tuple[float, int, int]:
    """(CPU seconds spent in evaluate, events, milestones) over ``total`` generated cases;
    the milestones are appended to ``kept`` when given.

    Each case is evaluated two days after its last event (its open milestones still running).
    """
    rng = random.Random(seed)
    spent, events, milestones = 0.0, 0, 0
    for batch in chunks(total, rng):
        work = [
            (
                BUNDLE.processes["gold" if t[0].data["tier"] == "Gold" else "standard"],
                t,
                t[-1].at + timedelta(days=2),
            )
            for t in batch
        ]
        began = time.process_time()
        results = [evaluate(p, timeline, now, calendars=calendars) for p, timeline, now in work]
        spent += time.process_time() - began
        milestones += sum(len(r) for r in results)
        if kept is not None:
            kept.extend(m for r in results for m in r)
        events += sum(len(t) for t in batch)
    return spent, events, milestones


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=50, help="records for the baselines")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--default-gc", action="store_true", help="CPython's collector settings, not caseclock's"
    )
    args = parser.parse_args()
    if not args.default_gc:
        collector.tune()  # as a server or worker process does once started
    years = range(START.year - 1, START.year + 3)
    fast = {c.name: BusinessCalendar(c) for c in BUNDLE.calendars}
    library = {c.name: BusinessTimeDeltaCalendar(c, years) for c in BUNDLE.calendars}
    stepping = {c.name: MinuteSteppingCalendar(c) for c in BUNDLE.calendars}
    spent, events, milestones = run(args.records, args.seed, fast)
    checked: list[Milestone] = []
    check_spent, _, _ = run(args.baseline, args.seed, fast, checked)
    baselines = []
    for label, calendars in (
        ("baseline: businesstimedelta", library),
        ("baseline: minute stepping", stepping),
    ):
        theirs: list[Milestone] = []
        their_spent, _, _ = run(args.baseline, args.seed, calendars, theirs)
        same = sum(1 for a, b in zip(checked, theirs, strict=True) if a == b)
        baselines.append((label, their_spent, same))
    print(
        f"evaluate: {args.records:,} case timelines, {events / args.records:.1f} events and "
        f"{milestones / args.records:.1f} milestones each (B2B policy, gold and standard); "
        f"garbage collector: {'CPython defaults' if args.default_gc else 'tuned'}"
    )
    print(f"{'':<34}{'records':>10}{'seconds':>10}{'records/s':>12}{'slower':>10}")
    print(
        f"{'caseclock (interval arithmetic)':<34}{args.records:>10,}{spent:>10.2f}"
        f"{args.records / spent:>12,.0f}"
    )
    print(
        f"{'caseclock, the same subset':<34}{args.baseline:>10,}{check_spent:>10.2f}"
        f"{args.baseline / check_spent:>12,.0f}{'1x':>10}"
    )
    for label, their_spent, _ in baselines:
        print(
            f"{label:<34}{args.baseline:>10,}{their_spent:>10.2f}"
            f"{args.baseline / their_spent:>12,.0f}{their_spent / check_spent:>9,.0f}x"
        )
    for label, _, same in baselines:
        print(f"{label}: {same:,} of {len(checked):,} milestones identical to caseclock's")
    rate = args.records / spent
    verdict = "met" if rate >= TARGET_PER_SECOND else "not met"
    print(
        f"target {TARGET_PER_SECOND:,} records/s on one core: {verdict} "
        f"({rate / TARGET_PER_SECOND:.0%} of it)"
    )


if __name__ == "__main__":
    main()
