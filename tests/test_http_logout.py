"""Logout and revocation: a token stops working at once, in every API process (docs/auth.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import PASSWORD, World, bearer, create_user, ok, seed_world
from tests.test_realtime import closed_with


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    return ok(client.post("/api/auth/login", json={"email": email, "password": password}))


def profile(client: TestClient, token: str) -> int:
    return client.get("/api/auth/profile", headers=bearer(token)).status_code


def refresh(client: TestClient, token: str) -> Any:
    return client.post("/api/auth/refresh", headers=bearer(token))


@pytest.fixture
def world(sqlite_client: TestClient) -> World:
    return seed_world(sqlite_client)


def test_logout_refuses_the_access_token_and_its_refresh_token_at_once(world: World) -> None:
    client, email = world.client, world.acme.employee["email"]
    session = login(client, email)
    assert profile(client, session["access_token"]) == 200
    assert client.post("/api/auth/logout", headers=bearer(session["access_token"])).status_code == 204
    refused = client.get("/api/auth/profile", headers=bearer(session["access_token"]))
    assert refused.status_code == 401
    assert refused.json()["detail"]["code"] == "UNAUTHORIZED"
    assert refresh(client, session["refresh_token"]).status_code == 401
    assert client.post("/api/auth/logout", headers=bearer(session["access_token"])).status_code == 401


def test_logout_ends_only_its_own_session(world: World) -> None:
    client, email = world.client, world.acme.employee["email"]
    phone, laptop = login(client, email), login(client, email)
    ok(client.post("/api/auth/logout", headers=bearer(phone["access_token"])), 204)
    assert profile(client, laptop["access_token"]) == 200
    assert refresh(client, laptop["refresh_token"]).status_code == 200


def test_an_access_token_refreshed_from_a_session_dies_with_it(world: World) -> None:
    client = world.client
    session = login(client, world.acme.employee["email"])
    renewed = ok(refresh(client, session["refresh_token"]))["access_token"]
    assert profile(client, renewed) == 200
    ok(client.post("/api/auth/logout", headers=bearer(renewed)), 204)
    assert profile(client, session["access_token"]) == 401
    assert refresh(client, session["refresh_token"]).status_code == 401


def test_logout_all_refuses_every_token_of_the_caller_and_no_one_elses(world: World) -> None:
    client, email = world.client, world.acme.employee["email"]
    sessions = [login(client, email) for _ in range(3)]
    ok(client.post("/api/auth/logout-all", headers=bearer(sessions[0]["access_token"])), 204)
    for session in sessions:
        assert profile(client, session["access_token"]) == 401
        assert refresh(client, session["refresh_token"]).status_code == 401
    assert profile(client, world.acme.manager["token"]) == 200


def test_a_token_issued_after_logout_all_works(world: World) -> None:
    client, email = world.client, world.acme.employee["email"]
    ok(client.post("/api/auth/logout-all", headers=bearer(world.acme.employee["token"])), 204)
    after = login(client, email)
    assert profile(client, after["access_token"]) == 200
    renewed = ok(refresh(client, after["refresh_token"]))["access_token"]
    assert profile(client, renewed) == 200
    root = ok(client.post("/auth/login", json={"username": email, "password": PASSWORD}))["token"]
    assert profile(client, root) == 200


def test_changing_a_users_password_revokes_every_token_they_hold(world: World) -> None:
    client, employee = world.client, world.acme.employee
    session = login(client, employee["email"])
    ok(client.put(f"/api/users/{employee['id']}", json={"password": "a-new-password-1"},
                  headers=bearer(world.acme.admin["token"])))
    assert profile(client, employee["token"]) == 401
    assert profile(client, session["access_token"]) == 401
    assert refresh(client, session["refresh_token"]).status_code == 401
    assert profile(client, login(client, employee["email"], "a-new-password-1")["token"]) == 200


def test_a_deactivated_user_stays_signed_out_when_reactivated(world: World) -> None:
    client, employee, admin = world.client, world.acme.employee, world.acme.admin
    session = login(client, employee["email"])
    ok(client.put(f"/api/users/{employee['id']}", json={"is_active": False}, headers=bearer(admin["token"])))
    assert profile(client, session["access_token"]) == 401
    ok(client.put(f"/api/users/{employee['id']}", json={"is_active": True}, headers=bearer(admin["token"])))
    assert profile(client, session["access_token"]) == 401
    assert refresh(client, session["refresh_token"]).status_code == 401
    assert profile(client, login(client, employee["email"])["token"]) == 200


def test_other_changes_of_a_user_leave_their_tokens_alone(world: World) -> None:
    client, employee = world.client, world.acme.employee
    ok(client.put(f"/api/users/{employee['id']}", json={"full_name": "Renamed Employee"},
                  headers=bearer(world.acme.admin["token"])))
    assert profile(client, employee["token"]) == 200


def test_an_auditor_may_sign_out(world: World) -> None:
    client = world.client
    auditor = create_user(client, world.acme.admin["token"], "auditor@acme.test", "auditor",
                          world.acme.enterprise_id, None)
    ok(client.post("/api/auth/logout", headers=bearer(auditor["token"])), 204)
    assert profile(client, auditor["token"]) == 401
    again = login(client, auditor["email"])
    ok(client.post("/api/auth/logout-all", headers=bearer(again["token"])), 204)
    assert profile(client, again["token"]) == 401


def test_logout_without_a_token_is_refused(world: World) -> None:
    for path in ("/api/auth/logout", "/api/auth/logout-all"):
        answer = world.client.post(path)
        assert answer.status_code == 401
        assert answer.json()["error"]
    refresh_token = login(world.client, world.acme.employee["email"])["refresh_token"]
    assert world.client.post("/api/auth/logout", headers=bearer(refresh_token)).status_code == 401


# -- 000 at the root -----------------------------------------------------------------------


def test_000_login_answers_a_token_that_works_on_every_surface(world: World) -> None:
    client, email = world.client, world.acme.employee["email"]
    answer = ok(client.post("/auth/login", json={"username": email, "password": PASSWORD}))
    assert set(answer) == {"token"}
    assert profile(client, answer["token"]) == 200


def test_000_login_with_a_wrong_password_is_refused_in_the_envelope(world: World) -> None:
    answer = world.client.post("/auth/login", json={"username": world.acme.employee["email"], "password": "nope"})
    assert answer.status_code == 401
    assert answer.json()["detail"]["code"] == "UNAUTHORIZED"
    missing = world.client.post("/auth/login", json={"username": world.acme.employee["email"]})
    assert missing.status_code == 400


def test_000_logout_revokes_the_token_in_its_body(world: World) -> None:
    client, email = world.client, world.acme.employee["email"]
    token = ok(client.post("/auth/login", json={"username": email, "password": PASSWORD}))["token"]
    answer = ok(client.post("/auth/logout", json={"token": token}))
    assert answer == {"message": "Successfully logged out"}
    assert profile(client, token) == 401
    again = client.post("/auth/logout", json={"token": token})
    assert again.status_code == 401
    assert client.post("/auth/logout", json={"token": "not-a-token"}).status_code == 401
    assert client.post("/auth/logout", json={}).status_code == 400


def test_000_logout_of_an_api_refresh_token_ends_its_whole_session(world: World) -> None:
    client = world.client
    session = login(client, world.acme.employee["email"])
    ok(client.post("/auth/logout", json={"token": session["refresh_token"]}))
    assert profile(client, session["access_token"]) == 401


def test_both_surfaces_are_in_the_openapi_schema(world: World) -> None:
    paths = world.client.get("/schema/openapi.json").json()["paths"]
    for path in ("/api/auth/logout", "/api/auth/logout-all", "/auth/login", "/auth/logout"):
        assert "post" in paths[path], path
    assert "204" in paths["/api/auth/logout"]["post"]["responses"]
    assert "401" in paths["/auth/logout"]["post"]["responses"]


# -- across processes ----------------------------------------------------------------------


@contextmanager
def two_apps(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[list[TestClient]]:
    """Two API processes' worth of app and container on one store (same data folder or schema)."""
    settings = settings_for(backend, tmp_path, request, jwt_secret="shared-secret-" + "x" * 20)
    with ExitStack() as stack:
        clients = []
        for _ in range(2):
            container = build_container(settings)
            stack.callback(container.close)
            clients.append(stack.enter_context(TestClient(create_app(settings, container))))
        yield clients


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_logout_in_one_process_is_refused_by_another_at_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with two_apps(backend, tmp_path, request) as (first, second):
        world = seed_world(first)
        email = world.acme.employee["email"]
        session, other = login(first, email), login(second, email)
        assert profile(second, session["access_token"]) == 200  # each process has seen it good
        ok(first.post("/api/auth/logout", headers=bearer(session["access_token"])), 204)
        assert profile(second, session["access_token"]) == 401
        assert refresh(second, session["refresh_token"]).status_code == 401
        assert profile(second, other["access_token"]) == 200
        ok(second.post("/api/auth/logout-all", headers=bearer(other["access_token"])), 204)
        assert profile(first, world.acme.employee["token"]) == 401
        assert profile(first, login(second, email)["token"]) == 200


# -- the read path pays nothing more -------------------------------------------------------


class CountingCursor:
    def __init__(self, cursor: Any, seen: list[str]) -> None:
        self._cursor, self._seen = cursor, seen

    def execute(self, sql: str, *args: Any) -> Any:
        self._seen.append(" ".join(sql.split()))
        return self._cursor.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@contextmanager
def counted_reads(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []
    real = container.store.read

    @contextmanager
    def read() -> Iterator[Any]:
        with real() as cursor:
            yield CountingCursor(cursor, seen)

    container.store.read = read  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del container.store.read


def test_an_authenticated_get_reads_the_caller_and_its_revocations_in_one_statement(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            world = seed_world(client)
            employee = world.acme.employee
            ok(client.post("/api/auth/logout", headers=bearer(login(client, employee["email"])["token"])), 204)
            ok(client.post("/api/auth/logout-all", headers=bearer(world.acme.manager["token"])), 204)
            with counted_reads(container) as seen:
                ok(client.get("/api/auth/profile", headers=bearer(employee["token"])))
            # The caller's statement (which also answers for revocation) and the profile's own read.
            assert len(seen) == 2, seen
            [revocation] = [s for s in seen if "rm_ended_sessions" in s]
            assert "FROM rm_users" in revocation and seen[0] == revocation
    finally:
        container.close()


@pytest.mark.parametrize("path", ["/api/notifications/ws", "/api/scheduling/ws"])
def test_a_logged_out_token_cannot_open_a_websocket(world: World, path: str) -> None:
    session = login(world.client, world.acme.employee["email"])
    ok(world.client.post("/api/auth/logout", headers=bearer(session["token"])), 204)
    assert closed_with(world.client, f"{path}?token={session['token']}") == (4401, "Token has been revoked")
