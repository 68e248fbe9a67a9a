"""The contract's envelopes, auth endpoints, content negotiation and error mapping."""

from __future__ import annotations

import jwt
import msgspec
import pytest
from litestar import get
from litestar.testing import TestClient

from tests.support import PASSWORD, bearer, ok, seed_world


def assert_envelope(body: dict, status_code: str) -> None:
    assert set(body) >= {"error", "message", "detail"}
    assert body["detail"]["code"] == status_code
    assert body["detail"]["message"] == body["message"]


def create_root(client: TestClient) -> dict:
    return ok(
        client.post(
            "/api/auth/create-system-admin",
            json={"full_name": "Root", "email": "root@x.test", "password": PASSWORD},
        ),
        201,
    )


def test_the_first_system_admin_is_created_once_and_then_refused(sqlite_client: TestClient) -> None:
    body = create_root(sqlite_client)
    assert body["user"]["role"] == "systemAdmin"
    assert body["user"]["enterprise_id"] is None and body["user"]["department_id"] is None
    again = sqlite_client.post(
        "/api/auth/create-system-admin",
        json={"full_name": "Second", "email": "second@x.test", "password": PASSWORD},
    )
    assert again.status_code == 409
    assert_envelope(again.json(), "CONFLICT")


def test_a_token_carries_the_contract_claims(sqlite_client: TestClient) -> None:
    token = create_root(sqlite_client)["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "schedulax-api"
    assert {"id", "email", "role", "enterprise_id", "department_id", "iat", "exp"} <= set(claims)
    assert claims["role"] == "systemAdmin" and claims["exp"] > claims["iat"]


def test_registration_with_002_fields_returns_the_user_and_a_token(sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    response = sqlite_client.post(
        "/api/auth/register",
        json={
            "full_name": "John Doe", "email": "john@acme.test", "password": PASSWORD,
            "role": "employee", "gender": "male",
            "enterprise_id": world.acme.enterprise_id, "department_id": world.acme.department_id,
        },
    )
    body = ok(response, 201)
    assert body["message"] == "User registered successfully"
    assert body["user"]["email"] == "john@acme.test" and body["user"]["is_active"] is True
    assert body["user"]["created_at"].endswith("Z")
    profile = ok(sqlite_client.get("/api/auth/profile", headers=bearer(body["token"])))
    assert profile["user"]["id"] == body["user"]["id"]


def test_registration_with_001_fields_creates_a_standalone_employee(sqlite_client: TestClient) -> None:
    body = ok(
        sqlite_client.post(
            "/api/auth/register",
            json={"email": "user@example.com", "password": "securepass", "username": "username"},
        ),
        201,
    )
    assert body["id"] == body["user"]["id"] and body["username"] == "username"
    assert body["email"] == "user@example.com" and body["created_at"].endswith("Z")
    assert body["user"]["role"] == "employee" and body["user"]["enterprise_id"] is None
    login = ok(sqlite_client.post("/api/auth/login", data={"username": "user@example.com",
                                                           "password": "securepass"}))
    assert login["user"]["id"] == body["id"]
    # Standing in no enterprise, they see no enterprise's departments.
    assert sqlite_client.get("/api/departments/enterprise/1", headers=bearer(login["token"])).status_code == 404


def test_registration_into_a_department_of_another_enterprise_places_nobody(sqlite_client: TestClient) -> None:
    # It only asks to join, like any registration naming an enterprise, and is answered alike
    # (tests/test_http_consent.py): whether the ids exist or match is not revealed.
    world = seed_world(sqlite_client)
    response = sqlite_client.post(
        "/api/auth/register",
        json={"full_name": "Mallory", "email": "m@x.test", "password": PASSWORD,
              "enterprise_id": world.acme.enterprise_id, "department_id": world.globex.department_id},
    )
    user = ok(response, 201)["user"]
    assert (user["enterprise_id"], user["department_id"]) == (None, None)
    assert user["join_request"] == {"enterprise_id": world.acme.enterprise_id,
                                    "department_id": world.globex.department_id, "status": "pending"}


def test_login_accepts_json_and_form_and_returns_both_token_shapes(sqlite_client: TestClient) -> None:
    create_root(sqlite_client)
    as_json = ok(sqlite_client.post("/api/auth/login", json={"email": "ROOT@x.test", "password": PASSWORD}))
    as_form = ok(sqlite_client.post("/api/auth/login", data={"username": "root@x.test", "password": PASSWORD}))
    for body in (as_json, as_form):
        assert body["token"] == body["access_token"] and body["token_type"] == "bearer"
        assert body["refresh_token"]
    refreshed = ok(sqlite_client.post("/api/auth/refresh", headers=bearer(as_form["refresh_token"])))
    assert ok(sqlite_client.get("/api/auth/profile", headers=bearer(refreshed["access_token"])))
    # An access token is not a refresh token.
    assert sqlite_client.post("/api/auth/refresh", headers=bearer(as_json["token"])).status_code == 401


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(sqlite_client: TestClient) -> None:
    create_root(sqlite_client)
    wrong = sqlite_client.post("/api/auth/login", json={"email": "root@x.test", "password": "nope-nope"})
    unknown = sqlite_client.post("/api/auth/login", json={"email": "who@x.test", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"] == "Invalid email or password"
    assert_envelope(wrong.json(), "UNAUTHORIZED")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}],
)
def test_protected_endpoints_refuse_missing_or_bad_tokens(sqlite_client: TestClient, headers: dict) -> None:
    response = sqlite_client.get("/api/auth/profile", headers=headers)
    assert response.status_code == 401
    assert_envelope(response.json(), "UNAUTHORIZED")


def test_an_expired_token_is_refused(sqlite_client: TestClient) -> None:
    body = create_root(sqlite_client)
    container = sqlite_client.app.state.container
    user = msgspec.structs.replace(container.identity.profile(container.identity.principal(body["user"]["id"])))
    stale = container.tokens.issue(user, now=1_000_000)
    response = sqlite_client.get("/api/auth/profile", headers=bearer(stale))
    assert response.status_code == 401 and "expired" in response.json()["message"].lower()


def test_profile_update_changes_name_and_gender_only(sqlite_client: TestClient) -> None:
    token = create_root(sqlite_client)["token"]
    body = ok(sqlite_client.put("/api/auth/profile", json={"full_name": "Root Smith", "gender": "female",
                                                          "role": "employee"}, headers=bearer(token)))
    assert body["user"]["full_name"] == "Root Smith" and body["user"]["gender"] == "female"
    assert body["user"]["role"] == "systemAdmin"


def test_missing_fields_are_named_in_the_validation_error(sqlite_client: TestClient) -> None:
    response = sqlite_client.post("/api/auth/create-system-admin", json={"full_name": "X", "password": PASSWORD})
    assert response.status_code == 400
    body = response.json()
    assert_envelope(body, "VALIDATION_ERROR")
    assert body["details"]["missing_fields"] == ["email"]
    assert body["detail"]["errors"][0]["field"] == "email"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"full_name": 5, "email": "a@b.test", "password": PASSWORD}, "full_name"),
        ({"full_name": "A", "email": "a@b.test", "password": "short"}, "password"),
        ({"full_name": "A", "email": "a@b.test", "password": "x" * 73}, "password"),
        ({"full_name": "", "email": "a@b.test", "password": PASSWORD}, "full_name"),
        ({"full_name": "A", "email": "not-an-email", "password": PASSWORD}, "email"),
    ],
)
def test_wrong_types_and_values_get_400_naming_the_field(
    sqlite_client: TestClient, payload: dict, field: str
) -> None:
    response = sqlite_client.post("/api/auth/create-system-admin", json=payload)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["errors"][0]["field"] == field


def test_an_unknown_enum_value_is_a_400_naming_the_field(sqlite_client: TestClient) -> None:
    token = create_root(sqlite_client)["token"]
    response = sqlite_client.post(
        "/api/users",
        json={"full_name": "A", "email": "a@b.test", "password": PASSWORD, "role": "overlord"},
        headers=bearer(token),
    )
    assert response.status_code == 400
    assert response.json()["detail"]["errors"][0]["field"] == "role"


def test_malformed_json_is_a_400(sqlite_client: TestClient) -> None:
    response = sqlite_client.post(
        "/api/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert_envelope(response.json(), "VALIDATION_ERROR")


def test_an_unsupported_media_type_is_a_415(sqlite_client: TestClient) -> None:
    response = sqlite_client.post(
        "/api/auth/login", content=b"<xml/>", headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 415
    assert_envelope(response.json(), "UNSUPPORTED_MEDIA_TYPE")


def test_an_oversized_body_is_a_413(sqlite_client: TestClient) -> None:
    big = b'{"email": "' + b"a" * 2_000_000 + b'"}'
    response = sqlite_client.post("/api/auth/login", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert_envelope(response.json(), "PAYLOAD_TOO_LARGE")


def test_messagepack_requests_and_responses_round_trip(sqlite_client: TestClient) -> None:
    create_root(sqlite_client)
    response = sqlite_client.post(
        "/api/auth/login",
        content=msgspec.msgpack.encode({"email": "root@x.test", "password": PASSWORD}),
        headers={"Content-Type": "application/x-msgpack", "Accept": "application/x-msgpack"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-msgpack"
    body = msgspec.msgpack.decode(response.content)
    assert body["user"]["email"] == "root@x.test"
    error = sqlite_client.get("/api/auth/profile", headers={"Accept": "application/x-msgpack"})
    assert error.status_code == 401
    assert msgspec.msgpack.decode(error.content)["detail"]["code"] == "UNAUTHORIZED"


def test_a_malformed_messagepack_body_is_a_400(sqlite_client: TestClient) -> None:
    response = sqlite_client.post(
        "/api/auth/login", content=b"\xc1\xc1", headers={"Content-Type": "application/x-msgpack"}
    )
    assert response.status_code == 400


def test_unknown_routes_and_methods_get_the_envelope(sqlite_client: TestClient) -> None:
    missing = sqlite_client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert_envelope(missing.json(), "NOT_FOUND")
    wrong_method = sqlite_client.delete("/api/auth/profile")
    assert wrong_method.status_code == 405
    assert_envelope(wrong_method.json(), "METHOD_NOT_ALLOWED")


def test_an_unexpected_exception_is_a_500_without_internals(sqlite_client: TestClient) -> None:
    @get("/api/explode")
    async def explode() -> None:
        raise RuntimeError("secret database password is hunter2")

    sqlite_client.app.register(explode)
    response = sqlite_client.get("/api/explode")
    assert response.status_code == 500
    assert "hunter2" not in response.text
    assert response.json()["message"] == "An unexpected error occurred"


def test_health_reports_the_event_store_and_read_models(sqlite_client: TestClient) -> None:
    for path in ("/health", "/api/health"):
        body = ok(sqlite_client.get(path))
        assert body["checks"]["event_store"] == "ok" and body["checks"]["read_models"] == "ok"
        assert body["checks"]["redis"] == "not configured"


def test_the_openapi_schema_describes_every_endpoint(sqlite_client: TestClient) -> None:
    schema = ok(sqlite_client.get("/schema/openapi.json"))
    paths = schema["paths"]
    for path, method in [
        ("/api/auth/create-system-admin", "post"), ("/api/auth/register", "post"),
        ("/api/auth/login", "post"), ("/api/auth/profile", "get"), ("/api/auth/profile", "put"),
        ("/api/users", "post"), ("/api/users", "get"), ("/api/users/{user_id}", "put"),
        ("/api/users/{user_id}", "get"), ("/api/enterprises", "post"), ("/api/enterprises", "get"),
        ("/api/enterprises/{enterprise_id}", "get"), ("/api/departments", "post"),
        ("/api/departments/enterprise/{enterprise_id}", "get"),
        ("/api/departments/{department_id}", "get"), ("/api/departments/{department_id}", "put"),
        ("/api/departments/{department_id}", "delete"), ("/health", "get"),
    ]:
        assert method in paths[path], f"{method.upper()} {path} missing from OpenAPI"
    assert "requestBody" in paths["/api/users"]["post"]
