"""The HTTP edge: out-of-range integers, deep nesting, strict types, validation errors,
`Allow`, and the error envelope in the OpenAPI schema (issue 18, findings 6 and 7)."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.exceptions import ClientException
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from interfaces.http.dto import MAX_ID
from interfaces.http.negotiation import MAX_DEPTH
from interfaces.http.params import expected_version
from tests.support import PASSWORD, bearer, ok

TOO_BIG = 2**63
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SHIFT = {"roster_id": 1, "date": "2030-01-07", "start_time": "08:00", "end_time": "16:00", "title": "Day"}


def root_token(client: TestClient) -> dict[str, str]:
    body = ok(client.post("/api/auth/create-system-admin",
                          json={"full_name": "Root", "email": "root@edge.test", "password": PASSWORD}), 201)
    return bearer(body["token"])


def department(client: TestClient, root: dict[str, str]) -> int:
    enterprise = ok(client.post("/api/enterprises", json={"name": "Edge"}, headers=root), 201)["enterprise"]
    return ok(client.post("/api/departments", json={"name": "Ops", "enterprise_id": enterprise["id"]},
                          headers=root), 201)["department"]["id"]


def http_routes(client: TestClient) -> list[HTTPRoute]:
    app: Litestar = client.app  # type: ignore[assignment]
    return [r for r in app.routes if isinstance(r, HTTPRoute) and not r.path.startswith("/schema")]


def concrete(path: str, value: object = 1) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["detail"]["code"] == "VALIDATION_ERROR"
    return {e["field"]: e["message"] for e in body["detail"]["errors"]}


# -- integers outside the store's range --------------------------------------------------


def test_every_path_id_is_declared_within_the_store_range(sqlite_client: TestClient) -> None:
    for route in http_routes(sqlite_client):
        for handler in route.route_handlers:
            if handler.handler_name == "options_handler":  # Litestar's own, takes no parameters
                continue
            for name in route.path_parameters:
                kwarg = handler.parsed_fn_signature.parameters[name].kwarg_definition
                assert (kwarg.ge, kwarg.le) == (1, MAX_ID), f"{route.path} {name}"


def test_a_path_id_above_2_to_the_63_answers_400_on_every_route(sqlite_client: TestClient) -> None:
    root = root_token(sqlite_client)
    for route in http_routes(sqlite_client):
        if not route.path_parameters:
            continue
        for method in sorted(route.methods - {"OPTIONS"}):
            response = sqlite_client.request(method, concrete(route.path, TOO_BIG), headers=root, json={})
            assert response.status_code == 400, f"{method} {route.path}: {response.text}"


def test_a_roster_id_above_2_to_the_63_names_the_path_parameter(sqlite_client: TestClient) -> None:
    errors = errors_of(sqlite_client.get(f"/api/rosters/{TOO_BIG}", headers=root_token(sqlite_client)))
    assert list(errors) == ["roster_id"]


@pytest.mark.parametrize("path", ["/api/users", "/api/enterprises", "/api/rosters", "/api/notifications"])
def test_a_page_above_the_store_range_answers_400(sqlite_client: TestClient, path: str) -> None:
    errors = errors_of(sqlite_client.get(f"{path}?page={TOO_BIG}", headers=root_token(sqlite_client)))
    assert list(errors) == ["page"]


def test_the_last_page_the_store_can_offset_is_still_served(sqlite_client: TestClient) -> None:
    response = sqlite_client.get(f"/api/users?page={MAX_ID // 100}&limit=100", headers=root_token(sqlite_client))
    assert ok(response)["users"] == []


def test_registering_with_an_enterprise_id_above_2_to_the_63_answers_400_without_login(
    sqlite_client: TestClient,
) -> None:
    response = sqlite_client.post("/api/auth/register", json={
        "email": "new@edge.test", "password": PASSWORD, "full_name": "New", "enterprise_id": TOO_BIG,
    })
    assert list(errors_of(response)) == ["enterprise_id"]


def test_query_and_nested_body_ids_above_2_to_the_63_answer_400(sqlite_client: TestClient) -> None:
    root = root_token(sqlite_client)
    assert list(errors_of(sqlite_client.get(f"/api/rosters?department_id={TOO_BIG}", headers=root))) == [
        "department_id"]
    bulk = {"assignments": [{"shift_id": 1, "employee_id": TOO_BIG}]}
    assert list(errors_of(sqlite_client.post("/api/shifts/bulk-assign", json=bulk, headers=root))) == [
        "assignments[0].employee_id"]


@pytest.mark.parametrize("version", ["9" * 5000, str(TOO_BIG)], ids=["5000-digits", "2^63"])
def test_an_if_match_that_is_no_stored_version_answers_400(sqlite_client: TestClient, version: str) -> None:
    root = root_token(sqlite_client)
    enterprise = ok(sqlite_client.post("/api/enterprises", json={"name": "Edge"}, headers=root), 201)["enterprise"]
    response = sqlite_client.put(f"/api/enterprises/{enterprise['id']}", json={"name": "Edgier"},
                                 headers={**root, "If-Match": f'"{version}"'})
    assert response.status_code == 400, response.text
    assert "If-Match" in response.json()["message"]


def test_an_if_match_of_non_ascii_digits_is_refused_not_parsed() -> None:
    # A header byte 0xB2 reads as "²" (latin-1): str.isdigit() says yes, int() raises.
    with pytest.raises(ClientException):
        expected_version('"\u00b2"')


# -- nesting depth ----------------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("packed", [False, True], ids=["json", "msgpack"])
def test_a_body_nested_1000_deep_answers_a_clear_400(sqlite_client: TestClient, packed: bool) -> None:
    if packed:
        content, ctype = b"\x91" * 1000 + b"\x01", "application/x-msgpack"
    else:
        content, ctype = b"[" * 1000 + b"1" + b"]" * 1000, "application/json"
    response = sqlite_client.post("/api/auth/register", content=content, headers={"Content-Type": ctype})
    assert response.status_code == 400, response.text
    assert response.json()["message"] == f"Request body is nested more than {MAX_DEPTH} levels deep"


def test_messagepack_deeper_than_the_limit_is_refused_like_json(sqlite_client: TestClient) -> None:
    response = sqlite_client.post("/api/auth/register", content=msgspec.msgpack.encode(nested(MAX_DEPTH + 1)),
                                  headers={"Content-Type": "application/x-msgpack"})
    assert response.status_code == 400
    assert "nested" in response.json()["message"]


@pytest.mark.parametrize("content", [msgspec.msgpack.encode(msgspec.msgpack.Ext(1, b"x")), b"\x81\x91\x01\x02"],
                         ids=["extension-type", "array-key"])
def test_messagepack_with_no_json_equivalent_is_a_400(sqlite_client: TestClient, content: bytes) -> None:
    response = sqlite_client.post("/api/auth/register", content=content,
                                  headers={"Content-Type": "application/x-msgpack"})
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Malformed application/x-msgpack request body"


def test_brackets_inside_strings_do_not_count_as_nesting(sqlite_client: TestClient) -> None:
    body = {"email": "brackets@edge.test", "password": PASSWORD, "full_name": "[" * 100 + '\\"{' * 50}
    ok(sqlite_client.post("/api/auth/register", json=body), 201)
