"""Pub/sub for realtime change messages: Redis between processes, memory within one.

Publishers are synchronous (projection batches run in threads and worker processes);
listeners are asyncio tasks of the API processes' realtime gateways. Both are best
effort: a lost message costs a client a live update, never a read-model row.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable
from typing import Protocol

import redis
import redis.asyncio as aioredis

from infrastructure.circuit import CircuitBreaker
from infrastructure.redis_client import REDIS_TIMEOUT, bounded_client

log = logging.getLogger("schedulax.pubsub")

Deliver = Callable[[bytes], None]
"""Called on the listener's event loop with each payload."""
StateChanged = Callable[[str], None]
"""`ok`, `reconnecting` or `in-process`."""


class Bus(Protocol):
    def publish(self, payload: bytes) -> None: ...

    async def listen(self, deliver: Deliver, state: StateChanged) -> None:
        """Deliver every payload published from now on, until cancelled."""
        ...

    def close(self) -> None: ...


class MemoryBus:
    """The embedded default: projections run inside the API process, so no broker is needed."""

    def __init__(self) -> None:
        self._listeners: list[tuple[asyncio.AbstractEventLoop, Deliver]] = []
        self._lock = threading.Lock()

    def publish(self, payload: bytes) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for loop, deliver in listeners:
            try:
                loop.call_soon_threadsafe(deliver, payload)
            except RuntimeError:  # that loop has closed
                pass

    async def listen(self, deliver: Deliver, state: StateChanged) -> None:
        entry = (asyncio.get_running_loop(), deliver)
        with self._lock:
            self._listeners.append(entry)
        state("in-process")
        try:
            await asyncio.Event().wait()
        finally:
            with self._lock:
                self._listeners.remove(entry)

    def close(self) -> None:
        pass


class RedisBus:
    """One Redis channel per deployment (it is named after the database schema)."""

    def __init__(self, url: str, channel: str, first_delay: float = 0.2, longest_delay: float = 10.0) -> None:
        self._url = url
        self._channel = channel
        self._first = first_delay
        self._longest = longest_delay
        self._client: redis.Redis | None = None
        self._breaker = CircuitBreaker()
        """While Redis is away a projection batch drops its message at once, without a timeout."""

    def publish(self, payload: bytes) -> None:
        if not self._breaker.allow():
            return
        try:
            if self._client is None:
                self._client = bounded_client(self._url)
            self._client.publish(self._channel, payload)
        except (redis.RedisError, OSError) as error:
            if self._breaker.failed():  # once per outage, not once per batch
                log.warning("Redis unreachable (%s): realtime messages are dropped until it returns",
                            type(error).__name__)
            return
        if self._breaker.succeeded():
            log.info("realtime publishing to Redis resumed")

    async def listen(self, deliver: Deliver, state: StateChanged) -> None:
        delay = self._first
        lost = False
        while True:
            # Reads block on get_message, so only the connect is bounded.
            client = aioredis.Redis.from_url(self._url, socket_connect_timeout=REDIS_TIMEOUT)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                state("ok")
                if lost:
                    log.info("realtime subscription to Redis restored")
                delay, lost = self._first, False
                while True:
                    message = await pubsub.get_message(timeout=30.0)
                    if message is not None and message["type"] == "message":
                        deliver(message["data"])
            except (redis.RedisError, OSError) as error:
                state("reconnecting")
                # A warning once per outage; each further retry only at debug level.
                log.log(logging.DEBUG if lost else logging.WARNING,
                        "realtime subscription lost (%s); retrying in %.1f s", error, delay)
                lost = True
            finally:
                await _quietly(pubsub.aclose())
                await _quietly(client.aclose())
            # Jitter: the API processes that lost Redis together should not return in step.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self._longest)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


async def _quietly(closing: object) -> None:
    try:
        await closing  # type: ignore[misc]
    except Exception:  # noqa: BLE001 - closing a connection that is already gone
        pass


def bus_for(redis_url: str, channel: str) -> MemoryBus | RedisBus:
    return RedisBus(redis_url, channel) if redis_url else MemoryBus()
