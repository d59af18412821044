"""The per-connection token bucket, on a fake clock."""

from __future__ import annotations

from signaling.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused() -> None:
    bucket = TokenBucket(burst=5, rate=1.0, clock=Clock())
    assert [bucket.take() for _ in range(7)] == [True] * 5 + [False] * 2


def test_the_bucket_refills_at_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(burst=5, rate=2.0, clock=clock)
    for _ in range(5):
        assert bucket.take()
    assert not bucket.take()

    clock.now += 0.25  # half a token
    assert not bucket.take()
    clock.now += 0.25  # one whole token
    assert bucket.take()
    assert not bucket.take()

    clock.now += 1.5  # three tokens
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(burst=3, rate=10.0, clock=clock)
    clock.now += 3600
    assert [bucket.take() for _ in range(5)] == [True, True, True, False, False]


def test_a_steady_client_within_the_rate_is_never_refused() -> None:
    clock = Clock()
    bucket = TokenBucket(burst=2, rate=10.0, clock=clock)
    for _ in range(1000):
        clock.now += 0.1
        assert bucket.take()
