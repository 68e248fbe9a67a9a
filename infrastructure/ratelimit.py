"""Fixed-window rate limits: atomic counters in Redis (shared by processes) or in memory.

With Redis configured, its counters are the budget every API process shares. While Redis is
away (refused, timed out, or the circuit breaker cooling off) the same rules and keys count
in this process's memory instead: limits stay on, per process, and a request waits at most
REDIS_TIMEOUT for Redis, nothing at all while the breaker is open. The outage is logged
once (a warning), and its end once (an info line).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import redis
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from infrastructure.circuit import CircuitBreaker
from infrastructure.redis_client import BOUNDED, REDIS_TIMEOUT

log = logging.getLogger("schedulax.ratelimit")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    """Unix time at which the window resets."""


class RateLimiter:
    def __init__(self, shared: Storage | None = None, breaker: CircuitBreaker | None = None) -> None:
        self._shared = FixedWindowRateLimiter(shared) if shared is not None else None
        self._local_storage = MemoryStorage()
        self._local = FixedWindowRateLimiter(self._local_storage)
        self.breaker = breaker or CircuitBreaker()

    @classmethod
    def for_url(cls, redis_url: str) -> RateLimiter:
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            return cls(RedisStorage(uri, implementation="redispy", wrap_exceptions=True, **BOUNDED))
        return cls()

    @property
    def shared(self) -> bool:
        """Are the counters in use right now the ones every process shares?"""
        return self._shared is not None and self.breaker.state == "closed"

    async def hit(self, rule: str | RateLimitItem, *key: str) -> Decision:
        item = parse(rule) if isinstance(rule, str) else rule
        if self._shared is not None and self.breaker.allow():
            try:
                async with asyncio.timeout(REDIS_TIMEOUT):  # the whole decision, not each reply
                    decision = await _decide(self._shared, item, key)
            except (StorageError, redis.RedisError, OSError) as error:  # TimeoutError is an OSError
                if self.breaker.failed():
                    log.warning("Redis unreachable for rate limits (%s); counting in this process's"
                                " memory until it returns", _reason(error))
            else:
                if self.breaker.succeeded():
                    log.info("Redis reachable again; rate limits are shared by the processes again")
                return decision
        return await _decide(self._local, item, key)

    async def reset(self) -> None:
        await self._local_storage.reset()
        if self._shared is not None:
            await self._shared.storage.reset()


async def _decide(strategy: FixedWindowRateLimiter, item: RateLimitItem, key: tuple[str, ...]) -> Decision:
    allowed = await strategy.hit(item, *key)
    stats = await strategy.get_window_stats(item, *key)
    return Decision(
        allowed=allowed,
        limit=item.amount,
        remaining=max(0, stats.remaining),
        reset_at=int(stats.reset_time) if stats.reset_time else int(time.time()) + item.get_expiry(),
    )


def _reason(error: BaseException) -> str:
    cause = getattr(error, "storage_error", error)
    if isinstance(cause, TimeoutError) and not str(cause):
        return f"no answer within {REDIS_TIMEOUT:g} s"
    return f"{type(cause).__name__}: {cause}"
