"""Background jobs on dramatiq: Redis in production, a stub broker worked in-process by default.

The job functions themselves are registered by the composition root; this module only
knows how to carry a call to a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

log = logging.getLogger("schedulax.jobs")
QUEUE = "schedulax"
AUTO_ASSIGN = "auto_assign_roster"


class DramatiqJobs:
    def __init__(self, broker: dramatiq.Broker, in_process: bool) -> None:
        self.broker = broker
        self.in_process = in_process
        self._actors: dict[str, dramatiq.Actor[Any, Any]] = {}
        self._worker: dramatiq.Worker | None = None

    @classmethod
    def for_url(cls, redis_url: str) -> DramatiqJobs:
        if redis_url:
            return cls(RedisBroker(url=redis_url, middleware=[Retries(max_retries=3)]), in_process=False)
        return cls(StubBroker(middleware=[Retries(max_retries=3)]), in_process=True)

    def register(self, name: str, fn: Callable[..., None]) -> None:
        self._actors[name] = dramatiq.actor(
            fn, actor_name=name, queue_name=QUEUE, broker=self.broker, max_retries=3,
            min_backoff=500, max_backoff=10_000,
        )

    def enqueue_auto_assign(self, roster_id: int, user_id: int, strategy: str | None) -> None:
        self._actors[AUTO_ASSIGN].send(roster_id, user_id, strategy)

    def start_worker(self, threads: int = 1) -> None:
        """Work the queue from this process (the embedded default, or `schedulax worker`)."""
        if self._worker is None:
            self._worker = dramatiq.Worker(self.broker, queues={QUEUE}, worker_threads=threads, worker_timeout=100)
            self._worker.start()

    def join(self, timeout_ms: int = 10_000) -> None:
        """Wait until the queue is empty (tests)."""
        if isinstance(self.broker, StubBroker):
            self.broker.join(QUEUE, timeout=timeout_ms)
            if self._worker is not None:
                self._worker.join()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop(timeout=5_000)
            self._worker = None
        self.broker.close()
