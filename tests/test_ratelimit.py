"""Rate limits: contract headers, 429 bodies, and one budget shared through Redis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from litestar.testing import TestClient

from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import PASSWORD, bearer, ok

LIMITS = dict(rate_limit_enabled=True, rate_limit_auth="3/minute", rate_limit_general="5/minute",
              rate_limit_bulk="2/minute")


@contextmanager
def limited_client(tmp_path: Path, request: pytest.FixtureRequest, **extra: object) -> Iterator[TestClient]:
    settings = settings_for("sqlite", tmp_path, request, **{**LIMITS, **extra})
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield client
    container.close()


def login(client: TestClient) -> object:
    return client.post("/api/auth/login", json={"email": "nobody@x.test", "password": "whatever1"})


def test_auth_endpoints_allow_their_budget_then_answer_429(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with limited_client(tmp_path, request) as client:
        statuses = []
        for _ in range(3):
            response = login(client)
            statuses.append(response.status_code)
            assert response.headers["X-RateLimit-Limit"] == "3"
        assert statuses == [401, 401, 401]
        refused = login(client)
        assert refused.status_code == 429
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert int(refused.headers["Retry-After"]) >= 1
        body = refused.json()
        assert body["detail"]["code"] == "RATE_LIMIT_EXCEEDED"
        assert body["detail"]["reset_at"].endswith("Z") and body["details"]["reset_at"]


def test_remaining_counts_down_with_each_request(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with limited_client(tmp_path, request) as client:
        remaining = [int(login(client).headers["X-RateLimit-Remaining"]) for _ in range(3)]
        assert remaining == [2, 1, 0]
        reset = int(login(client).headers["X-RateLimit-Reset"])
        assert reset > 1_700_000_000


def test_general_limits_count_per_user_not_per_ip(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with limited_client(tmp_path, request, rate_limit_auth="50/minute") as client:
        root = ok(client.post("/api/auth/create-system-admin",
                              json={"full_name": "R", "email": "r@x.test", "password": PASSWORD}), 201)
        for _ in range(5):
            assert client.get("/api/auth/profile", headers=bearer(root["token"])).status_code == 200
        assert client.get("/api/auth/profile", headers=bearer(root["token"])).status_code == 429
        # An anonymous caller from the same IP has a budget of its own.
        assert client.get("/api/auth/profile").status_code == 401


def test_health_is_not_rate_limited(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with limited_client(tmp_path, request, rate_limit_general="1/minute") as client:
        assert all(client.get("/health").status_code == 200 for _ in range(5))


@pytest.mark.redis
def test_two_api_processes_share_one_budget_through_redis(
    tmp_path: Path, request: pytest.FixtureRequest, redis_url: str
) -> None:
    with ExitStack() as stack:
        first = stack.enter_context(limited_client(tmp_path / "a", request, redis_url=redis_url))
        second = stack.enter_context(limited_client(tmp_path / "b", request, redis_url=redis_url))
        assert login(first).status_code == 401
        assert login(second).status_code == 401
        assert login(first).status_code == 401
        assert login(second).status_code == 429
        assert login(first).status_code == 429


def test_rate_limiting_can_be_switched_off(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with limited_client(tmp_path, request, rate_limit_enabled=False) as client:
        responses = [login(client) for _ in range(6)]
        assert all(r.status_code == 401 for r in responses)
        assert "X-RateLimit-Limit" not in responses[0].headers
