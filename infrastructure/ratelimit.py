"""Fixed-window rate limits: atomic counters in Redis (shared by processes) or in memory."""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    """Unix time at which the window resets."""


class RateLimiter:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._strategy = FixedWindowRateLimiter(storage)

    @classmethod
    def for_url(cls, redis_url: str) -> RateLimiter:
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            return cls(RedisStorage(uri, implementation="redispy"))
        return cls(MemoryStorage())

    async def hit(self, rule: str | RateLimitItem, *key: str) -> Decision:
        item = parse(rule) if isinstance(rule, str) else rule
        allowed = await self._strategy.hit(item, *key)
        stats = await self._strategy.get_window_stats(item, *key)
        return Decision(
            allowed=allowed,
            limit=item.amount,
            remaining=max(0, stats.remaining),
            reset_at=int(stats.reset_time) if stats.reset_time else int(time.time()) + item.get_expiry(),
        )

    async def reset(self) -> None:
        await self._storage.reset()
