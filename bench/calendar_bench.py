"""Benchmark: caseclock's ``BusinessCalendar.add`` against the ``businesstimedelta`` package.

Run with ``.venv/bin/python bench/calendar_bench.py`` (``--cases N`` for another batch size).

Both libraries get the same calendar (Monday-Friday 09:00-17:00 in America/New_York, US public
holidays from the ``holidays`` package) and the same seeded cases (starts spread over 2026-2027,
durations from 15 minutes to 5 business days = 40 business hours). The script checks that the
two agree wherever their conventions agree, explains any disagreement, then times whole batches
with ``time.perf_counter`` (warmed up, one thread) and prints a table: ops/s for each, the
ratio, and the cost of a 500-business-hour ``add`` against an 8-hour one.

Each figure is the best of several timed batches: 15 for caseclock (``--repeats``), 2 for
businesstimedelta (``--their-repeats``), which takes about a hundred times longer per batch;
businesstimedelta's 8 h and 500 h rows time the first 500 starts (``--long-sample``), since a
500 h add costs it about 10 ms. The table's last rows say how many starts and repeats each side
got. It is a script, not a test: nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from businesstime_baseline import BusinessTimeDeltaCalendar, same_instant
from caseclock import BusinessCalendar

ZONE = "America/New_York"
SEED = 20261123
FIRST_START = datetime(2026, 1, 1, tzinfo=ZoneInfo(ZONE))
LAST_START = datetime(2028, 1, 1, tzinfo=ZoneInfo(ZONE))
STEP_MINUTES = 15  # targets come in round units: 15 min, 1 h, 8 h, 2 business days, ...
MAX_MINUTES = 40 * 60  # 5 business days of 8 hours
SHORT = timedelta(hours=8)
LONG = timedelta(hours=500)
TARGET_OPS = 100_000
TARGET_RATIO = 50.0
TARGET_LONG_COST = 2.0

Case = tuple[datetime, timedelta]
AddFn = Callable[[datetime, timedelta], datetime]


def make_cases(count: int, seed: int = SEED) -> list[Case]:
    """``count`` (start, duration) pairs: starts on whole minutes at any time of day or week,
    durations in 15-minute steps from 15 minutes to 40 hours."""
    rng = random.Random(seed)
    span_minutes = int((LAST_START - FIRST_START).total_seconds() // 60)
    zone = ZoneInfo(ZONE)
    cases = []
    for _ in range(count):
        start = (
            FIRST_START.astimezone(UTC) + timedelta(minutes=rng.randrange(span_minutes))
        ).astimezone(zone)
        duration = timedelta(minutes=STEP_MINUTES * rng.randint(1, MAX_MINUTES // STEP_MINUTES))
        cases.append((start, duration))
    return cases


def caseclock_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {
            "name": "bench-us-east",
            "timezone": ZONE,
            "week": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
            "holiday_sets": [{"country": "US"}],
        }
    )


def businesstimedelta_add(cal: BusinessCalendar) -> AddFn:
    """businesstimedelta configured with equivalent rules (``businesstime_baseline``):
    WorkDayRule 9-17 Monday-Friday, HolidayRule with the same US holidays, the same zone."""
    return BusinessTimeDeltaCalendar(cal.spec, years=range(2025, 2031)).add


@dataclass
class Disagreement:
    start: datetime
    duration: timedelta
    ours: datetime
    theirs: datetime
    why: str


def explain(
    cal: BusinessCalendar, start: datetime, duration: timedelta, ours: datetime, theirs: datetime
) -> str:
    """Say why two answers differ, in terms of the conventions (docs/semantics.md, "Time")."""
    if not cal.is_open(ours) and same_instant(cal.next_open(ours), theirs):
        return (
            "closing-time convention: theirs rolls a deadline at closing time to the next opening"
        )
    if not cal.is_open(theirs) and same_instant(cal.next_open(theirs), ours):
        return "closing-time convention: ours is the next opening after theirs"
    counted = cal.between(start, theirs) if theirs >= start else timedelta(0)
    if counted != duration:
        return f"theirs spans {counted} of our open time for {duration} asked (holiday or DST?)"
    return "same open time, different instant (a closed stretch between the two)"


def compare(
    cal: BusinessCalendar, ours: AddFn, theirs: AddFn, cases: Sequence[Case]
) -> tuple[int, list[Disagreement]]:
    agreements = 0
    disagreements = []
    for start, duration in cases:
        a, b = ours(start, duration), theirs(start, duration)
        if same_instant(a, b):
            agreements += 1
        else:
            disagreements.append(
                Disagreement(start, duration, a, b, explain(cal, start, duration, a, b))
            )
    return agreements, disagreements


def best_rate(add: AddFn, cases: Sequence[Case], repeats: int, *, warm_up: bool = True) -> float:
    """Adds per second over whole batches: warm up once, then the best of ``repeats``."""
    if warm_up:
        for start, duration in cases:
            add(start, duration)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        for start, duration in cases:
            add(start, duration)
        best = min(best, time.perf_counter() - began)
    return len(cases) / best


def best_rates(add: AddFn, batches: Sequence[Sequence[Case]], repeats: int) -> list[float]:
    """Like ``best_rate`` for several batches, taking turns so that each sees the same load."""
    for batch in batches:
        for start, duration in batch:
            add(start, duration)
    best = [float("inf")] * len(batches)
    for _ in range(repeats):
        for index, batch in enumerate(batches):
            began = time.perf_counter()
            for start, duration in batch:
                add(start, duration)
            best[index] = min(best[index], time.perf_counter() - began)
    return [len(batch) / seconds for batch, seconds in zip(batches, best, strict=True)]


def with_duration(cases: Sequence[Case], duration: timedelta) -> list[Case]:
    return [(start, duration) for start, _ in cases]


def row(label: str, *cells: str) -> str:
    return f"{label:<34}" + "".join(f"{cell:>20}" for cell in cells)


def rate(value: float) -> str:
    return f"{value:,.0f} /s"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="batch size (default 20000)")
    parser.add_argument("--repeats", type=int, default=15, help="caseclock timing repeats")
    parser.add_argument("--their-repeats", type=int, default=2, help="businesstimedelta repeats")
    parser.add_argument(
        "--long-sample",
        type=int,
        default=500,
        help="starts for businesstimedelta's 8 h vs 500 h rows (caseclock uses all)",
    )
    args = parser.parse_args(argv)

    cases = make_cases(args.cases)
    cal = caseclock_calendar()
    began = time.perf_counter()
    cal.add(cases[0][0], cases[0][1])
    first_call = time.perf_counter() - began
    theirs = businesstimedelta_add(cal)

    print(
        f"calendar add: {len(cases):,} cases (seed {SEED}), {ZONE} Mon-Fri 09:00-17:00, "
        f"US public holidays; starts {FIRST_START:%Y-%m-%d} .. {LAST_START:%Y-%m-%d}, "
        f"durations {STEP_MINUTES} min .. {MAX_MINUTES // 60} h in {STEP_MINUTES}-min steps"
    )
    agreements, disagreements = compare(cal, cal.add, theirs, cases)
    differ = len(disagreements)
    print(f"agreement: {agreements:,} of {len(cases):,} identical instants, {differ:,} differ")
    closed_starts = sum(1 for start, _ in cases if not cal.is_open(start))
    at_closing = sum(1 for start, duration in cases if not cal.is_open(cal.add(start, duration)))
    print(
        f"conventions: both count a closed start from the next opening ({closed_starts:,} cases) "
        f"and keep a deadline that lands on a closing time ({at_closing:,} cases)"
    )
    if not disagreements:
        print("disagreements: none to explain")
    for item in disagreements[:5]:
        print(
            f"  {item.start.isoformat()} + {item.duration}: caseclock {item.ours.isoformat()}, "
            f"businesstimedelta {item.theirs.astimezone(cal.zone).isoformat()} ({item.why})"
        )

    ours_mixed, ours_short, ours_long = best_rates(
        cal.add, [cases, with_duration(cases, SHORT), with_duration(cases, LONG)], args.repeats
    )
    # The agreement pass above already ran every case through businesstimedelta: it is warm.
    theirs_mixed = best_rate(theirs, cases, args.their_repeats, warm_up=False)
    sample = cases[: args.long_sample]  # businesstimedelta needs ~10 ms per 500 h add
    theirs_short = best_rate(theirs, with_duration(sample, SHORT), args.their_repeats)
    theirs_long = best_rate(theirs, with_duration(sample, LONG), args.their_repeats)

    print()
    print(row("", "caseclock", "businesstimedelta", "ratio"))
    print(
        row(
            f"add, {len(cases):,} mixed cases",
            rate(ours_mixed),
            rate(theirs_mixed),
            f"{ours_mixed / theirs_mixed:,.0f}x",
        )
    )
    print(
        row(
            "add 8 h",
            rate(ours_short),
            rate(theirs_short),
            f"{ours_short / theirs_short:,.0f}x",
        )
    )
    print(
        row(
            "add 500 h",
            rate(ours_long),
            rate(theirs_long),
            f"{ours_long / theirs_long:,.0f}x",
        )
    )
    print(
        row(
            "cost of 500 h / cost of 8 h",
            f"{ours_short / ours_long:.2f}x",
            f"{theirs_short / theirs_long:.1f}x",
            "",
        )
    )
    print(row("starts timed (8 h, 500 h rows)", f"{len(cases):,}", f"{len(sample):,}", ""))
    print(row("timed batches, best taken", f"{args.repeats}", f"{args.their_repeats}", ""))
    print(row("first add (builds the window)", f"{first_call * 1000:.1f} ms", "", ""))
    print()
    checks = [
        (f"caseclock >= {TARGET_OPS:,} add/s", ours_mixed >= TARGET_OPS, rate(ours_mixed)),
        (
            f"ratio >= {TARGET_RATIO:.0f}x",
            ours_mixed / theirs_mixed >= TARGET_RATIO,
            f"{ours_mixed / theirs_mixed:,.0f}x",
        ),
        (
            f"500 h within {TARGET_LONG_COST:.0f}x of 8 h",
            ours_short / ours_long <= TARGET_LONG_COST,
            f"{ours_short / ours_long:.2f}x",
        ),
    ]
    for label, met, value in checks:
        print(f"target {label:<30} {'met' if met else 'MISSED':>7}  ({value})")


if __name__ == "__main__":
    main()
