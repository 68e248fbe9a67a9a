"""Rate limits per surface: 002's on shared paths, 001's on its own, 000's at the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrastructure.settings import Settings
from infrastructure.ratelimit import RateLimiter
from infrastructure.tokens import TokenIssuer
from interfaces.http.ratelimit import RateLimitMiddleware
from tests.support import PASSWORD, bearer, ok
from tests.test_ratelimit import limited_client


def limit_of(response: object) -> str:
    return response.headers["X-RateLimit-Limit"]  # type: ignore[attr-defined]


def rule_of(method: str, path: str, token: str | None = None) -> tuple[str, str]:
    """The rule and bucket the middleware picks for a request, with the default settings
    (paths of the other surfaces need not be served yet: unrouted paths answer 404 unlimited)."""
    tokens = TokenIssuer("s" * 32, ttl_seconds=60)
    middleware = RateLimitMiddleware(None, RateLimiter(), tokens, Settings())
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers, "client": ("10.0.0.1", 1)}
    rule, key = middleware._rule_and_key(scope, path)
    return rule, key[0]


def test_each_surface_has_its_documents_default_limit() -> None:
    expected = {
        ("POST", "/api/auth/login"): ("10/minute", "auth"),  # shared by 002 and 001: 002's
        ("POST", "/api/auth/register"): ("10/minute", "auth"),
        ("POST", "/api/auth/refresh"): ("10/minute", "auth"),
        ("POST", "/api/auth/logout"): ("5/minute", "sign_out"),  # 001's own: 001's
        ("POST", "/api/auth/logout-all"): ("5/minute", "sign_out"),
        ("GET", "/api/events"): ("100/minute", "events"),  # 001's events surface
        ("GET", "/api/events/7"): ("100/minute", "events"),
        ("POST", "/api/events/batch"): ("100/minute", "events"),  # 001's rule, not 002's bulk
        ("POST", "/auth/login"): ("1000/hour", "root"),  # 000's
        ("POST", "/auth/logout"): ("1000/hour", "root"),
        ("GET", "/scheduling/events"): ("1000/hour", "root"),
        ("POST", "/files"): ("1000/hour", "root"),
        ("GET", "/files/abc"): ("1000/hour", "root"),
        ("GET", "/api/notifications"): ("100/minute", "general"),  # shared by 002 and 001: 002's
        ("GET", "/api/rosters"): ("100/minute", "general"),
        ("POST", "/api/rosters/1/shifts/bulk"): ("20/minute", "bulk"),
    }
    assert {key: rule_of(*key) for key in expected} == expected


def test_the_served_paths_answer_with_their_surfaces_limit(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    defaults = Settings()
    with limited_client(tmp_path, request, rate_limit_auth=defaults.rate_limit_auth,
                        rate_limit_general=defaults.rate_limit_general) as client:
        assert limit_of(client.post("/api/auth/login", json={})) == "10"
        assert limit_of(client.post("/api/auth/logout")) == "5"
        assert limit_of(client.post("/auth/login", json={})) == "1000"
        assert limit_of(client.post("/auth/logout", json={})) == "1000"
        assert limit_of(client.get("/api/auth/profile")) == "100"


def test_spending_one_surfaces_budget_leaves_the_others(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # The events surface's prefix is configurable: here it takes the notifications (served
    # already) off the general budget.
    with limited_client(tmp_path, request, rate_limit_auth="50/minute", rate_limit_general="2/minute",
                        rate_limit_events="3/minute", rate_limit_events_prefix="/api/notifications",
                        rate_limit_root="2/minute") as client:
        root = ok(client.post("/api/auth/create-system-admin",
                              json={"full_name": "R", "email": "r@x.test", "password": PASSWORD}), 201)
        who = bearer(root["token"])
        assert [client.get("/api/auth/profile", headers=who).status_code for _ in range(3)] == [200, 200, 429]
        notes = [client.get("/api/notifications", headers=who).status_code for _ in range(4)]
        assert notes == [200, 200, 200, 429]
        # 000's surface has a budget of its own, one for all its paths (per IP when anonymous).
        assert client.post("/auth/login", json={"username": "r@x.test", "password": PASSWORD}).status_code == 200
        assert client.post("/auth/logout", json={"token": "x"}).status_code == 401
        assert client.post("/auth/login", json={"username": "r@x.test", "password": PASSWORD}).status_code == 429
        assert client.get("/api/auth/profile", headers=who).status_code == 429  # still spent


def test_sign_outs_count_per_ip_at_their_own_rate(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with limited_client(tmp_path, request, rate_limit_auth="50/minute", rate_limit_sign_out="1/minute") as client:
        root = ok(client.post("/api/auth/create-system-admin",
                              json={"full_name": "R", "email": "r@x.test", "password": PASSWORD}), 201)
        second = ok(client.post("/api/auth/login", json={"email": "r@x.test", "password": PASSWORD}))
        assert client.post("/api/auth/logout", headers=bearer(root["token"])).status_code == 204
        assert client.post("/api/auth/logout", headers=bearer(second["token"])).status_code == 429
        assert client.get("/api/auth/profile", headers=bearer(second["token"])).status_code == 200


def test_the_surfaces_are_configured_from_the_environment() -> None:
    settings = Settings.from_env({
        "SCHEDULAX_RATE_LIMIT_SIGN_OUT": "7/minute",
        "SCHEDULAX_RATE_LIMIT_EVENTS": "70/minute",
        "SCHEDULAX_RATE_LIMIT_EVENTS_PREFIX": "/api/calendar",
        "SCHEDULAX_RATE_LIMIT_ROOT": "500/hour",
        "SCHEDULAX_RATE_LIMIT_ROOT_PREFIXES": "/auth/, /scheduling/ ,",
    })
    assert (settings.rate_limit_sign_out, settings.rate_limit_events, settings.rate_limit_events_prefix,
            settings.rate_limit_root) == ("7/minute", "70/minute", "/api/calendar", "500/hour")
    assert settings.rate_limit_root_prefixes == ("/auth/", "/scheduling/")
    assert Settings.from_env({}).rate_limit_root_prefixes == ("/auth/", "/scheduling/", "/files")
