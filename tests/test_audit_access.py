"""Who may read which history: roles (403) and tenancy (404), pages and exports alike."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import bearer, create_user, ok, seed_world

ABSENT = 10**9


def roster_of(client: TestClient, manager: dict[str, Any], department_id: int, name: str) -> int:
    roster = ok(client.post("/api/rosters", headers=bearer(manager["token"]), json={
        "name": name, "department_id": department_id, "start_date": "2026-03-02", "end_date": "2026-03-03",
        "auto_generate_shifts": True, "shift_template": "business_hours"}), 201)["roster"]
    return int(roster["id"])


@pytest.fixture
def world(sqlite_client: TestClient) -> dict[str, Any]:
    world = seed_world(sqlite_client)
    acme, globex = world.acme, world.globex
    admin = acme.admin["token"]
    sales_manager = create_user(sqlite_client, admin, "sales.manager@acme.test", "manager", acme.enterprise_id,
                                acme.other_department_id)
    return {
        "world": world,
        "auditor": create_user(sqlite_client, admin, "auditor@acme.test", "auditor", acme.enterprise_id, None),
        "sales_manager": sales_manager,
        "ops": roster_of(sqlite_client, acme.manager, acme.department_id, "Ops March"),
        "sales": roster_of(sqlite_client, sales_manager, acme.other_department_id, "Sales March"),
        "globex": roster_of(sqlite_client, globex.manager, globex.department_id, "Globex March"),
    }


def get(client: TestClient, who: dict[str, Any], path: str, **headers: str) -> Any:
    return client.get(path, headers={**bearer(who["token"]), **headers})


def status(client: TestClient, who: dict[str, Any], path: str) -> int:
    return int(get(client, who, path).status_code)


def test_an_auditor_reads_every_rosters_history_and_the_whole_enterprise_log(
        sqlite_client: TestClient, world: dict[str, Any]) -> None:
    auditor = world["auditor"]
    for roster in (world["ops"], world["sales"]):
        assert ok(get(sqlite_client, auditor, f"/api/rosters/{roster}/history"))["entries"]
    log = ok(get(sqlite_client, auditor, "/api/audit/events?limit=500"))["entries"]
    assert {"user_registered", "department_created", "roster_created", "shift_added"} <= {e["type"] for e in log}
    assert not [e for e in log if "Globex" in e["summary"]]
    assert status(sqlite_client, auditor, f"/api/rosters/{world['globex']}/history") == 404


def test_a_manager_reads_their_own_departments_rosters_and_no_other(
        sqlite_client: TestClient, world: dict[str, Any]) -> None:
    acme = world["world"].acme
    assert ok(get(sqlite_client, acme.manager, f"/api/rosters/{world['ops']}/history"))["entries"]
    # Another department's roster is hidden from a manager as another tenant's is.
    assert status(sqlite_client, acme.manager, f"/api/rosters/{world['sales']}/history") == 404
    assert status(sqlite_client, acme.manager, f"/api/rosters/{world['globex']}/history") == 404
    assert status(sqlite_client, world["sales_manager"], f"/api/rosters/{world['sales']}/history") == 200


def test_a_managers_audit_log_holds_only_their_departments_rosters(
        sqlite_client: TestClient, world: dict[str, Any]) -> None:
    acme = world["world"].acme
    log = ok(get(sqlite_client, acme.manager, "/api/audit/events?limit=500"))["entries"]
    ops = ok(get(sqlite_client, acme.manager, f"/api/rosters/{world['ops']}/history?limit=500"))["entries"]
    assert log == ops  # their department has one roster; no user, department or other roster entry
    assert ok(get(sqlite_client, acme.manager, f"/api/audit/events?roster_id={world['sales']}"))["entries"] == []


def test_an_employee_reads_no_roster_history_and_no_audit_log(sqlite_client: TestClient, world: dict[str, Any]) -> None:
    employee = world["world"].acme.employee
    for path in (f"/api/rosters/{world['ops']}/history", f"/api/rosters/{ABSENT}/history",
                 f"/api/rosters/{world['globex']}/history", "/api/audit/events",
                 f"/api/rosters/{world['ops']}/history?format=csv", "/api/audit/events?format=ndjson"):
        answer = get(sqlite_client, employee, path)
        assert answer.status_code == 403, path
        assert answer.json()["detail"]["code"] == "FORBIDDEN"
    assert status(sqlite_client, employee, "/api/employee/history") == 200


def test_another_tenants_roster_answers_404_as_an_absent_one(sqlite_client: TestClient, world: dict[str, Any]) -> None:
    acme = world["world"].acme
    for who in (acme.admin, world["auditor"], acme.manager):
        for suffix in ("", "?format=ndjson", "?format=csv"):
            theirs = get(sqlite_client, who, f"/api/rosters/{world['globex']}/history{suffix}")
            absent = get(sqlite_client, who, f"/api/rosters/{ABSENT}/history{suffix}")
            assert (theirs.status_code, theirs.json()) == (absent.status_code, absent.json())
            assert theirs.status_code == 404 and theirs.headers["content-type"].startswith("application/json")


def test_a_system_admin_reads_every_enterprise_and_narrows_the_log_to_one(
        sqlite_client: TestClient, world: dict[str, Any]) -> None:
    root, globex = world["world"].root, world["world"].globex
    assert status(sqlite_client, root, f"/api/rosters/{world['globex']}/history") == 200
    theirs = ok(get(sqlite_client, root, f"/api/audit/events?limit=500&enterprise_id={globex.enterprise_id}"))
    assert theirs["entries"] and not [e for e in theirs["entries"] if "Acme" in e["summary"]]
    # Other callers' enterprise_id narrows within their own scope: another tenant's gives nothing.
    acme_admin = world["world"].acme.admin
    mine = ok(get(sqlite_client, acme_admin, f"/api/audit/events?enterprise_id={globex.enterprise_id}"))
    assert mine["entries"] == [] and mine["pagination"]["total_items"] == 0


def test_a_deleted_rosters_history_stays_readable(sqlite_client: TestClient, world: dict[str, Any]) -> None:
    acme = world["world"].acme
    ok(sqlite_client.delete(f"/api/rosters/{world['ops']}", headers=bearer(acme.manager["token"])), 204)
    assert status(sqlite_client, acme.admin, f"/api/rosters/{world['ops']}") == 404
    entries = ok(get(sqlite_client, acme.admin, f"/api/rosters/{world['ops']}/history"))["entries"]
    # Deleting saves the roster's event first, then its shifts'.
    assert [e["type"] for e in entries][-3:] == ["roster_deleted", "shift_removed", "shift_removed"]
    assert entries[-3]["summary"] == "Manager deleted the roster Ops March"


def test_history_needs_a_signed_in_caller(sqlite_client: TestClient, world: dict[str, Any]) -> None:
    for path in (f"/api/rosters/{world['ops']}/history", "/api/audit/events", "/api/employee/history"):
        assert sqlite_client.get(path).status_code == 401
