"""Browser pages on other origins (CORS): preflights for every route, CORS headers on every
answer (errors and 429s too), disallowed origins told nothing, and settings that cannot work refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from litestar import get
from litestar.testing import TestClient

from infrastructure.settings import InvalidSettings, Settings
from interfaces import cli
from interfaces.container import build_container
from interfaces.http.app import create_app
from interfaces.http.cors import EXPOSED_HEADERS
from tests.conftest import settings_for
from tests.support import PASSWORD, bearer, ok

APP = "https://app.example.test"
EVIL = "https://evil.example.test"
ASKED_HEADERS = "authorization, content-type, if-match, idempotency-key, x-request-id"


@contextmanager
def browser_facing(tmp_path: Path, request: pytest.FixtureRequest, **overrides: object) -> Iterator[TestClient]:
    settings = settings_for("sqlite", tmp_path, request, **{"cors_origins": (APP,), **overrides})
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield client
    finally:
        container.close()


def preflight(client: TestClient, path: str, method: str, origin: str = APP) -> object:
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": ASKED_HEADERS})


def listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


def assert_readable_by(response: object, origin: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers.get("access-control-allow-origin") == origin, (response.status_code, dict(headers))  # type: ignore[attr-defined]
    assert listed(headers["access-control-expose-headers"]) >= {h.lower() for h in EXPOSED_HEADERS}


PREFLIGHTED = [
    ("/api/auth/login", "POST"),
    ("/api/rosters", "POST"),
    ("/api/rosters/7", "PUT"),
    ("/api/notifications/3/read", "PATCH"),
    ("/api/shifts/4", "DELETE"),
    ("/scheduling/events", "GET"),
    ("/files", "POST"),
    ("/api/no-such-route", "GET"),
]
"""Public and authenticated routes of the three surfaces, and a path that routes nowhere."""


def test_a_preflight_from_an_allowed_origin_is_answered_for_every_route_even_those_behind_authentication(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with browser_facing(tmp_path, request) as client:
        for path, method in PREFLIGHTED:
            answer = preflight(client, path, method)
            assert answer.status_code == 204, (path, answer.text)
            assert answer.headers["access-control-allow-origin"] == APP
            assert method.lower() in listed(answer.headers["access-control-allow-methods"])
            assert listed(answer.headers["access-control-allow-headers"]) >= listed(ASKED_HEADERS)
            assert int(answer.headers["access-control-max-age"]) > 0
            assert "access-control-allow-credentials" not in answer.headers


def test_answers_to_an_allowed_origin_carry_cors_headers_errors_included(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    @get("/api/explode-for-cors")
    async def explode() -> None:
        raise RuntimeError("boom")

    with browser_facing(tmp_path, request) as client:
        client.app.register(explode)
        origin = {"Origin": APP}
        root = ok(client.post("/api/auth/create-system-admin", headers=origin, json={
            "full_name": "Root", "email": "root@system.test", "password": PASSWORD}), 201)
        signed_in = {**origin, **bearer(root["token"])}
        answers = {
            200: client.get("/api/auth/profile", headers=signed_in),
            400: client.put("/api/rosters/1", headers={**signed_in, "If-Match": "junk"}, json={"name": "x"}),
            401: client.get("/api/rosters", headers=origin),
            404: client.get("/api/no-such-route", headers=origin),
            500: client.get("/api/explode-for-cors", headers=origin),
        }
        for status, answer in answers.items():
            assert answer.status_code == status, (status, answer.text)
            assert_readable_by(answer, APP)
            assert answer.headers["vary"] == "Origin"
        assert answers[200].headers["x-request-id"]


def test_a_429_carries_the_cors_headers_and_preflights_spend_no_budget(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with browser_facing(tmp_path, request, rate_limit_enabled=True, rate_limit_auth="2/minute") as client:
        for _ in range(5):
            assert preflight(client, "/api/auth/login", "POST").status_code == 204
        login = {"email": "nobody@example.test", "password": "wrong-password-1"}
        statuses = [client.post("/api/auth/login", json=login, headers={"Origin": APP}) for _ in range(3)]
        assert [s.status_code for s in statuses] == [401, 401, 429]
        refused = statuses[-1]
        assert_readable_by(refused, APP)
        assert refused.headers["retry-after"] and refused.headers["x-ratelimit-remaining"] == "0"
        # Out of budget, the browser may still ask (and then read the 429 above).
        assert preflight(client, "/api/auth/login", "POST").status_code == 204


def test_a_disallowed_origin_gets_no_allow_origin_header(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with browser_facing(tmp_path, request) as client:
        refused = preflight(client, "/api/rosters", "POST", origin=EVIL)
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        answer = client.get("/health", headers={"Origin": EVIL})
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers


def test_no_origins_configured_means_no_cors_at_all(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with browser_facing(tmp_path, request, cors_origins=()) as client:
        for answer in (preflight(client, "/api/rosters", "POST"), client.get("/health", headers={"Origin": APP})):
            assert not [h for h in answer.headers if h.lower().startswith("access-control-")], dict(answer.headers)


def test_a_star_without_credentials_lets_any_page_read_the_answers(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with browser_facing(tmp_path, request, cors_origins=("*",)) as client:
        answer = preflight(client, "/api/rosters", "POST", origin=EVIL)
        assert answer.status_code == 204 and answer.headers["access-control-allow-origin"] == "*"
        unauthorised = client.get("/api/rosters", headers={"Origin": EVIL})
        assert unauthorised.status_code == 401
        assert_readable_by(unauthorised, "*")
        assert "access-control-allow-credentials" not in unauthorised.headers


def test_listed_origins_may_be_allowed_credentials(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with browser_facing(tmp_path, request, cors_allow_credentials=True) as client:
        answer = preflight(client, "/api/rosters", "POST")
        assert answer.headers["access-control-allow-origin"] == APP
        assert answer.headers["access-control-allow-credentials"] == "true"
        assert client.get("/health", headers={"Origin": APP}).headers["access-control-allow-credentials"] == "true"


def test_origins_are_read_comma_separated_from_the_environment() -> None:
    settings = Settings.from_env({"SCHEDULAX_CORS_ORIGINS": " https://a.example.test, http://127.0.0.1:5173 ,"})
    assert settings.cors_origins == ("https://a.example.test", "http://127.0.0.1:5173")
    assert Settings.from_env({}).cors_origins == () and Settings.from_env({}).cors_allow_credentials is False


def test_a_star_with_credentials_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"SCHEDULAX_CORS_ORIGINS": "*", "SCHEDULAX_CORS_ALLOW_CREDENTIALS": "true"}
    with pytest.raises(InvalidSettings, match="SCHEDULAX_CORS_ORIGINS=\\*.*SCHEDULAX_CORS_ALLOW_CREDENTIALS"):
        Settings.from_env(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["serve"]) == 2
    assert "cannot be combined" in capsys.readouterr().err


@pytest.mark.parametrize("origin", ["https://app.example.test/", "app.example.test", "https://a.test/path"])
def test_an_origin_with_a_path_or_without_a_scheme_is_refused(origin: str) -> None:
    with pytest.raises(InvalidSettings, match="not an origin"):
        Settings(cors_origins=(origin,))
