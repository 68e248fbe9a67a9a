"""While Redis is away, rate limits count in the process's memory: never off, never slow."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from limits.aio.storage import MemoryStorage
from limits.errors import StorageError

from infrastructure.circuit import CircuitBreaker
from infrastructure.ratelimit import RateLimiter
from tests.private_redis import refusing_url, silent_server


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FlakyStorage(MemoryStorage):
    """Shared counters that can be switched off, as Redis going away and coming back."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        if self.down:
            raise StorageError(ConnectionError("Connection refused"))
        return await super().incr(key, expiry, amount)


def allowed(limiter: RateLimiter, times: int, rule: str = "3/minute", who: str = "10.0.0.1") -> list[bool]:
    async def run() -> list[bool]:
        return [(await limiter.hit(rule, "auth", who)).allowed for _ in range(times)]

    return asyncio.run(run())


def test_with_redis_refusing_a_login_brute_force_is_still_limited() -> None:
    limiter = RateLimiter.for_url(refusing_url())
    assert allowed(limiter, 5) == [True, True, True, False, False]


def test_a_hung_redis_costs_one_timeout_then_nothing_while_the_breaker_is_open() -> None:
    with silent_server() as url:
        limiter = RateLimiter.for_url(url)

        async def timed() -> list[float]:
            took = []
            for _ in range(10):
                start = time.monotonic()
                await limiter.hit("100/minute", "general", "ip:x")
                took.append(time.monotonic() - start)
            return took

        took = asyncio.run(timed())
    assert 0.2 <= took[0] < 0.4, took  # it did try, and gave up after 250 ms, not 5 s
    assert max(took[1:]) < 0.05, took  # the breaker is open: Redis is not even tried


def test_an_outage_is_logged_once_and_its_end_once_without_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    shared, clock = FlakyStorage(), Clock()
    limiter = RateLimiter(shared, CircuitBreaker(clock=clock))
    caplog.set_level(logging.INFO, logger="schedulax.ratelimit")
    shared.down = True
    for _ in range(20):
        allowed(limiter, 1, "100/minute")
        clock.now += 1.0  # probes keep failing every few seconds
    shared.down = False
    clock.now += 5.0
    allowed(limiter, 3, "100/minute")
    records = [r for r in caplog.records if r.name == "schedulax.ratelimit"]
    assert [r.levelname for r in records] == ["WARNING", "INFO"]
    assert "memory" in records[0].getMessage() and "shared" in records[1].getMessage()
    assert all(r.exc_info is None for r in records)


def test_back_on_the_shared_counters_once_redis_returns() -> None:
    shared, clock = FlakyStorage(), Clock()
    limiter = RateLimiter(shared, CircuitBreaker(clock=clock))
    assert allowed(limiter, 2) == [True, True] and limiter.shared
    shared.down = True
    assert allowed(limiter, 4) == [True, True, True, False]  # memory counts from zero
    assert not limiter.shared
    shared.down = False
    clock.now += 2.0
    assert allowed(limiter, 2) == [True, False]  # the shared window had 2 of its 3 left
    assert limiter.shared
