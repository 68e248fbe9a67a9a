"""Background jobs on dramatiq: Redis in production, a stub broker worked in-process by default.

The job functions themselves are registered by the composition root; this module only
knows how to carry a call to a worker.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import BrokerError
from dramatiq.middleware import Retries

from application.ports import JobQueueUnavailable
from infrastructure.circuit import CircuitBreaker
from infrastructure.redis_client import bounded_client

log = logging.getLogger("schedulax.jobs")
QUEUE = "schedulax"
AUTO_ASSIGN = "auto_assign_roster"
WEBHOOK_DELIVERY = "deliver_webhook"


class DramatiqJobs:
    def __init__(self, broker: dramatiq.Broker, in_process: bool, breaker: CircuitBreaker | None = None) -> None:
        self.broker = broker
        self.in_process = in_process
        self.breaker = breaker or CircuitBreaker()
        """Redis away: refuse jobs at once (503) instead of waiting on it for every request."""
        self._actors: dict[str, dramatiq.Actor[Any, Any]] = {}
        self._worker: dramatiq.Worker | None = None

    @classmethod
    def for_url(cls, redis_url: str) -> DramatiqJobs:
        if redis_url:
            # Our own client: the broker's `url=` takes no options, so it would wait 5 s on a hung Redis.
            broker = RedisBroker(client=bounded_client(redis_url), middleware=[Retries(max_retries=3)])
            return cls(broker, in_process=False)
        return cls(StubBroker(middleware=[Retries(max_retries=3)]), in_process=True)

    def register(self, name: str, fn: Callable[..., None]) -> None:
        self._actors[name] = dramatiq.actor(
            fn, actor_name=name, queue_name=QUEUE, broker=self.broker, max_retries=3,
            min_backoff=500, max_backoff=10_000,
        )

    def check_available(self) -> None:
        if self.breaker.state == "open":
            raise JobQueueUnavailable(self._retry_after())

    def enqueue_auto_assign(
        self, roster_id: int, user_id: int, strategy: str | None, job_id: str | None = None
    ) -> None:
        if not self.breaker.allow():
            raise JobQueueUnavailable(self._retry_after())
        try:
            self._actors[AUTO_ASSIGN].send(roster_id, user_id, strategy, job_id)
        except (redis.RedisError, OSError, BrokerError) as error:
            self._failed(error)
            raise JobQueueUnavailable(self._retry_after()) from error
        self._succeeded()

    def enqueue_delivery(self, delivery_id: str, delay_seconds: float = 0.0) -> None:
        """A webhook delivery's next attempt. A broker that is away loses nothing: the delivery
        stays due in its table, and the sweeper enqueues it again."""
        actor = self._actors.get(WEBHOOK_DELIVERY)
        if actor is None:
            return  # a projection caught up before the job was registered: the sweeper finds it
        try:
            actor.send_with_options(args=(delivery_id,), delay=int(delay_seconds * 1000))
        except (redis.RedisError, OSError, BrokerError) as error:
            self._failed(error)

    def ping(self) -> bool:
        """Is the broker reachable? Answers within REDIS_TIMEOUT, and at once while the breaker is open."""
        if not isinstance(self.broker, RedisBroker):
            return True
        if not self.breaker.allow():
            return False
        try:
            self.broker.client.ping()
        except (redis.RedisError, OSError) as error:
            self._failed(error)
            return False
        self._succeeded()
        return True

    def _failed(self, error: BaseException) -> None:
        if self.breaker.failed():  # once per outage, not once per request
            log.warning("job broker unreachable (%s: %s); background jobs are refused (503) until it returns",
                        type(error).__name__, error)

    def _succeeded(self) -> None:
        if self.breaker.succeeded():
            log.info("job broker reachable again; background jobs are queued again")

    def _retry_after(self) -> int:
        return max(1, math.ceil(self.breaker.retry_after()))

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
