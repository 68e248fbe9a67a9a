"""How long anything waits for Redis: it is an accelerator, so a fault must cost milliseconds.

redis-py's own default is a 5 s read timeout, which a hung Redis added to every request.
Clients made with `from_url` use a pool whose connections do not retry (redis-py 8), so one
failed call costs at most one timeout.
"""

from __future__ import annotations

import redis

REDIS_TIMEOUT = 0.25
"""Seconds to connect to Redis, and to wait for any one reply."""

BOUNDED: dict[str, float] = {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}


def bounded_client(url: str) -> redis.Redis:
    """A synchronous client whose every connect and read gives up after REDIS_TIMEOUT."""
    return redis.Redis.from_url(url, **BOUNDED)
