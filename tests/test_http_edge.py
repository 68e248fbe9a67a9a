"""The HTTP edge: out-of-range integers, deep nesting, strict types, validation errors,
`Allow`, and the error envelope in the OpenAPI schema (issue 18, findings 6 and 7)."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest
from jsonschema import Draft202012Validator
from litestar import Litestar
from litestar.exceptions import ClientException
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from openapi_spec_validator import validate

from interfaces.http.body import missing_fields
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


def int_parameters(route: HTTPRoute) -> list[str]:
    """The route's integer path parameters: its ids (the feeds' `{secret:str}` is no id)."""
    return [name for name, p in route.path_parameters.items() if p.type is int]


def test_every_path_id_is_declared_within_the_store_range(sqlite_client: TestClient) -> None:
    for route in http_routes(sqlite_client):
        for handler in route.route_handlers:
            if handler.handler_name == "options_handler":  # Litestar's own, takes no parameters
                continue
            for name in int_parameters(route):
                kwarg = handler.parsed_fn_signature.parameters[name].kwarg_definition
                assert (kwarg.ge, kwarg.le) == (1, MAX_ID), f"{route.path} {name}"


def test_a_path_id_above_2_to_the_63_answers_400_on_every_route(sqlite_client: TestClient) -> None:
    root = root_token(sqlite_client)
    for route in http_routes(sqlite_client):
        if not int_parameters(route):
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


def test_a_body_as_deep_as_the_limit_reaches_validation(sqlite_client: TestClient) -> None:
    response = sqlite_client.post("/api/auth/register", content=json.dumps(nested(MAX_DEPTH)),
                                  headers={"Content-Type": "application/json"})
    assert errors_of(response) == {"body": "Expected `object`, got `array`"}


def test_brackets_inside_strings_do_not_count_as_nesting(sqlite_client: TestClient) -> None:
    body = {"email": "brackets@edge.test", "password": PASSWORD, "full_name": "[" * 100 + '\\"{' * 50}
    ok(sqlite_client.post("/api/auth/register", json=body), 201)


def test_a_deep_body_sent_as_multipart_to_a_json_handler_is_a_400_not_a_500(sqlite_client: TestClient) -> None:
    response = sqlite_client.post("/api/auth/register", content=b"[" * 1000 + b"]" * 1000,
                                  headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 400, response.text


# -- the NUL character (PostgreSQL text cannot hold it) -----------------------------------


@pytest.mark.parametrize("packed", [False, True])
def test_text_holding_a_nul_character_is_a_400_in_json_and_messagepack(sqlite_client: TestClient, packed: bool) -> None:
    root = root_token(sqlite_client)
    body = {"name": "Acme\x00Evil"}
    response = (sqlite_client.post("/api/enterprises", content=msgspec.msgpack.encode(body),
                                   headers={**root, "Content-Type": "application/x-msgpack"}) if packed
                else sqlite_client.post("/api/enterprises", json=body, headers=root))
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["message"]
    assert ok(sqlite_client.get("/api/enterprises", headers=root))["enterprises"] == []


def test_a_nul_in_a_form_login_or_a_query_string_is_a_400(sqlite_client: TestClient) -> None:
    root = root_token(sqlite_client)
    login = sqlite_client.post("/api/auth/login", content=b"username=root%00@edge.test&password=x",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    search = sqlite_client.get("/api/users?search=ro%00ot", headers=root)
    assert (login.status_code, search.status_code) == (400, 400), (login.text, search.text)
    assert [e["field"] for e in login.json()["detail"]["errors"]] == ["username"]
    assert [e["field"] for e in search.json()["detail"]["errors"]] == ["search"]


def test_a_backslash_followed_by_u0000_is_text_not_a_nul(sqlite_client: TestClient) -> None:
    root = root_token(sqlite_client)
    created = ok(sqlite_client.post("/api/enterprises", json={"name": "C:\\u0000 drive"}, headers=root), 201)
    assert created["enterprise"]["name"] == "C:\\u0000 drive"


# -- strict types -----------------------------------------------------------------------


def test_a_number_sent_as_a_string_is_refused(sqlite_client: TestClient) -> None:
    root = root_token(sqlite_client)
    errors = errors_of(sqlite_client.post("/api/shifts", json={**SHIFT, "required_staff": "2"}, headers=root))
    assert errors == {"required_staff": "Expected `int`, got `str`"}


@pytest.mark.parametrize(("field", "value"), [("auto_generate_shifts", "true"), ("department_id", "1"),
                                              ("required_staff", 2.0)])
def test_no_json_value_is_coerced_to_another_type(sqlite_client: TestClient, field: str, value: Any) -> None:
    root = root_token(sqlite_client)
    roster = {"name": "R", "department_id": department(sqlite_client, root), "start_date": "2030-01-07",
              "end_date": "2030-01-13", field: value}
    assert list(errors_of(sqlite_client.post("/api/rosters", json=roster, headers=root))) == [field]


def test_booleans_numbers_dates_and_times_in_their_json_forms_are_accepted(sqlite_client: TestClient) -> None:
    root = root_token(sqlite_client)
    roster = ok(sqlite_client.post("/api/rosters", headers=root, json={
        "name": "R", "department_id": department(sqlite_client, root), "start_date": "2030-01-07",
        "end_date": "2030-01-13", "auto_generate_shifts": True, "shift_template": "business_hours",
        "required_staff": 2, "settings": {"min_rest_hours": 8, "require_swap_approval": False},
    }), 201)["roster"]
    shift = ok(sqlite_client.post("/api/shifts", headers=root,
                                  json={**SHIFT, "roster_id": roster["id"], "required_staff": 3}), 201)
    assert shift["shift"]["required_staff"] == 3
    ok(sqlite_client.put(f"/api/rosters/{roster['id']}", headers=root,
                         json={"settings": {"min_rest_hours": 7.5}}))


def test_query_parameters_are_still_read_from_their_strings(sqlite_client: TestClient) -> None:
    body = ok(sqlite_client.get("/api/users?page=1&limit=5&active=true", headers=root_token(sqlite_client)))
    assert body["pagination"]["items_per_page"] == 5


def test_form_bodies_whose_values_are_strings_by_nature_are_still_read_leniently(
    sqlite_client: TestClient,
) -> None:
    root = root_token(sqlite_client)
    ok(sqlite_client.post("/api/auth/login", data={"username": "root@edge.test", "password": PASSWORD}))
    form = {**SHIFT, "roster_id": "999", "required_staff": "2"}
    response = sqlite_client.post("/api/shifts", data=form, headers=root)
    assert response.status_code == 404, response.text  # decoded, then refused: the roster does not exist


# -- validation errors ------------------------------------------------------------------


def test_every_missing_field_is_listed_by_its_public_name(sqlite_client: TestClient) -> None:
    response = sqlite_client.post("/api/shifts", json={}, headers=root_token(sqlite_client))
    expected = ["roster_id", "date", "start_time", "end_time", "title"]
    assert errors_of(response) == dict.fromkeys(expected, "Field required")
    body = response.json()
    assert body["details"]["missing_fields"] == expected
    assert body["message"] == "Missing required fields: " + ", ".join(expected)


def test_missing_fields_of_nested_objects_are_listed_with_their_path(sqlite_client: TestClient) -> None:
    response = sqlite_client.post("/api/shift-templates", headers=root_token(sqlite_client),
                                  json={"department_id": 1, "shifts": [{"title": "Early"}]})
    assert response.json()["details"]["missing_fields"] == ["name", "shifts[0].start_time", "shifts[0].end_time"]


def test_a_renamed_field_is_named_as_clients_send_it() -> None:
    class Filter(msgspec.Struct):
        type_: str = msgspec.field(name="type")
        limit: int = 10

    assert missing_fields({"limit": 5}, Filter) == ["type"]


def test_a_bad_query_parameter_is_named_by_its_alias_not_its_python_name(sqlite_client: TestClient) -> None:
    employee = ok(sqlite_client.post("/api/auth/register", json={
        "email": "e@edge.test", "password": PASSWORD, "full_name": "E"}), 201)
    response = sqlite_client.get("/api/employee/swap-requests?type=sideways", headers=bearer(employee["token"]))
    assert list(errors_of(response)) == ["type"]
    assert "type_" not in response.text


@pytest.mark.parametrize("content", [None, b"", b"  "])
def test_an_empty_body_is_answered_request_body_is_required(sqlite_client: TestClient, content: Any) -> None:
    response = sqlite_client.post("/api/shifts", content=content,
                                  headers={**root_token(sqlite_client), "Content-Type": "application/json"})
    assert errors_of(response) == {"body": "Request body is required"}
    assert response.json()["message"] == "Request body is required"


# -- Allow ------------------------------------------------------------------------------


def test_every_405_and_options_answer_lists_every_method_of_the_path(sqlite_client: TestClient) -> None:
    checked = 0
    for route in http_routes(sqlite_client):
        path, served = concrete(route.path), set(route.methods)
        for method in METHODS:
            if method in served:
                continue
            response = sqlite_client.request(method, path)
            assert response.status_code == 405, f"{method} {route.path}"
            assert set(response.headers["allow"].split(", ")) == served, f"{method} {route.path}"
            checked += 1
        options = sqlite_client.options(path)
        assert options.status_code == 204
        assert set(options.headers["allow"].split(", ")) == served, f"OPTIONS {route.path}"
    assert checked > 100


# -- the OpenAPI schema -----------------------------------------------------------------

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


@pytest.fixture
def schema(sqlite_client: TestClient) -> dict[str, Any]:
    return ok(sqlite_client.get("/schema/openapi.json"))


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")]


def test_the_schema_is_valid_openapi_3_1(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.1")
    validate(schema)


def test_every_error_status_of_every_operation_is_our_envelope(schema: dict[str, Any]) -> None:
    for path, method, op in operations(schema):
        for status, response in op["responses"].items():
            if status.startswith(("2", "3")) or (path.endswith("health") and status == "503"):
                continue
            assert response["content"]["application/json"]["schema"] == ENVELOPE, f"{method} {path} {status}"
    assert "status_code" not in json.dumps(schema["paths"])  # Litestar's default 400 body is gone


def test_each_operation_declares_the_statuses_it_can_answer(schema: dict[str, Any]) -> None:
    declared = {(p, m): set(op["responses"]) for p, m, op in operations(schema)}
    everywhere = {"503"}
    assert declared[("/api/rosters/{roster_id}", "put")] >= everywhere | {
        "200", "202", "400", "401", "403", "404", "409", "412", "413", "415", "422", "429"}
    assert declared[("/api/rosters/{roster_id}", "get")] >= {"400", "401", "403", "404", "422", "429"}
    assert declared[("/api/auth/login", "post")] >= {"400", "401", "413", "415", "429"}
    assert not declared[("/api/auth/register", "post")] & {"401", "412"}
    # Any command but signing in answers an auditor 403 (interfaces/http/read_only.py).
    assert "403" in declared[("/api/auth/register", "post")] and "403" not in declared[("/api/auth/login", "post")]
    assert "429" not in declared[("/health", "get")]
    for (path, method), statuses in declared.items():
        assert statuses >= everywhere, f"{method} {path}"
        if method != "get":
            assert "202" in statuses, f"{method} {path}"


def test_real_error_responses_match_the_declared_schema(sqlite_client: TestClient, schema: dict[str, Any]) -> None:
    root = root_token(sqlite_client)
    employee = ok(sqlite_client.post("/api/auth/register", json={
        "email": "e@edge.test", "password": PASSWORD, "full_name": "E"}), 201)
    enterprise = ok(sqlite_client.post("/api/enterprises", json={"name": "Edge"}, headers=root), 201)["enterprise"]
    json_ = {"Content-Type": "application/json"}
    samples = [
        ("/api/shifts", "post", sqlite_client.post("/api/shifts", json={}, headers=root)),
        ("/api/shifts", "post", sqlite_client.post("/api/shifts", json=SHIFT)),
        ("/api/enterprises", "get", sqlite_client.get("/api/enterprises", headers=bearer(employee["token"]))),
        ("/api/rosters/{roster_id}", "get", sqlite_client.get("/api/rosters/999", headers=root)),
        ("/api/auth/register", "post", sqlite_client.post("/api/auth/register", json={
            "email": "e@edge.test", "password": PASSWORD, "full_name": "E"})),
        ("/api/enterprises/{enterprise_id}", "put", sqlite_client.put(
            f"/api/enterprises/{enterprise['id']}", json={"name": "X"}, headers={**root, "If-Match": '"99"'})),
        ("/api/auth/login", "post", sqlite_client.post("/api/auth/login", content=b"<x/>",
                                                       headers={"Content-Type": "application/xml"})),
        ("/api/auth/login", "post", sqlite_client.post("/api/auth/login", content=b"[" * 3_000_000,
                                                       headers=json_)),
    ]
    seen = set()
    for path, method, response in samples:
        status = str(response.status_code)
        declared = schema["paths"][path][method]["responses"]
        assert status in declared, f"{method} {path} answered undeclared {status}"
        body_schema = {**declared[status]["content"]["application/json"]["schema"],
                       "components": schema["components"]}
        Draft202012Validator(body_schema).validate(response.json())
        seen.add(status)
    assert seen == {"400", "401", "403", "404", "409", "412", "413", "415"}
