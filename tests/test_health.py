"""/health tells the truth, fast: every check bounded, the answer cached for a second, and a
projection that is parked, without a worker or far behind named in a 503."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.health import HealthChecks, check_health, container_checks, projection_findings
from tests.support import ok


@dataclass
class Row:
    """A `ProjectionStatus` as the runner reports it (with or without the parking fields)."""

    name: str
    position: int = 10
    head: int = 10
    lag_events: int = 0
    lag_seconds: float = 0.0


@dataclass
class ParkedRow(Row):
    error: str | None = None
    failed_position: int | None = None


def test_a_check_that_hangs_is_reported_as_not_answering_within_the_deadline() -> None:
    release = threading.Event()
    checks = HealthChecks({"fast": lambda: "ok", "stuck": lambda: release.wait(10) and "ok"}, deadline=0.2)
    started = time.monotonic()
    report = checks.report()
    assert time.monotonic() - started < 0.5
    assert report == {"fast": "ok", "stuck": "error: no answer within 0.2 s"}
    release.set()


def test_a_check_still_running_is_not_started_again() -> None:
    calls = []
    release = threading.Event()

    def stuck() -> str:
        calls.append(1)
        release.wait(10)
        return "ok"

    now = [0.0]
    checks = HealthChecks({"stuck": stuck}, deadline=0.05, ttl=1.0, clock=lambda: now[0])
    for _ in range(3):
        now[0] += 2.0  # past the cache: each report looks again
        assert checks.report()["stuck"].startswith("error: no answer")
    assert len(calls) == 1
    release.set()  # the dependency answers again: the next report runs the check anew
    time.sleep(0.05)
    now[0] += 2.0
    assert checks.report() == {"stuck": "ok"}
    assert len(calls) == 2


def test_a_report_is_cached_for_a_second_and_a_check_that_raises_names_its_error() -> None:
    calls = []

    def failing() -> str:
        calls.append(1)
        raise ConnectionError("refused")

    now = [100.0]
    checks = HealthChecks({"db": failing}, ttl=1.0, clock=lambda: now[0])
    assert checks.report() == {"db": "error: ConnectionError"}
    now[0] += 0.9
    assert checks.report() == {"db": "error: ConnectionError"}
    assert len(calls) == 1
    now[0] += 0.2
    checks.report()
    assert len(calls) == 2


def test_findings_name_a_parked_projection_one_without_a_worker_and_one_far_behind() -> None:
    rows = [
        ParkedRow("analytics", error="OverflowError: date value out of range", failed_position=42),
        Row("directory"),
        Row("rostering", lag_seconds=45.2, lag_events=300),
        Row("dashboard", lag_seconds=3.0, lag_events=2),
        ParkedRow("notifications", error=None),
    ]
    alive = {"analytics", "rostering", "dashboard", "notifications"}
    assert projection_findings(rows, alive, 30.0) == {
        "projection:analytics": "parked at event 42: OverflowError: date value out of range",
        "projection:directory": "no worker running",
        "projection:rostering": "behind by 45 s (300 events)",
        "projection:dashboard": "ok",
        "projection:notifications": "ok",
    }
    # The API process keeps its read models itself: nothing to be alive.
    assert projection_findings([Row("directory")], None, 30.0) == {"projection:directory": "ok"}


class Jobs:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def ping(self) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("jobs, finding", [
    (Jobs(None), "ok"), (Jobs(True), "ok"), (Jobs(False), "error: unreachable"),
    (Jobs(TimeoutError("250 ms")), "error: TimeoutError"),
])
def test_the_job_broker_is_asked_through_its_own_ping(sqlite_client: TestClient, jobs: Any, finding: str) -> None:
    container = sqlite_client.app.state.container
    container.settings = type(container.settings)(**{**container.settings.__dict__, "redis_url": "redis://127.0.0.1:1/0"})
    container.jobs, real = jobs, container.jobs
    try:
        found = HealthChecks(container_checks(container)).report()
    finally:
        container.jobs = real
    assert found["job_broker"] == finding
    assert found["redis"] == "error: ConnectionError"  # nobody listens on port 1


def test_health_lists_every_projection_and_answers_ok_when_all_is_well(sqlite_client: TestClient) -> None:
    body = ok(sqlite_client.get("/health"))
    assert body["status"] == "ok"
    names = {p for p in body["checks"] if p.startswith("projection:")}
    assert names == {"projection:analytics", "projection:audit", "projection:audit_chain", "projection:calendar",
                     "projection:calendar_feeds", "projection:dashboard", "projection:directory",
                     "projection:files", "projection:notifications", "projection:rostering",
                     "projection:webhooks"}


def test_health_answers_503_within_a_second_when_the_read_models_hang(
    sqlite_client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = sqlite_client.app.state.container
    monkeypatch.setattr(container.store, "ping", lambda **_: time.sleep(5))
    started = time.monotonic()
    response = sqlite_client.get("/health")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["read_models"] == "error: no answer within 0.75 s"
    assert response.json()["checks"]["event_store"] == "ok"


def test_health_answers_503_naming_a_parked_projection(
    sqlite_client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = sqlite_client.app.state.container
    rows = container.runner.status()
    parked = [ParkedRow(r.name, r.position, r.head, r.lag_events, r.lag_seconds,
                        error="OverflowError: date value out of range" if r.name == "analytics" else None,
                        failed_position=7 if r.name == "analytics" else None) for r in rows]
    monkeypatch.setattr(container.runner, "status", lambda: parked)
    response = sqlite_client.get("/health")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["projection:analytics"] == "parked at event 7: OverflowError: date value out of range"
    assert checks["projection:rostering"] == "ok"


def test_the_dashboards_system_health_reads_the_same_bounded_checks(sqlite_client: TestClient) -> None:
    checks = check_health(sqlite_client.app.state.container)
    assert checks["event_store"] == checks["read_models"] == "ok"
    assert checks["redis"] == "not configured"
