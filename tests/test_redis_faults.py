"""Redis stopped or hung costs milliseconds: limits stay on, jobs answer 503, nothing half-written.

Each test starts a Redis of its own on a spare port (tests/private_redis.py) and stops,
freezes and restarts that one; the shared Redis is never touched. Runs once, on SQLite.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from infrastructure.jobs import QUEUE
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import require, settings_for
from tests.private_redis import PrivateRedis, private_redis
from tests.support import bearer, ok
from tests.test_auto_assign_jobs import PASSWORD, seed

pytestmark = pytest.mark.redis

TIMEOUT = 0.25
NOISE = 0.25
"""Room for a loaded CI machine; the old behaviour cost 5 s per request."""


@pytest.fixture
def server() -> Iterator[PrivateRedis]:
    with ExitStack() as stack:
        started: list[PrivateRedis] = []
        require("a private redis-server", lambda: started.append(stack.enter_context(private_redis())))
        yield started[0]


@pytest.fixture
def app(server: PrivateRedis, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, Container]]:
    settings = settings_for("sqlite", tmp_path, request, redis_url=server.url, rate_limit_enabled=True,
                            rate_limit_auth="5/minute", rate_limit_general="1000/minute")
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield client, container
    container.close()


def timings(client: TestClient, count: int = 30) -> list[float]:
    """Seconds taken by cheap rate-limited requests; stops at the first that is plainly too slow."""
    took = []
    for _ in range(count):
        start = time.monotonic()
        assert client.get("/api/auth/profile").status_code == 401
        took.append(time.monotonic() - start)
        if took[-1] > 2:
            break
    return took


def assert_slowed_by_at_most_one_timeout(up: list[float], faulty: list[float]) -> None:
    assert len(faulty) == 30, f"a request took {faulty[-1]:.2f} s"
    assert statistics.median(faulty) <= statistics.median(up) + 0.05, (up, faulty)
    assert max(faulty) <= max(up) + TIMEOUT + NOISE, (up, faulty)


def logins(client: TestClient, count: int) -> list[int]:
    return [client.post("/api/auth/login", json={"email": "nobody@x.test", "password": "whatever1"}).status_code
            for _ in range(count)]


def limiter_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "schedulax.ratelimit"]


def test_with_redis_stopped_requests_stay_fast_logins_stay_limited_and_redis_returns_to_sharing(
    app: tuple[TestClient, Container], server: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    client, container = app
    caplog.set_level(logging.INFO, logger="schedulax.ratelimit")
    up = timings(client)
    server.stop()
    down = timings(client)
    assert_slowed_by_at_most_one_timeout(up, down)
    assert logins(client, 6) == [401] * 5 + [429]  # the memory fallback still counts
    records = limiter_records(caplog)
    assert [r.levelname for r in records] == ["WARNING"]  # once for the outage, not per request
    assert records[0].exc_info is None

    server.start()
    deadline = time.monotonic() + 10
    while not container.limiter.shared:  # the next probe after the cool-off finds it back
        assert time.monotonic() < deadline, "never back on the shared counters"
        client.get("/api/auth/profile")
        time.sleep(0.1)
    # Memory says this client's budget is spent; the restarted Redis counts from zero.
    assert logins(client, 1) == [401]
    with server.client() as redis:
        keys = [k for k in redis.scan_iter("*auth/testclient*")]
        assert [int(redis.get(k)) for k in keys] == [1]
    assert [r.levelname for r in limiter_records(caplog)] == ["WARNING", "INFO"]


def test_with_redis_hung_requests_are_slowed_by_at_most_one_timeout(
    app: tuple[TestClient, Container], server: PrivateRedis
) -> None:
    client, _ = app
    up = timings(client)
    server.hang()
    try:
        assert_slowed_by_at_most_one_timeout(up, timings(client))
        assert logins(client, 6) == [401] * 5 + [429]
    finally:
        server.resume()


def auto_assign(client: TestClient, token: str, roster_id: int, key: str | None = None) -> Any:
    headers = {**bearer(token), **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/api/rosters/{roster_id}/auto-assign", json={}, headers=headers)


def roster_report(client: TestClient, token: str, roster_id: int) -> Any:
    return ok(client.get(f"/api/rosters/{roster_id}", headers=bearer(token)))["roster"]["metadata"]["auto_assign"]


def test_auto_assign_with_the_broker_down_answers_503_and_queues_again_once_it_is_back(
    app: tuple[TestClient, Container], server: PrivateRedis
) -> None:
    client, container = app
    root, roster_id = seed(container)
    token = ok(client.post("/api/auth/login", json={"email": "root@x.test", "password": PASSWORD}))["token"]
    server.stop()
    for _ in range(2):  # the first tries the send; the second is refused by the open breaker
        refused = auto_assign(client, token, roster_id, key="fill-january")
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["detail"]["code"] == "SERVICE_UNAVAILABLE"
        assert roster_report(client, token, roster_id) is None

    server.start()
    deadline = time.monotonic() + 10
    # The same Idempotency-Key: a refused request saved nothing, so its retry runs.
    while (answer := auto_assign(client, token, roster_id, key="fill-january")).status_code == 503:
        assert time.monotonic() < deadline, "the broker never came back"
        time.sleep(min(1.0, int(answer.headers["Retry-After"])))
    assert answer.status_code == 202 and answer.json()["result"]["status"] == "queued"
    with server.client() as redis:
        assert redis.hlen("dramatiq:schedulax.msgs") == 1  # one job: nothing left from the refusals
    container.jobs.start_worker()  # what `schedulax worker` does
    deadline = time.monotonic() + 20
    while (report := roster_report(client, token, roster_id))["status"] != "completed":
        assert time.monotonic() < deadline, report
        time.sleep(0.1)
    assert report["assigned"] == 126


def test_auto_assign_with_the_broker_hung_answers_503_quickly_and_no_late_job_fills_the_roster(
    app: tuple[TestClient, Container], server: PrivateRedis
) -> None:
    client, container = app
    root, roster_id = seed(container)
    token = ok(client.post("/api/auth/login", json={"email": "root@x.test", "password": PASSWORD}))["token"]
    # As in a process that has used the broker before (a connection open, its scripts loaded):
    # the send is written to the frozen Redis, which runs it once it thaws.
    container.jobs.broker.join(QUEUE, timeout=1000)
    server.hang()
    with ThreadPoolExecutor(1) as pool:
        try:
            start = time.monotonic()
            refused = pool.submit(auto_assign, client, token, roster_id).result(timeout=5)
            took = time.monotonic() - start
        finally:
            server.resume()
    assert refused.status_code == 503 and took < 2, (refused.status_code, took)
    # The send that timed out reached Redis all the same once it thawed: its job runs, and
    # must find that its request was never saved.
    time.sleep(0.2)
    with server.client() as redis:
        assert redis.hlen("dramatiq:schedulax.msgs") == 1, "the late send never arrived"
    container.jobs.start_worker()
    container.jobs.broker.join(QUEUE, timeout=10_000)  # worked and acknowledged
    roster = ok(client.get(f"/api/rosters/{roster_id}", headers=bearer(token)))["roster"]
    assert roster["metadata"]["auto_assign"] is None and roster["metadata"]["assigned_shifts"] == 0
