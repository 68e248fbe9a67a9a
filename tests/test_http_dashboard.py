"""Dashboards over HTTP: each role's shape, tenant limits, counters that follow events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import World, ok, seed_world
from tests.test_http_rostering import assigned, fails, h, roster, set_status, shift

TODAY = date.today()


def ahead(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


@pytest.fixture
def w(sqlite_client: TestClient) -> World:
    return seed_world(sqlite_client)


def stats(c: TestClient, who: dict[str, Any], path: str = "stats") -> dict[str, Any]:
    body = ok(c.get(f"/api/dashboard/{path}", headers=h(who)))
    assert body["message"] == "Dashboard stats retrieved successfully"
    return body["stats"]


def test_a_system_admin_sees_whole_system_counts_health_and_recent_activity(w: World) -> None:
    c = w.client
    s = stats(c, w.root)
    # root, then per tenant an admin, a manager, an employee and a colleague
    assert (s["total_enterprises"], s["total_users"], s["active_users"], s["total_rosters"]) == (2, 9, 9, 0)
    assert s["system_health"] in ("excellent", "good")  # sign-ins are not waited for
    activity = s["recent_activity"]
    assert len(activity) == 10
    assert activity[0]["type"] == "user_registered"
    assert activity == sorted(activity, key=lambda a: a["timestamp"], reverse=True)
    assert set(stats(c, w.root, "system")) == set(s)


def test_counters_follow_deactivation_and_new_rosters_and_ignore_nothing(w: World) -> None:
    c, a = w.client, w.acme
    ok(c.put(f"/api/users/{a.colleague['id']}", json={"is_active": False}, headers=h(a.admin)))
    roster(c, a.manager, a.department_id)
    s = stats(c, w.root)
    assert (s["total_users"], s["active_users"], s["total_rosters"]) == (9, 8, 1)
    e = stats(c, a.admin)
    assert (e["total_users"], e["active_users"], e["total_rosters"]) == (4, 3, 1)
    assert stats(c, w.globex.admin)["total_rosters"] == 0  # another tenant's roster is not counted


def test_an_enterprise_admin_sees_a_breakdown_of_their_departments_only(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    ok(set_status(c, a.manager, r["id"], "published"))
    e = stats(c, a.admin)
    assert e["total_departments"] == 2
    breakdown = {d["id"]: d for d in e["department_breakdown"]}
    assert set(breakdown) == {a.department_id, a.other_department_id}
    assert breakdown[a.department_id]["active_rosters"] == 1
    assert breakdown[a.department_id]["total_users"] == 2  # the manager and the employee
    assert breakdown[a.other_department_id]["active_rosters"] == 0
    assert any(x["type"] == "roster_published" for x in e["recent_activity"])
    fails(c.get(f"/api/dashboard/enterprise?enterprise_id={w.globex.enterprise_id}", headers=h(a.admin)), 404)
    assert stats(c, w.root, f"enterprise?enterprise_id={a.enterprise_id}")["total_departments"] == 2
    fails(c.get("/api/dashboard/enterprise", headers=h(w.root)), 400)
    fails(c.get("/api/dashboard/enterprise", headers=h(a.manager)), 403)
    fails(c.get("/api/dashboard/system", headers=h(a.admin)), 403)


def test_pending_approvals_count_time_off_until_a_manager_decides(w: World) -> None:
    c, a = w.client, w.acme
    asked = ok(c.post("/api/employee/time-off", json={"start_date": ahead(20), "reason": "trip"},
                      headers=h(a.employee)), 201)
    entry = next(v for v in asked.values() if isinstance(v, dict))
    assert stats(c, a.manager)["pending_approvals"] == 1
    assert stats(c, a.admin)["pending_approvals"] == 1
    assert stats(c, w.globex.admin)["pending_approvals"] == 0
    ok(c.patch(f"/api/time-off/{entry['id']}/decision", json={"action": "approve"}, headers=h(a.manager)))
    assert stats(c, a.manager)["pending_approvals"] == 0


def test_a_manager_sees_the_team_with_upcoming_shifts_and_last_login(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, start=ahead(1), end=ahead(7))
    for n in (1, 3):
        assigned(c, a.manager, shift(c, a.manager, r["id"], ahead(n))["id"], a.employee)
    shift(c, a.manager, r["id"], ahead(5))
    m = stats(c, a.manager)
    assert m["team_size"] == 1  # the manager is not their own team member
    [member] = m["team_members"]
    assert member["id"] == a.employee["id"] and member["upcoming_shifts"] == 2
    assert member["last_login"] is not None  # the seed logged everyone in
    assert m["upcoming_shifts"] == 3
    assert m["active_rosters"] == 0
    assert stats(c, a.admin, f"manager?department_id={a.department_id}")["upcoming_shifts"] == 3
    fails(c.get(f"/api/dashboard/manager?department_id={w.globex.department_id}", headers=h(a.manager)), 404)
    fails(c.get(f"/api/dashboard/manager?department_id={a.other_department_id}", headers=h(a.manager)), 404)
    fails(c.get("/api/dashboard/manager", headers=h(a.employee)), 403)


def test_an_employee_sees_upcoming_shifts_hours_this_week_and_month_and_the_next_shift(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, start=ahead(1), end=ahead(12))
    days = (1, 2, 10)
    for n in days:
        assigned(c, a.manager, shift(c, a.manager, r["id"], ahead(n), "22:00", "06:00")["id"], a.employee)
    monday = TODAY - timedelta(days=TODAY.weekday())
    in_week = sum(monday <= TODAY + timedelta(days=n) < monday + timedelta(days=7) for n in days)
    in_month = sum((TODAY + timedelta(days=n)).month == TODAY.month for n in days)
    ok(c.patch(f"/api/rosters/{r['id']}/status", json={"status": "published"}, headers=h(a.manager)))
    s = stats(c, a.employee)
    assert s["upcoming_shifts"] == 3
    assert s["this_week_hours"] == 8 * in_week
    assert s["this_month_hours"] == 8 * in_month
    assert s["next_shift"]["date"] == ahead(1)
    assert (s["next_shift"]["start_time"], s["next_shift"]["end_time"]) == ("22:00", "06:00")
    assert s["unread_notifications"] == 4  # three assignments and the published roster
    assert s["pending_swaps"] == 0
    assert stats(c, a.employee, "employee") == s
    empty = stats(c, a.colleague)
    assert (empty["upcoming_shifts"], empty["next_shift"], empty["this_week_hours"]) == (0, None, 0)


def test_the_dashboard_needs_a_token(w: World) -> None:
    assert w.client.get("/api/dashboard/stats").status_code == 401
