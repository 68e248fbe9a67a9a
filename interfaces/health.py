"""What /health checks, each check bounded in time, and the answer cached for a second.

The checks run side by side, each in a thread of its own, and the report waits for them
at most `deadline` seconds: one whose dependency hangs is reported as not answering, and
is not started again while it still runs (a dead server costs one thread, not one per
request). Each process caches its report for `ttl` seconds, so a load balancer polling
every API process often costs the database a few statements a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, wait
from typing import Any

import redis

from infrastructure import liveness

CheckResult = str | Mapping[str, str]
"""A check answers "ok", a problem, or several named findings (one per projection)."""
Check = Callable[[], CheckResult]

HEALTHY = ("ok", "not configured", "in-process")
DEADLINE = 0.75
TTL = 1.0
REDIS_TIMEOUT = 0.25


def _spawn(check: Check, name: str) -> Future[CheckResult]:
    future: Future[CheckResult] = Future()

    def run() -> None:
        try:
            future.set_result(check())
        except BaseException as error:  # noqa: BLE001 - reported, not raised
            future.set_exception(error)

    # A daemon thread: a check stuck on a dead server must not hold up the process's exit.
    threading.Thread(target=run, name=f"health-{name}", daemon=True).start()
    return future


def _described(error: BaseException) -> str:
    return f"error: {type(error).__name__}"


class HealthChecks:
    def __init__(self, checks: Mapping[str, Check], deadline: float = DEADLINE, ttl: float = TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._checks = dict(checks)
        self._deadline = deadline
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[str, Future[CheckResult]] = {}
        self._cached: dict[str, str] | None = None
        self._cached_at = 0.0

    def report(self) -> dict[str, str]:
        """Every check's finding; at most `deadline` seconds old work, or `ttl` seconds old answers."""
        with self._lock:  # a request arriving meanwhile waits for this report, then reuses it
            if self._cached is not None and self._clock() - self._cached_at < self._ttl:
                return dict(self._cached)
            futures = {}
            for name, check in self._checks.items():
                running = self._running.get(name)
                if running is None or running.done():
                    running = self._running[name] = _spawn(check, name)
                futures[name] = running
            wait(futures.values(), timeout=self._deadline)
            found: dict[str, str] = {}
            for name, future in futures.items():
                if not future.done():
                    found[name] = f"error: no answer within {self._deadline:g} s"
                elif (error := future.exception()) is not None:
                    found[name] = _described(error)
                elif isinstance(result := future.result(), str):
                    found[name] = result
                else:
                    found.update(result)
            self._cached, self._cached_at = found, self._clock()
            return dict(found)


def healthy(checks: Mapping[str, str], also: Iterable[str] = ()) -> bool:
    allowed = set(HEALTHY) | set(also)
    return all(value in allowed for value in checks.values())


def projection_findings(rows: Iterable[Any], alive: set[str] | None, max_lag_seconds: float) -> dict[str, str]:
    """One finding per projection: parked (with its error), no live worker, or too far behind.

    `rows`: `ProjectionStatus` (read with getattr: `error` and `failed_position` may be absent);
    `alive`: the projections whose worker holds its liveness lock, None when the API process
    keeps the read models itself.
    """
    found = {}
    for row in rows:
        error = getattr(row, "error", None)
        if error:
            at = getattr(row, "failed_position", None) or row.position
            finding = f"parked at event {at}: {error}"
        elif alive is not None and row.name not in alive:
            finding = "no worker running"
        elif row.lag_seconds > max_lag_seconds:
            finding = f"behind by {row.lag_seconds:.0f} s ({row.lag_events} events)"
        else:
            finding = "ok"
        found[f"projection:{row.name}"] = finding
    return found


def container_checks(container: Any) -> dict[str, Check]:
    """The checks of one API process's container."""
    settings = container.settings
    checks: dict[str, Check] = {
        "event_store": lambda: _ok(container.events.recorder.max_notification_id()),
        # Shorter than the deadline, so that PostgreSQL down reads as such, not as a hang.
        "read_models": lambda: _ok(container.store.ping(timeout=DEADLINE * 2 / 3)),
        "projections": lambda: _projections(container),
    }
    if settings.redis_url:
        checks["redis"] = lambda: redis_ping(settings.redis_url)
        checks["job_broker"] = lambda: _broker(container.jobs)
    return checks


def checks_for(container: Any) -> HealthChecks:
    """The container's checks, made once: their cache and running threads are per process."""
    checks = getattr(container, "_health_checks", None)
    if checks is None:
        checks = HealthChecks(container_checks(container))
        container._health_checks = checks
    return checks  # type: ignore[no-any-return]


def check_health(container: Any) -> dict[str, str]:
    """Every finding about `container`'s dependencies, within a second (blocking: call from a thread)."""
    return {**not_configured(container), **checks_for(container).report()}


def not_configured(container: Any) -> dict[str, str]:
    """Findings of the checks that do not apply, reported as such."""
    return {} if container.settings.redis_url else {"redis": "not configured"}


def _ok(_: object) -> str:
    return "ok"


def _projections(container: Any) -> Mapping[str, str]:
    settings = container.settings
    rows = container.runner.status()
    alive = None
    if settings.uses_projection_workers and container.store.dialect == "postgres":
        with container.store.read() as cur:
            alive = liveness.alive(cur, settings.database_schema, [row.name for row in rows])
    return projection_findings(rows, alive, settings.health_max_lag_seconds)


def redis_ping(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _broker(jobs: Any) -> str:
    # Bounded by the job broker itself (250 ms, at once while its breaker is open); it raises,
    # or answers False, when unreachable.
    return "error: unreachable" if jobs.ping() is False else "ok"
