"""Token buckets: a burst, then one token per 1/rate seconds; the wait is whole seconds;
peeking spends nothing; the oldest bucket makes room when too many are kept."""

from __future__ import annotations

from shared.policies.rate_limit import RateLimiter
from tests.fakes import FakeClock


def test_a_burst_then_a_whole_second_wait_refilled_by_time(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    assert [limiter.take("k", 0.5, 2) for _ in range(3)] == [0, 0, 2]
    clock.advance(2)
    assert limiter.take("k", 0.5, 2) == 0


def test_peeking_answers_like_taking_without_spending(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    assert limiter.peek("k", 1, 1) == 0 and limiter.peek("k", 1, 1) == 0
    assert limiter.take("k", 1, 1) == 0 and limiter.peek("k", 1, 1) == 1


def test_the_oldest_bucket_is_forgotten_first(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, max_keys=2)
    limiter.take("a", 1, 1)
    limiter.take("b", 1, 1)
    limiter.take("c", 1, 1)  # "a" makes room: it starts full again
    assert limiter.take("a", 1, 1) == 0 and limiter.take("c", 1, 1) == 1
