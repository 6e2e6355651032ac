"""Retry backoff: exponential ceilings, full jitter inside them, the cap and the attempt limit."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from caseclock.channels.backoff import RetryPolicy

POLICY = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=10), max_attempts=5)


def test_ceiling_doubles_from_base_up_to_the_cap() -> None:
    """Attempt n waits at most base * 2**(n-1), never more than the cap."""
    ceilings = [POLICY.ceiling(n).total_seconds() for n in range(1, 10)]
    assert ceilings == [10, 20, 40, 80, 160, 320, 600, 600, 600]


def test_delays_stay_within_zero_and_the_ceiling() -> None:
    """Full jitter: every delay lies in [0, ceiling], and they spread over the range."""
    rng = random.Random(7)
    for attempt in range(1, 12):
        delays = [POLICY.delay(attempt, rng) for _ in range(200)]
        assert all(timedelta(0) <= d <= POLICY.ceiling(attempt) for d in delays)
        assert max(delays) - min(delays) > POLICY.ceiling(attempt) / 2


def test_each_delay_is_the_ceiling_times_one_draw_of_the_given_generator() -> None:
    """Full jitter from the generator passed in and nothing else: attempt n waits exactly
    ceiling(n) times that generator's next draw, so a seed fixes the delays."""
    draws = random.Random(42)
    expected = [POLICY.ceiling(n) * draws.random() for n in range(1, 6)]
    rng = random.Random(42)
    assert [POLICY.delay(n, rng) for n in range(1, 6)] == expected
    assert len(set(expected)) == 5


def test_retry_after_is_respected_when_longer_but_capped() -> None:
    """A receiver's Retry-After wins over a shorter jittered wait, up to the cap."""
    rng = random.Random(1)
    assert POLICY.delay(1, rng, retry_after=timedelta(minutes=2)) == timedelta(minutes=2)
    assert POLICY.delay(1, rng, retry_after=timedelta(days=3)) == POLICY.cap
    assert POLICY.delay(1, rng, retry_after=timedelta(0)) <= POLICY.ceiling(1)


def test_attempt_limit_dead_letters() -> None:
    """Failed attempts 1..4 are retried; the fifth failure exhausts the delivery."""
    assert [POLICY.exhausted(n) for n in range(1, 7)] == [False] * 4 + [True] * 2


def test_default_policy_gives_up_after_at_most_fourteen_and_a_half_hours() -> None:
    """The documented default: twelve attempts, waits of at most 52,290 s in total."""
    policy = RetryPolicy()
    waits = [policy.ceiling(n) for n in range(1, policy.max_attempts)]
    assert sum(waits, timedelta(0)) == timedelta(seconds=52_290)
    assert policy.exhausted(12)


def test_huge_attempt_numbers_do_not_overflow() -> None:
    """A delivery retried by hand many times still gets a capped delay."""
    assert POLICY.ceiling(10_000) == POLICY.cap


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base": timedelta(0)},
        {"base": timedelta(hours=2), "cap": timedelta(hours=1)},
        {"max_attempts": 0},
    ],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, object]) -> None:
    """A zero base, a cap under the base or no attempts at all are errors at construction."""
    with pytest.raises(ValueError, match=r"backoff|max_attempts"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_attempts_are_numbered_from_one() -> None:
    """Attempt 0 is a caller's mistake, not a zero delay."""
    with pytest.raises(ValueError, match="from 1"):
        POLICY.ceiling(0)
