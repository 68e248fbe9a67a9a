"""Roles and tenancy through HTTP: who may see and change which enterprise's data.

Contract: 002 sections Authentication Endpoints, User Management, Enterprise
Management, Department Management and Error Handling. Another tenant's
resources are hidden (403 or 404, never the data); a role that may never do a
kind of operation gets 403.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import PASSWORD, World, bearer, create_user, ok, seed_world

ROLES = ["admin", "manager", "employee", "colleague"]


@pytest.fixture
def world(sqlite_client: TestClient) -> World:
    return seed_world(sqlite_client)


def refused(response: Any, *statuses: int) -> dict[str, Any]:
    """The response failed with one of `statuses` and carries the error envelope."""
    assert response.status_code in statuses, f"{response.status_code}: {response.text}"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert body["detail"]["code"] and body["detail"]["message"] == body["message"]
    return body


def user_ids(body: dict[str, Any]) -> set[int]:
    return {u["id"] for u in body["users"]}


def users(world: World, who: dict[str, Any], query: str = "") -> dict[str, Any]:
    return ok(world.client.get(f"/api/users{query}", headers=world.token(who)))


def put_user(world: World, who: dict[str, Any], user_id: int, **fields: Any) -> Any:
    return world.client.put(f"/api/users/{user_id}", json=fields, headers=world.token(who))


def login(world: World, email: str) -> Any:
    return world.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})


# -- who sees what ------------------------------------------------------------


def test_a_system_admin_sees_every_enterprise_and_every_user(world: World) -> None:
    listed = ok(world.client.get("/api/enterprises", headers=world.token(world.root)))
    assert {e["id"] for e in listed["enterprises"]} == {
        world.acme.enterprise_id, world.globex.enterprise_id,
    }
    body = users(world, world.root, "?limit=100")
    assert body["pagination"]["total_items"] == 9
    assert world.globex.employee["id"] in user_ids(body) and world.root["id"] in user_ids(body)
    detail = ok(world.client.get(f"/api/enterprises/{world.globex.enterprise_id}",
                                 headers=world.token(world.root)))["enterprise"]
    assert detail["name"] == "Globex" and detail["total_users"] == 4


def test_an_enterprise_admin_cannot_read_another_enterprise(world: World) -> None:
    own = ok(world.client.get(f"/api/enterprises/{world.acme.enterprise_id}",
                              headers=world.token(world.acme.admin)))["enterprise"]
    assert own["id"] == world.acme.enterprise_id and own["name"] == "Acme"
    response = world.client.get(f"/api/enterprises/{world.globex.enterprise_id}",
                                headers=world.token(world.acme.admin))
    body = refused(response, 403, 404)
    assert "enterprise" not in body and "Globex" not in response.text


@pytest.mark.parametrize("role", ROLES)
def test_only_a_system_admin_may_list_enterprises(world: World, role: str) -> None:
    who = getattr(world.acme, role)
    body = refused(world.client.get("/api/enterprises", headers=world.token(who)), 403)
    assert "enterprises" not in body and body["detail"]["code"] == "FORBIDDEN"


def test_an_enterprise_admin_lists_only_the_users_of_its_enterprise(world: World) -> None:
    acme = world.acme
    body = users(world, acme.admin, "?limit=100")
    assert user_ids(body) == {acme.admin["id"], acme.manager["id"], acme.employee["id"],
                              acme.colleague["id"]}
    assert {u["enterprise_id"] for u in body["users"]} == {acme.enterprise_id}
    # Asking for the other enterprise explicitly does not widen the view.
    other = users(world, acme.admin, f"?enterprise_id={world.globex.enterprise_id}")
    assert world.globex.employee["id"] not in user_ids(other)


def test_a_manager_sees_only_the_users_of_its_own_department(world: World) -> None:
    acme = world.acme
    body = users(world, acme.manager, "?limit=100")
    assert user_ids(body) == {acme.manager["id"], acme.employee["id"]}
    assert body["pagination"]["total_items"] == 2
    widened = users(world, acme.manager, f"?department_id={acme.other_department_id}")
    assert acme.colleague["id"] not in user_ids(widened)
    refused(world.client.get(f"/api/users/{acme.colleague['id']}",
                             headers=world.token(acme.manager)), 403, 404)
    seen = ok(world.client.get(f"/api/users/{acme.employee['id']}",
                               headers=world.token(acme.manager)))
    assert seen["user"]["email"] == "employee@acme.test"


def test_an_employee_cannot_list_users_but_can_read_only_itself(world: World) -> None:
    acme = world.acme
    refused(world.client.get("/api/users", headers=world.token(acme.employee)), 403)
    own = ok(world.client.get(f"/api/users/{acme.employee['id']}",
                              headers=world.token(acme.employee)))["user"]
    assert own["id"] == acme.employee["id"] and own["email"] == "employee@acme.test"
    for other in (acme.manager, acme.colleague, world.globex.employee):
        body = refused(world.client.get(f"/api/users/{other['id']}",
                                        headers=world.token(acme.employee)), 404)
        assert "user" not in body and body["detail"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lists_the_departments_of_its_own_enterprise_only(
    world: World, role: str
) -> None:
    who = getattr(world.acme, role)
    body = ok(world.client.get(f"/api/departments/enterprise/{world.acme.enterprise_id}",
                               headers=world.token(who)))
    assert {d["id"] for d in body["departments"]} == {
        world.acme.department_id, world.acme.other_department_id,
    }
    assert body["pagination"]["total_items"] == 2
    response = world.client.get(f"/api/departments/enterprise/{world.globex.enterprise_id}",
                                headers=world.token(who))
    refused(response, 404)
    assert "Globex" not in response.text


def test_a_department_of_another_enterprise_cannot_be_read_changed_or_deleted(
    world: World,
) -> None:
    target = f"/api/departments/{world.globex.department_id}"
    headers = world.token(world.acme.admin)
    refused(world.client.get(target, headers=headers), 404)
    refused(world.client.put(target, json={"name": "Hijacked"}, headers=headers), 404)
    refused(world.client.delete(target, headers=headers), 404)
    still = ok(world.client.get(target, headers=world.token(world.globex.admin)))["department"]
    assert still["name"] == "Globex Ops"


# -- no role escalation --------------------------------------------------------


def test_an_enterprise_admin_cannot_create_a_system_admin(world: World) -> None:
    response = world.client.post("/api/users", headers=world.token(world.acme.admin), json={
        "full_name": "Sneaky", "email": "sneaky@acme.test", "password": PASSWORD,
        "role": "systemAdmin", "enterprise_id": None, "department_id": None,
    })
    refused(response, 403)
    refused(login(world, "sneaky@acme.test"), 401)


def test_an_enterprise_admin_cannot_create_a_user_in_another_enterprise(world: World) -> None:
    response = world.client.post("/api/users", headers=world.token(world.acme.admin), json={
        "full_name": "Mole", "email": "mole@globex.test", "password": PASSWORD,
        "role": "employee", "enterprise_id": world.globex.enterprise_id,
        "department_id": world.globex.department_id,
    })
    refused(response, 403, 404)
    assert users(world, world.globex.admin, "?search=mole")["users"] == []
    refused(login(world, "mole@globex.test"), 401)


def test_an_enterprise_admin_cannot_update_a_user_of_another_enterprise(world: World) -> None:
    victim = world.globex.employee
    refused(put_user(world, world.acme.admin, victim["id"], full_name="Owned", is_active=False),
            403, 404)
    after = ok(world.client.get(f"/api/users/{victim['id']}",
                                headers=world.token(world.globex.admin)))["user"]
    assert after["full_name"] == victim["full_name"] and after["is_active"] is True


@pytest.mark.parametrize("role", ["manager", "employee"])
def test_managers_and_employees_cannot_create_users(world: World, role: str) -> None:
    response = world.client.post("/api/users", headers=world.token(getattr(world.acme, role)),
                                 json={"full_name": "New", "email": f"new-{role}@acme.test",
                                       "password": PASSWORD, "role": "employee",
                                       "enterprise_id": world.acme.enterprise_id,
                                       "department_id": world.acme.department_id})
    assert refused(response, 403)["detail"]["code"] == "FORBIDDEN"
    refused(login(world, f"new-{role}@acme.test"), 401)


@pytest.mark.parametrize("role", ["enterpriseAdmin", "systemAdmin", "manager"])
def test_public_registration_refuses_privileged_roles(world: World, role: str) -> None:
    email = f"self-{role.lower()}@acme.test"
    response = world.client.post("/api/auth/register", json={
        "full_name": "Self Made", "email": email, "password": PASSWORD, "role": role,
        "enterprise_id": world.acme.enterprise_id,
    })
    refused(response, 403)
    refused(login(world, email), 401)


def test_public_registration_of_an_employee_gives_a_working_token(world: World) -> None:
    body = ok(world.client.post("/api/auth/register", json={
        "full_name": "New Hire", "email": "hire@acme.test", "password": PASSWORD,
        "role": "employee", "enterprise_id": world.acme.enterprise_id,
        "department_id": world.acme.department_id,
    }), 201)
    assert body["user"]["role"] == "employee" and body["user"]["is_active"] is True
    # Joining takes the enterprise's consent (tests/test_http_consent.py): placed nowhere yet.
    assert body["user"]["enterprise_id"] is None
    profile = ok(world.client.get("/api/auth/profile", headers=bearer(body["token"])))["user"]
    assert profile["email"] == "hire@acme.test" and profile["role"] == "employee"
    assert body["user"]["id"] not in user_ids(users(world, world.acme.manager))
    assert body["user"]["id"] in user_ids(users(world, world.acme.manager, "?pending=true"))


def test_an_enterprise_admin_cannot_promote_anyone_to_system_admin(world: World) -> None:
    target = world.acme.manager
    refused(put_user(world, world.acme.admin, target["id"], role="systemAdmin"), 403)
    after = ok(world.client.get(f"/api/users/{target['id']}",
                                headers=world.token(world.acme.admin)))["user"]
    assert after["role"] == "manager" and after["enterprise_id"] == world.acme.enterprise_id
    refused(world.client.get("/api/enterprises", headers=world.token(target)), 403)


# -- changes take effect at once ----------------------------------------------


def test_a_deactivated_user_is_refused_with_its_old_token_and_cannot_log_in(
    world: World,
) -> None:
    employee = world.acme.employee
    ok(world.client.get("/api/auth/profile", headers=world.token(employee)))
    changed = ok(put_user(world, world.acme.admin, employee["id"], is_active=False))["user"]
    assert changed["is_active"] is False
    body = refused(world.client.get("/api/auth/profile", headers=world.token(employee)), 401)
    assert body["detail"]["code"] == "UNAUTHORIZED"
    refused(login(world, "employee@acme.test"), 401)


def test_demoting_a_manager_takes_effect_on_its_next_request(world: World) -> None:
    manager = world.acme.manager
    ok(world.client.get("/api/users", headers=world.token(manager)))
    changed = ok(put_user(world, world.acme.admin, manager["id"], role="employee"))["user"]
    assert changed["role"] == "employee"
    refused(world.client.get("/api/users", headers=world.token(manager)), 403)
    profile = ok(world.client.get("/api/auth/profile", headers=world.token(manager)))["user"]
    assert profile["role"] == "employee"


# -- filters and paging --------------------------------------------------------


def test_users_can_be_filtered_by_role_department_and_activity(world: World) -> None:
    acme = world.acme
    assert user_ids(users(world, acme.admin, "?role=manager")) == {acme.manager["id"]}
    assert user_ids(users(world, acme.admin, "?role=employee")) == {
        acme.employee["id"], acme.colleague["id"]}
    assert user_ids(users(world, acme.admin, f"?department_id={acme.other_department_id}")) == {
        acme.colleague["id"]}
    ok(put_user(world, acme.admin, acme.colleague["id"], is_active=False))
    inactive = users(world, acme.admin, "?active=false")
    assert user_ids(inactive) == {acme.colleague["id"]}
    assert inactive["users"][0]["is_active"] is False
    assert user_ids(users(world, acme.admin, "?active=true")) == {
        acme.admin["id"], acme.manager["id"], acme.employee["id"]}
    assert user_ids(users(world, acme.admin, "?role=employee&active=true")) == {
        acme.employee["id"]}


def test_user_search_matches_name_or_email_ignoring_case(world: World) -> None:
    acme = world.acme
    zelda = create_user(world.client, acme.admin["token"], "zq@acme.test", "employee",
                        acme.enterprise_id, acme.department_id, full_name="Zelda Quartermaine")
    assert user_ids(users(world, acme.admin, "?search=QUARTER")) == {zelda["id"]}
    assert user_ids(users(world, acme.admin, "?search=EMPLOYEE@ACME")) == {acme.employee["id"]}
    assert user_ids(users(world, acme.admin, "?search=colleague")) == {acme.colleague["id"]}
    # Search never reaches into another tenant.
    assert users(world, acme.admin, "?search=globex")["pagination"]["total_items"] == 0


def test_users_are_paginated_with_totals(world: World) -> None:
    seen: list[int] = []
    for page in (1, 2, 3):
        body = users(world, world.root, f"?limit=4&page={page}")
        assert body["pagination"] == {"current_page": page, "total_pages": 3,
                                      "total_items": 9, "items_per_page": 4}
        assert len(body["users"]) == (4 if page < 3 else 1)
        seen += [u["id"] for u in body["users"]]
    assert len(set(seen)) == 9
    beyond = users(world, world.root, "?limit=4&page=4")
    assert beyond["users"] == [] and beyond["pagination"]["total_items"] == 9


@pytest.mark.parametrize("query", ["?limit=101", "?page=0", "?limit=0", "?page=-1"])
def test_out_of_range_paging_is_a_validation_error(world: World, query: str) -> None:
    body = refused(world.client.get(f"/api/users{query}", headers=world.token(world.root)), 400)
    assert body["detail"]["code"] == "VALIDATION_ERROR" and "users" not in body


# -- enterprise detail and department lifecycle ----------------------------------


def test_enterprise_detail_counts_users_per_department_and_active_users(world: World) -> None:
    acme = world.acme
    url = f"/api/enterprises/{acme.enterprise_id}"
    detail = ok(world.client.get(url, headers=world.token(acme.admin)))["enterprise"]
    counts = {d["id"]: (d["name"], d["user_count"]) for d in detail["departments"]}
    assert counts == {acme.department_id: ("Acme Ops", 2),
                      acme.other_department_id: ("Acme Sales", 1)}
    assert (detail["total_users"], detail["active_users"]) == (4, 4)
    ok(put_user(world, acme.admin, acme.employee["id"], is_active=False))
    after = ok(world.client.get(url, headers=world.token(acme.admin)))["enterprise"]
    assert (after["total_users"], after["active_users"]) == (4, 3)
    globex = ok(world.client.get(f"/api/enterprises/{world.globex.enterprise_id}",
                                 headers=world.token(world.root)))["enterprise"]
    assert (globex["total_users"], globex["active_users"]) == (4, 4)


def test_a_department_is_deleted_only_once_its_active_users_have_moved(world: World) -> None:
    acme = world.acme
    headers = world.token(acme.admin)
    target = f"/api/departments/{acme.other_department_id}"
    body = refused(world.client.delete(target, headers=headers), 409)
    assert body["detail"]["code"] == "CONFLICT"
    assert ok(world.client.get(target, headers=headers))["department"]["name"] == "Acme Sales"
    moved = ok(put_user(world, acme.admin, acme.colleague["id"],
                        department_id=acme.department_id))["user"]
    assert moved["department_id"] == acme.department_id
    response = world.client.delete(target, headers=headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    listing = ok(world.client.get(f"/api/departments/enterprise/{acme.enterprise_id}",
                                  headers=headers))
    assert [d["id"] for d in listing["departments"]] == [acme.department_id]
    assert listing["departments"][0]["user_count"] == 3
    refused(world.client.get(target, headers=headers), 404)
    detail = ok(world.client.get(f"/api/enterprises/{acme.enterprise_id}",
                                 headers=headers))["enterprise"]
    assert [d["id"] for d in detail["departments"]] == [acme.department_id]


def test_updating_a_user_needs_a_current_etag_when_one_is_sent(world: World) -> None:
    acme = world.acme
    url = f"/api/users/{acme.employee['id']}"
    read = world.client.get(url, headers=world.token(acme.admin))
    first = read.headers["ETag"]
    assert first
    renamed = world.client.put(url, json={"full_name": "Renamed Once"},
                               headers={**world.token(acme.admin), "If-Match": first})
    assert ok(renamed)["user"]["full_name"] == "Renamed Once"
    second = renamed.headers["ETag"]
    assert second and second != first
    stale = world.client.put(url, json={"full_name": "Lost Update"},
                             headers={**world.token(acme.admin), "If-Match": first})
    assert refused(stale, 412)["detail"]["code"] == "PRECONDITION_FAILED"
    current = ok(world.client.get(url, headers=world.token(acme.admin)))
    assert current["user"]["full_name"] == "Renamed Once"
    again = world.client.put(url, json={"full_name": "Renamed Twice"},
                             headers={**world.token(acme.admin), "If-Match": second})
    assert ok(again)["user"]["full_name"] == "Renamed Twice"
    assert again.headers["ETag"] not in (first, second)


# -- the same rules on every store --------------------------------------------


def test_tenancy_rules_hold_on_every_store(client: TestClient) -> None:
    world = seed_world(client)
    acme, globex = world.acme, world.globex
    refused(client.get(f"/api/enterprises/{globex.enterprise_id}",
                       headers=world.token(acme.admin)), 403, 404)
    refused(client.get("/api/enterprises", headers=world.token(acme.admin)), 403)
    assert {u["enterprise_id"] for u in users(world, acme.admin, "?limit=100")["users"]} == {
        acme.enterprise_id}
    assert user_ids(users(world, acme.manager)) == {acme.manager["id"], acme.employee["id"]}
    refused(client.get("/api/users", headers=world.token(acme.employee)), 403)
    refused(client.get(f"/api/users/{globex.employee['id']}",
                       headers=world.token(acme.employee)), 404)
    refused(client.get(f"/api/departments/{globex.department_id}",
                       headers=world.token(acme.admin)), 404)
    refused(put_user(world, acme.admin, globex.employee["id"], full_name="Owned"), 403, 404)
    refused(put_user(world, acme.admin, acme.manager["id"], role="systemAdmin"), 403)
    ok(put_user(world, acme.admin, acme.employee["id"], is_active=False))
    refused(client.get("/api/auth/profile", headers=world.token(acme.employee)), 401)
