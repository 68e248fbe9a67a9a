"""Rosters, shifts, assignments, schedules, swaps and templates over HTTP (contract 002).

Every error is checked for the shared envelope: `error`, `message` and `detail.code`.
Dates are in January 2026; 2026-01-05 is a Monday.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import World, bearer, create_user, ok, seed_world

CODES = {400: "VALIDATION_ERROR", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT",
         412: "PRECONDITION_FAILED"}
DEFAULT_SETTINGS = {"auto_assign": False, "assignment_strategy": "balanced", "max_shifts_per_person": None,
                    "min_rest_hours": 10, "require_swap_approval": True, "allow_shift_claims": False,
                    "require_claim_approval": True, "max_hours_per_week": None, "max_consecutive_days": None}


def fails(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, f"{response.status_code}: {response.text}"
    body = response.json()
    assert {"error", "message", "detail"} <= set(body), body
    assert body["detail"]["code"] == CODES[response.status_code]
    assert body["message"]
    return body


def h(who: dict[str, Any]) -> dict[str, str]:
    return bearer(who["token"])


@pytest.fixture
def w(sqlite_client: TestClient) -> World:
    return seed_world(sqlite_client)


def day(n: int) -> str:
    return f"2026-01-{n:02d}"


def new_roster(c: TestClient, who: dict, department_id: int, start: str, end: str, **extra: Any) -> Any:
    body = {"name": extra.pop("name", f"Roster {start}"), "department_id": department_id,
            "start_date": start, "end_date": end, **extra}
    return c.post("/api/rosters", json=body, headers=h(who))


def roster(c: TestClient, who: dict, dept: int, start: str = day(5), end: str = day(11), **extra: Any) -> dict:
    return ok(new_roster(c, who, dept, start, end, **extra), 201)["roster"]


def new_shift(c: TestClient, who: dict, roster_id: int, date: str, start: str, end: str, staff: int = 1) -> Any:
    body = {"roster_id": roster_id, "date": date, "start_time": start, "end_time": end, "title": "Shift"}
    return c.post("/api/shifts", json={**body, "required_staff": staff}, headers=h(who))


def shift(c: TestClient, who: dict, roster_id: int, date: str, start: str = "08:00", end: str = "16:00",
          staff: int = 1) -> dict[str, Any]:
    return ok(new_shift(c, who, roster_id, date, start, end, staff), 201)["shift"]


def assign(c: TestClient, who: dict, shift_id: int, employee: dict) -> Any:
    return c.post(f"/api/shifts/{shift_id}/assignments", json={"employee_id": employee["id"]}, headers=h(who))


def assigned(c: TestClient, who: dict, shift_id: int, employee: dict) -> dict[str, Any]:
    return ok(assign(c, who, shift_id, employee), 201)["assignment"]


def schedule(c: TestClient, who: dict, query: str = "") -> dict[str, Any]:
    return ok(c.get(f"/api/employee/my-schedule{query}", headers=h(who)))["schedule"]


def shift_ids(c: TestClient, who: dict) -> list[int]:
    return sorted(a["shift"]["id"] for a in schedule(c, who)["assignments"])


def get_shift(c: TestClient, who: dict, shift_id: int) -> dict[str, Any]:
    return ok(c.get(f"/api/shifts/{shift_id}", headers=h(who)))["shift"]


def staff(c: TestClient, w: World, name: str) -> dict[str, Any]:
    return create_user(c, w.acme.admin["token"], f"{name}@acme.test", "employee", w.acme.enterprise_id,
                       w.acme.department_id)


def set_status(c: TestClient, who: dict, roster_id: int, status: str) -> Any:
    return c.patch(f"/api/rosters/{roster_id}/status", json={"status": status}, headers=h(who))


def test_a_manager_creates_a_draft_roster_with_settings_merged_into_the_defaults(w: World) -> None:
    c, a = w.client, w.acme
    response = new_roster(c, a.manager, a.department_id, day(5), day(11), name="January Ops",
                          description="Monthly", settings={"max_shifts_per_person": 20})
    body = ok(response, 201)
    assert body["message"] == "Roster created successfully"
    r = body["roster"]
    assert (r["name"], r["description"], r["department_id"]) == ("January Ops", "Monthly", a.department_id)
    assert (r["start_date"], r["end_date"], r["status"]) == (day(5), day(11), "draft")
    assert r["created_by"] == a.manager["id"] and r["created_at"]
    assert r["settings"] == {**DEFAULT_SETTINGS, "max_shifts_per_person": 20}
    assert r["metadata"]["total_shifts"] == 0 and r["metadata"]["assigned_shifts"] == 0
    assert r["metadata"]["coverage_percentage"] == 0 and r["shifts"] == []
    assert response.headers["ETag"] == f'"{r["version"]}"'


@pytest.mark.parametrize(("template", "count", "times"), [
    ("standard_8hour", 21, {("06:00", "14:00"), ("14:00", "22:00"), ("22:00", "06:00")}),
    ("12hour", 14, {("07:00", "19:00"), ("19:00", "07:00")}),
    ("business_hours", 5, {("09:00", "17:00")}),
])
def test_generated_shifts_follow_the_chosen_default_template(
    w: World, template: str, count: int, times: set[tuple[str, str]]
) -> None:
    r = roster(w.client, w.acme.manager, w.acme.department_id, day(5), day(11),
               auto_generate_shifts=True, shift_template=template)
    assert r["metadata"]["total_shifts"] == count and len(r["shifts"]) == count
    assert {(s["start_time"], s["end_time"]) for s in r["shifts"]} == times
    dates = {s["date"] for s in r["shifts"]}
    assert dates == ({day(n) for n in range(5, 10)} if template == "business_hours"
                     else {day(n) for n in range(5, 12)})
    assert all(s["assigned_staff"] == 0 and s["required_staff"] == 1 for s in r["shifts"])


def test_roster_dates_must_be_in_order_and_span_at_most_366_days(w: World) -> None:
    c, a = w.client, w.acme
    body = fails(new_roster(c, a.manager, a.department_id, day(10), day(5)), 400)
    assert "start_date" in body["message"]
    fails(new_roster(c, a.manager, a.department_id, "2026-01-01", "2027-01-02"), 400)
    assert new_roster(c, a.manager, a.department_id, "2026-01-01", "2027-01-01").status_code == 201


def test_an_overlapping_live_roster_of_the_same_department_is_refused_but_another_department_is_free(
    w: World,
) -> None:
    c, a = w.client, w.acme
    roster(c, a.manager, a.department_id, day(5), day(11))
    body = fails(new_roster(c, a.manager, a.department_id, day(10), day(20)), 409)
    assert body["message"] == "A roster already exists for this date range"
    other = roster(c, a.admin, a.other_department_id, day(5), day(11))
    assert other["department_id"] == a.other_department_id


def test_an_unknown_template_and_callers_who_do_not_manage_the_department_are_refused(w: World) -> None:
    c, a = w.client, w.acme
    fails(new_roster(c, a.manager, a.department_id, day(5), day(11), auto_generate_shifts=True,
                     shift_template="4hour"), 400)
    fails(new_roster(c, a.manager, a.other_department_id, day(5), day(11)), 404, 403)
    fails(new_roster(c, a.employee, a.department_id, day(5), day(11)), 403)
    fails(new_roster(c, w.globex.admin, a.department_id, day(5), day(11)), 404, 403)
    assert ok(c.get("/api/rosters/all", headers=h(a.admin)))["rosters"] == []


def test_a_roster_page_carries_the_total_on_every_store_even_past_the_end(client: TestClient) -> None:
    a = seed_world(client).acme
    for month in (1, 2, 3):
        roster(client, a.manager, a.department_id, f"2026-0{month}-01", f"2026-0{month}-07", name=f"R{month}")
    for number, names in ((1, ["R3", "R2"]), (2, ["R1"]), (3, [])):
        page = ok(client.get(f"/api/rosters/all?limit=2&page={number}", headers=h(a.manager)))
        assert [r["name"] for r in page["rosters"]] == names
        assert page["pagination"]["total_items"] == 3 and page["pagination"]["total_pages"] == 2


def test_the_roster_list_filters_paginates_and_hides_drafts_and_other_departments(w: World) -> None:
    c, a = w.client, w.acme
    alpha = roster(c, a.manager, a.department_id, "2026-01-01", "2026-01-07", name="Alpha January")
    beta = roster(c, a.manager, a.department_id, "2026-02-01", "2026-02-07", name="Beta February")
    gamma = roster(c, a.manager, a.department_id, "2026-03-01", "2026-03-07", name="Gamma March")
    sales = roster(c, a.admin, a.other_department_id, "2026-01-01", "2026-01-07", name="Sales")
    for r in (beta, gamma, sales):
        ok(set_status(c, a.admin, r["id"], "published"))

    def names(who: dict, query: str = "") -> list[str]:
        return sorted(r["name"] for r in ok(c.get(f"/api/rosters/all{query}", headers=h(who)))["rosters"])

    assert names(a.manager) == ["Alpha January", "Beta February", "Gamma March"]
    assert names(a.manager, "?status=published") == ["Beta February", "Gamma March"]
    assert names(a.manager, "?start_date=2026-02-01") == ["Beta February", "Gamma March"]
    assert names(a.manager, "?end_date=2026-02-28") == ["Alpha January", "Beta February"]
    assert names(a.manager, "?search=Beta") == ["Beta February"]
    assert len(names(a.admin)) == 4
    page = ok(c.get("/api/rosters/all?limit=2&page=2", headers=h(a.manager)))
    assert len(page["rosters"]) == 1
    assert page["pagination"] == {"current_page": 2, "total_pages": 2, "total_items": 3, "items_per_page": 2}
    beyond = ok(c.get("/api/rosters/all?limit=2&page=5", headers=h(a.manager)))
    assert beyond["rosters"] == []
    assert beyond["pagination"] == {"current_page": 5, "total_pages": 2, "total_items": 3, "items_per_page": 2}
    listed = ok(c.get("/api/rosters/all?search=Alpha", headers=h(a.manager)))["rosters"][0]
    assert listed["department"]["id"] == a.department_id and listed["total_shifts"] == 0
    assert {"assigned_shifts", "coverage_percentage", "created_at"} <= set(listed)
    assert names(a.employee) == ["Beta February", "Gamma March"]
    assert names(a.employee, "?status=draft") == []
    assert names(a.colleague) == ["Sales"]
    fails(c.get(f"/api/rosters/{alpha['id']}", headers=h(a.employee)), 404)
    assert ok(c.get(f"/api/rosters/{beta['id']}", headers=h(a.employee)))["roster"]["name"] == "Beta February"


def test_another_enterprise_never_sees_a_roster_or_its_shifts(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, auto_generate_shifts=True, shift_template="business_hours")
    ok(set_status(c, a.manager, r["id"], "published"))
    for who in (w.globex.admin, w.globex.manager, w.globex.employee):
        assert ok(c.get("/api/rosters/all", headers=h(who)))["rosters"] == []
        fails(c.get(f"/api/rosters/{r['id']}", headers=h(who)), 404)
        fails(c.get(f"/api/shifts/roster/{r['id']}", headers=h(who)), 404)
    shifts = ok(c.get(f"/api/shifts/roster/{r['id']}", headers=h(a.employee)))["shifts"]
    assert len(shifts) == 5
    made = assigned(c, a.manager, shifts[0]["id"], a.employee)
    outsider = h(w.globex.admin)
    fails(assign(c, w.globex.manager, shifts[1]["id"], w.globex.employee), 404)
    fails(c.delete(f"/api/shifts/assignments/{made['id']}", headers=outsider), 404)
    fails(c.post(f"/api/rosters/{r['id']}/auto-assign", json={}, headers=outsider), 404)
    fails(c.post(f"/api/rosters/{r['id']}/copy", json={"start_date": "2026-05-04"}, headers=outsider), 404)
    assert get_shift(c, a.manager, shifts[0]["id"])["assigned_staff"] == 1


def test_the_status_workflow_needs_an_admin_to_approve_and_archived_rosters_are_read_only(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    body = ok(set_status(c, a.manager, r["id"], "published"))
    assert body["message"] == "Roster status updated to published" and body["roster"]["status"] == "published"
    fails(set_status(c, a.manager, r["id"], "approved"), 403)
    assert ok(set_status(c, a.admin, r["id"], "approved"))["roster"]["status"] == "approved"
    fails(set_status(c, a.employee, r["id"], "archived"), 403, 404)
    fails(set_status(c, w.globex.admin, r["id"], "archived"), 404)
    assert ok(set_status(c, a.admin, r["id"], "archived"))["roster"]["status"] == "archived"
    fails(new_shift(c, a.manager, r["id"], day(6), "08:00", "16:00"), 409)
    fails(c.put(f"/api/rosters/{r['id']}", json={"name": "Renamed"}, headers=h(a.admin)), 409)
    assert ok(c.get(f"/api/rosters/{r['id']}", headers=h(a.manager)))["roster"]["name"] == r["name"]
    again = roster(c, a.manager, a.department_id, day(5), day(11))
    assert again["status"] == "draft"
    fails(set_status(c, a.admin, again["id"], "approved"), 409)


def test_shift_fields_are_validated(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    body = fails(new_shift(c, a.manager, r["id"], day(12), "08:00", "16:00"), 400)
    assert "outside" in body["message"]
    fails(new_shift(c, a.manager, r["id"], day(6), "08:00", "16:00", staff=0), 400)
    fails(new_shift(c, a.manager, r["id"], day(6), "25:00", "16:00"), 400)
    fails(new_shift(c, a.employee, r["id"], day(6), "08:00", "16:00"), 403, 404)
    assert ok(c.get(f"/api/rosters/{r['id']}", headers=h(a.manager)))["roster"]["metadata"]["total_shifts"] == 0


def test_a_night_shift_ends_the_next_day_and_counts_eight_hours(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6), "22:00", "06:00")
    assert (s["date"], s["start_time"], s["end_time"], s["assigned_staff"]) == (day(6), "22:00", "06:00", 0)
    assigned(c, a.manager, s["id"], a.employee)
    mine = schedule(c, a.employee)
    assert mine["summary"]["total_hours"] == 8
    early = shift(c, a.manager, r["id"], day(7), "02:00", "10:00")
    assert "overlapping" in fails(assign(c, a.manager, early["id"], a.employee), 409)["message"]
    assert mine["assignments"][0]["shift"]["roster"] == {"id": r["id"], "name": r["name"]}


def test_a_shift_is_renamed_but_its_times_and_staff_are_protected_while_assigned(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6), staff=2)
    renamed = ok(c.put(f"/api/shifts/{s['id']}", json={"title": "Early"}, headers=h(a.manager)))["shift"]
    assert renamed["title"] == "Early"
    assigned(c, a.manager, s["id"], a.employee)
    assigned(c, a.manager, s["id"], a.manager)
    fails(c.put(f"/api/shifts/{s['id']}", json={"start_time": "09:00"}, headers=h(a.manager)), 409)
    fails(c.put(f"/api/shifts/{s['id']}", json={"required_staff": 1}, headers=h(a.manager)), 409)
    after = get_shift(c, a.manager, s["id"])
    assert (after["start_time"], after["required_staff"], after["assigned_staff"]) == ("08:00", 2, 2)


def test_deleting_a_shift_frees_its_employee_for_an_overlapping_shift(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    first = shift(c, a.manager, r["id"], day(6), "08:00", "16:00")
    second = shift(c, a.manager, r["id"], day(6), "10:00", "18:00")
    assigned(c, a.manager, first["id"], a.employee)
    fails(assign(c, a.manager, second["id"], a.employee), 409)
    assert c.delete(f"/api/shifts/{first['id']}", headers=h(a.manager)).status_code == 204
    fails(c.get(f"/api/shifts/{first['id']}", headers=h(a.manager)), 404)
    assigned(c, a.manager, second["id"], a.employee)
    assert shift_ids(c, a.employee) == [second["id"]]


def test_a_full_shift_and_a_second_place_for_the_same_employee_are_refused(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6), staff=2)
    made = assigned(c, a.manager, s["id"], a.employee)
    assert (made["shift_id"], made["employee_id"], made["status"]) == (s["id"], a.employee["id"], "pending")
    assert "already assigned" in fails(assign(c, a.manager, s["id"], a.employee), 409)["message"]
    assigned(c, a.manager, s["id"], a.manager)
    fails(assign(c, a.manager, s["id"], staff(c, w, "extra")), 409)
    assert get_shift(c, a.manager, s["id"])["assigned_staff"] == 2


def test_an_overlapping_shift_in_another_department_of_the_enterprise_is_refused(w: World) -> None:
    c, a = w.client, w.acme
    ops = roster(c, a.manager, a.department_id)
    sales = roster(c, a.admin, a.other_department_id)
    assigned(c, a.manager, shift(c, a.manager, ops["id"], day(6))["id"], a.employee)
    other = shift(c, a.admin, sales["id"], day(6), "12:00", "20:00")
    assert "overlapping" in fails(assign(c, a.admin, other["id"], a.employee), 409)["message"]
    assert get_shift(c, a.admin, other["id"])["assigned_staff"] == 0


def test_minimum_rest_between_shifts_is_enforced_unless_the_roster_sets_it_to_zero(w: World) -> None:
    c, a = w.client, w.acme
    strict = roster(c, a.manager, a.department_id, day(5), day(11))
    lax = roster(c, a.manager, a.department_id, day(12), day(18), settings={"min_rest_hours": 0})
    assigned(c, a.manager, shift(c, a.manager, strict["id"], day(6), "06:00", "14:00")["id"], a.employee)
    body = fails(assign(c, a.manager, shift(c, a.manager, strict["id"], day(6), "22:00", "06:00")["id"],
                        a.employee), 409)
    assert "10 hours of rest" in body["message"]
    assigned(c, a.manager, shift(c, a.manager, lax["id"], day(13), "06:00", "14:00")["id"], a.employee)
    assigned(c, a.manager, shift(c, a.manager, lax["id"], day(13), "14:00", "22:00")["id"], a.employee)
    assert schedule(c, a.employee)["summary"]["total_assignments"] == 3


def test_max_shifts_per_person_caps_an_employee_in_a_roster(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, settings={"max_shifts_per_person": 1})
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(6))["id"], a.employee)
    body = fails(assign(c, a.manager, shift(c, a.manager, r["id"], day(8))["id"], a.employee), 409)
    assert "max_shifts_per_person" in body["message"]


def test_an_employee_of_another_enterprise_cannot_be_assigned_and_nothing_is_written(w: World) -> None:
    c, a = w.client, w.acme
    s = shift(c, a.manager, roster(c, a.manager, a.department_id)["id"], day(6))
    fails(assign(c, a.manager, s["id"], w.globex.employee), 400)
    assert get_shift(c, a.manager, s["id"])["assigned_staff"] == 0
    assert schedule(c, w.globex.employee)["assignments"] == []


def test_approved_time_off_blocks_an_assignment(w: World) -> None:
    c, a = w.client, w.acme
    s = shift(c, a.manager, roster(c, a.manager, a.department_id)["id"], day(7))
    entry = ok(c.post("/api/employee/time-off", json={"start_date": day(7), "reason": "dentist"},
                      headers=h(a.employee)), 201)["entry"]
    assert entry["status"] == "requested"
    decided = ok(c.patch(f"/api/time-off/{entry['id']}/decision", json={"action": "approve"},
                         headers=h(a.manager)))["entry"]
    assert decided["status"] == "approved"
    assert "time off" in fails(assign(c, a.manager, s["id"], a.employee), 409)["message"]


def test_removing_an_assignment_frees_the_place(w: World) -> None:
    c, a = w.client, w.acme
    s = shift(c, a.manager, roster(c, a.manager, a.department_id)["id"], day(6))
    made = assigned(c, a.manager, s["id"], a.employee)
    fails(assign(c, a.manager, s["id"], a.manager), 409)
    assert c.delete(f"/api/shifts/assignments/{made['id']}", headers=h(a.manager)).status_code == 204
    assert get_shift(c, a.manager, s["id"])["assigned_staff"] == 0
    assigned(c, a.manager, s["id"], a.manager)
    assert schedule(c, a.employee)["assignments"] == []


def test_the_employee_confirms_or_declines_and_a_declined_place_is_freed(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    first, second = shift(c, a.manager, r["id"], day(6)), shift(c, a.manager, r["id"], day(8))
    one, two = assigned(c, a.manager, first["id"], a.employee), assigned(c, a.manager, second["id"], a.employee)
    path = "/api/employee/assignments/{}/status"
    body = ok(c.patch(path.format(one["id"]), json={"status": "confirmed", "notes": "See you"},
                      headers=h(a.employee)))
    assert body["assignment"]["status"] == "confirmed" and body["assignment"]["notes"] == "See you"
    assert get_shift(c, a.manager, first["id"])["assignments"][0]["status"] == "confirmed"
    peer = staff(c, w, "peer")
    fails(c.patch(path.format(two["id"]), json={"status": "declined"}, headers=h(peer)), 403, 404)
    fails(c.patch(path.format(two["id"]), json={"status": "declined"}, headers=h(a.colleague)), 403, 404)
    fails(c.patch(path.format(two["id"]), json={"status": "declined"}, headers=h(w.globex.manager)), 404)
    declined = ok(c.patch(path.format(two["id"]), json={"status": "declined"}, headers=h(a.employee)))
    assert declined["assignment"]["status"] == "declined"
    assert get_shift(c, a.manager, second["id"])["assigned_staff"] == 0
    assert ok(c.get(f"/api/rosters/{r['id']}", headers=h(a.manager)))["roster"]["metadata"]["assigned_shifts"] == 1
    summary = schedule(c, a.employee)["summary"]
    assert (summary["confirmed_assignments"], summary["declined_assignments"], summary["total_hours"]) == (1, 1, 8)
    assigned(c, a.manager, second["id"], peer)
    fails(c.patch(path.format(two["id"]), json={"status": "confirmed"}, headers=h(a.employee)), 409)
    three = assigned(c, a.manager, shift(c, a.manager, r["id"], day(10))["id"], a.employee)
    by_manager = ok(c.patch(path.format(three["id"]), json={"status": "confirmed"}, headers=h(a.manager)))
    assert by_manager["assignment"]["status"] == "confirmed"


def test_my_schedule_summarises_hours_across_midnight_and_filters(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    night = assigned(c, a.manager, shift(c, a.manager, r["id"], day(5), "22:00", "06:00")["id"], a.employee)
    short = assigned(c, a.manager, shift(c, a.manager, r["id"], day(7), "08:00", "12:00")["id"], a.employee)
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(9), "08:00", "16:00")["id"], a.employee)
    ok(c.patch(f"/api/employee/assignments/{short['id']}/status", json={"status": "confirmed"},
               headers=h(a.employee)))
    mine = schedule(c, a.employee)
    assert mine["employee"]["id"] == a.employee["id"] and mine["employee"]["department"] == "Acme Ops"
    summary = mine["summary"]
    assert (summary["total_assignments"], summary["confirmed_assignments"], summary["pending_assignments"]) == (
        3, 1, 2)
    assert summary["total_hours"] == 20
    assert len(schedule(c, a.employee, f"?start_date={day(7)}")["assignments"]) == 2
    assert len(schedule(c, a.employee, f"?end_date={day(7)}")["assignments"]) == 2
    confirmed = schedule(c, a.employee, "?status=confirmed")["assignments"]
    assert [e["id"] for e in confirmed] == [short["id"]]
    assert [e["id"] for e in schedule(c, a.employee, "?status=pending&end_date=2026-01-06")["assignments"]] == [
        night["id"]]
    assert schedule(c, a.colleague)["summary"]["total_hours"] == 0


def swap_setup(w: World, **settings: Any) -> tuple[dict, dict, dict, dict]:
    """The employee works Tuesday, a peer works Thursday, in one roster."""
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, settings=settings or None)
    peer = staff(c, w, "peer")
    mine, theirs = shift(c, a.manager, r["id"], day(6)), shift(c, a.manager, r["id"], day(8))
    assigned(c, a.manager, mine["id"], a.employee)
    assigned(c, a.manager, theirs["id"], peer)
    return r, peer, mine, theirs


def propose(c: TestClient, who: dict, shift_id: int, target: dict, target_shift_id: int | None) -> Any:
    return c.post("/api/employee/swap-requests", headers=h(who), json={
        "shift_id": shift_id, "target_employee_id": target["id"], "target_shift_id": target_shift_id,
        "reason": "Appointment"})


def respond(c: TestClient, who: dict, swap_id: int, action: str = "accept") -> Any:
    return c.patch(f"/api/employee/swap-requests/{swap_id}/respond", json={"action": action}, headers=h(who))


def test_a_swap_is_accepted_then_approved_by_the_manager_and_exchanges_the_shifts(w: World) -> None:
    c, a = w.client, w.acme
    _, peer, mine, theirs = swap_setup(w)
    fails(propose(c, a.employee, theirs["id"], peer, mine["id"]), 400)
    swap = ok(propose(c, a.employee, mine["id"], peer, theirs["id"]), 201)["swap_request"]
    assert (swap["status"], swap["requester_id"], swap["target_employee_id"]) == ("pending", a.employee["id"],
                                                                                   peer["id"])
    assert (swap["shift_id"], swap["target_shift_id"], swap["reason"]) == (mine["id"], theirs["id"], "Appointment")
    fails(respond(c, a.employee, swap["id"]), 403)
    assert ok(respond(c, peer, swap["id"]))["swap_request"]["status"] == "accepted"
    assert shift_ids(c, a.employee) == [mine["id"]]
    approved = ok(c.patch(f"/api/employee/swap-requests/{swap['id']}/manager-action",
                          json={"action": "approve"}, headers=h(a.manager)))
    assert approved["swap_request"]["status"] == "approved"
    assert shift_ids(c, a.employee) == [theirs["id"]]
    assert shift_ids(c, peer) == [mine["id"]]
    assert get_shift(c, a.manager, mine["id"])["assignments"][0]["employee_id"] == peer["id"]


def test_without_required_approval_accepting_carries_the_swap_out_at_once(w: World) -> None:
    c, a = w.client, w.acme
    _, peer, mine, theirs = swap_setup(w, require_swap_approval=False)
    swap = ok(propose(c, a.employee, mine["id"], peer, theirs["id"]), 201)["swap_request"]
    assert ok(respond(c, peer, swap["id"]))["swap_request"]["status"] == "approved"
    assert shift_ids(c, a.employee) == [theirs["id"]] and shift_ids(c, peer) == [mine["id"]]


def test_a_swap_that_would_double_book_is_refused_and_changes_nothing(w: World) -> None:
    c, a = w.client, w.acme
    r, peer, mine, theirs = swap_setup(w)
    clash = shift(c, a.manager, r["id"], day(8), "10:00", "18:00")
    assigned(c, a.manager, clash["id"], a.employee)
    before = (shift_ids(c, a.employee), shift_ids(c, peer))
    swap = ok(propose(c, a.employee, mine["id"], peer, theirs["id"]), 201)["swap_request"]
    ok(respond(c, peer, swap["id"]))
    fails(c.patch(f"/api/employee/swap-requests/{swap['id']}/manager-action", json={"action": "approve"},
                  headers=h(a.manager)), 409)
    assert (shift_ids(c, a.employee), shift_ids(c, peer)) == before
    assert [s["status"] for s in ok(c.get("/api/employee/swap-requests", headers=h(peer)))["swap_requests"]] == [
        "accepted"]
    assert get_shift(c, a.manager, theirs["id"])["assignments"][0]["employee_id"] == peer["id"]


def test_a_cancelled_swap_cannot_be_answered_and_lists_filter_by_type_and_status(w: World) -> None:
    c, a = w.client, w.acme
    _, peer, mine, theirs = swap_setup(w)
    swap = ok(propose(c, a.employee, mine["id"], peer, theirs["id"]), 201)["swap_request"]
    fails(c.patch(f"/api/employee/swap-requests/{swap['id']}/cancel", headers=h(peer)), 403)
    cancelled = ok(c.patch(f"/api/employee/swap-requests/{swap['id']}/cancel", headers=h(a.employee)))
    assert cancelled["swap_request"]["status"] == "cancelled"
    fails(respond(c, peer, swap["id"]), 409)
    ok(propose(c, a.employee, mine["id"], peer, None), 201)

    def statuses(who: dict, query: str) -> list[str]:
        found = ok(c.get(f"/api/employee/swap-requests{query}", headers=h(who)))["swap_requests"]
        return sorted(s["status"] for s in found)

    assert statuses(a.employee, "?type=outgoing") == ["cancelled", "pending"]
    assert statuses(a.employee, "?type=incoming") == []
    assert statuses(peer, "?type=incoming") == ["cancelled", "pending"]
    assert statuses(peer, "?type=incoming&status=pending") == ["pending"]
    assert statuses(a.employee, "?status=cancelled") == ["cancelled"]
    assert statuses(a.colleague, "") == []


def test_available_employees_lists_who_can_work_and_why_the_others_cannot(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    peer = staff(c, w, "peer")
    s = shift(c, a.manager, r["id"], day(6), staff=2)
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(6), "12:00", "20:00")["id"], a.employee)
    assigned(c, a.manager, s["id"], a.manager)
    body = ok(c.get(f"/api/shifts/{s['id']}/available-employees", headers=h(a.manager)))
    assert [x["employee"]["id"] for x in body["available_employees"]] == [peer["id"]]
    assert all(x["available"] and x["reason"] is None for x in body["available_employees"])
    reasons = {x["employee"]["id"]: x["reason"] for x in body["unavailable_employees"]}
    assert set(reasons) == {a.employee["id"], a.manager["id"]}
    assert "overlapping" in reasons[a.employee["id"]] and "Already assigned" in reasons[a.manager["id"]]
    fails(c.get(f"/api/shifts/{s['id']}/available-employees", headers=h(a.employee)), 403)


def test_bulk_assign_is_all_or_nothing(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    s1, s2 = shift(c, a.manager, r["id"], day(6)), shift(c, a.manager, r["id"], day(8))

    def bulk(pairs: list[tuple[int, dict]]) -> Any:
        return c.post("/api/shifts/bulk-assign", headers=h(a.manager), json={
            "assignments": [{"shift_id": s, "employee_id": e["id"]} for s, e in pairs]})

    fails(bulk([(s1["id"], a.employee), (s2["id"], w.globex.employee)]), 400)
    fails(bulk([(s1["id"], a.employee), (s1["id"], a.manager)]), 409)
    assert get_shift(c, a.manager, s1["id"])["assigned_staff"] == 0
    assert schedule(c, a.employee)["assignments"] == []
    made = ok(bulk([(s1["id"], a.employee), (s2["id"], a.employee)]), 201)["assignments"]
    assert sorted(m["shift_id"] for m in made) == [s1["id"], s2["id"]]
    assert shift_ids(c, a.employee) == [s1["id"], s2["id"]]


def test_auto_assign_fills_a_small_roster_without_breaking_a_rule(w: World) -> None:
    c, a = w.client, w.acme
    people = [a.manager, a.employee, staff(c, w, "ann"), staff(c, w, "bob")]
    off = ok(c.post("/api/employee/time-off", json={"start_date": day(5), "end_date": day(6)},
                    headers=h(a.employee)), 201)["entry"]
    ok(c.patch(f"/api/time-off/{off['id']}/decision", json={"action": "approve"}, headers=h(a.manager)))
    r = roster(c, a.manager, a.department_id, day(5), day(6), auto_generate_shifts=True, shift_template="12hour")
    result = ok(c.post(f"/api/rosters/{r['id']}/auto-assign", json={}, headers=h(a.manager)))["result"]
    assert result["assigned"] == 4 and result["unfilled"] == [] and result["unfilled_places"] == 0
    detail = ok(c.get(f"/api/rosters/{r['id']}", headers=h(a.manager)))["roster"]
    assert detail["metadata"]["coverage_percentage"] == 100
    assert all(s["assigned_staff"] == 1 for s in detail["shifts"])
    total = 0
    for person in people:
        spans = []
        for entry in schedule(c, person)["assignments"]:
            s = entry["shift"]
            start = datetime.fromisoformat(f"{s['date']}T{s['start_time']}")
            end = datetime.fromisoformat(f"{s['date']}T{s['end_time']}")
            spans.append((start, end + timedelta(days=1) if end <= start else end))
        spans.sort()
        total += len(spans)
        for (_, end), (start, _) in pairwise(spans):
            assert start - end >= timedelta(hours=10), (person["id"], spans)
    assert total == 4 and schedule(c, a.employee)["assignments"] == []


def test_copying_a_roster_keeps_its_shifts_but_not_its_assignments_and_deleting_removes_it(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, auto_generate_shifts=True, shift_template="standard_8hour")
    assigned(c, a.manager, r["shifts"][0]["id"], a.employee)
    copy = ok(c.post(f"/api/rosters/{r['id']}/copy", json={"start_date": "2026-02-02"}, headers=h(a.manager)),
              201)["roster"]
    assert (copy["status"], copy["start_date"], copy["end_date"]) == ("draft", "2026-02-02", "2026-02-08")
    assert copy["metadata"]["total_shifts"] == 21 and copy["metadata"]["assigned_shifts"] == 0
    assert all(s["assigned_staff"] == 0 for s in copy["shifts"])
    fails(c.post(f"/api/rosters/{r['id']}/copy", json={"start_date": day(8)}, headers=h(a.manager)), 409)
    assert c.delete(f"/api/rosters/{copy['id']}", headers=h(a.manager)).status_code == 204
    fails(c.get(f"/api/rosters/{copy['id']}", headers=h(a.manager)), 404)
    assert [x["id"] for x in ok(c.get("/api/rosters/all", headers=h(a.manager)))["rosters"]] == [r["id"]]
    fails(c.delete(f"/api/rosters/{r['id']}", headers=h(a.employee)), 404)  # a draft is hidden from employees
    assert c.delete(f"/api/rosters/{r['id']}", headers=h(a.manager)).status_code == 204
    assert schedule(c, a.employee)["assignments"] == []


def test_department_templates_generate_rosters_and_stay_within_their_tenant(w: World) -> None:
    c, a = w.client, w.acme
    keys = [t["key"] for t in ok(c.get("/api/shift-templates/defaults", headers=h(a.employee)))["templates"]]
    assert keys == ["standard_8hour", "12hour", "business_hours"]
    template = ok(c.post("/api/shift-templates", headers=h(a.manager), json={
        "department_id": a.department_id, "name": "Early only",
        "shifts": [{"title": "Early", "start_time": "07:00", "end_time": "15:00", "required_staff": 2}]}),
        201)["template"]
    assert template["department_id"] == a.department_id and template["shifts"][0]["start_time"] == "07:00"
    r = roster(c, a.manager, a.department_id, day(5), day(7), auto_generate_shifts=True,
               shift_template_id=template["id"])
    assert [(s["title"], s["start_time"], s["required_staff"]) for s in r["shifts"]] == [("Early", "07:00", 2)] * 3
    path = f"/api/shift-templates/{template['id']}"
    assert ok(c.put(path, json={"name": "Early shift"}, headers=h(a.manager)))["template"]["name"] == "Early shift"
    for who in (w.globex.manager, w.globex.admin):
        fails(c.get(path, headers=h(who)), 404)
        fails(c.put(path, json={"name": "Stolen"}, headers=h(who)), 404)
        fails(c.delete(path, headers=h(who)), 404)
    listed = ok(c.get(f"/api/shift-templates/department/{a.department_id}", headers=h(a.manager)))["templates"]
    assert [t["name"] for t in listed] == ["Early shift"]
    assert c.delete(path, headers=h(a.manager)).status_code == 204
    fails(new_roster(c, a.manager, a.department_id, day(12), day(14), auto_generate_shifts=True,
                     shift_template_id=template["id"]), 400)


def test_a_stale_if_match_on_a_roster_update_is_refused_with_412(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    read = c.get(f"/api/rosters/{r['id']}", headers=h(a.manager))
    tag = read.headers["ETag"]
    assert tag == f'"{read.json()["roster"]["version"]}"'
    updated = c.put(f"/api/rosters/{r['id']}", json={"name": "Renamed"}, headers={**h(a.manager), "If-Match": tag})
    assert ok(updated)["roster"]["name"] == "Renamed" and updated.headers["ETag"] != tag
    fails(c.put(f"/api/rosters/{r['id']}", json={"name": "Again"}, headers={**h(a.manager), "If-Match": tag}), 412)
    fails(c.patch(f"/api/rosters/{r['id']}/status", json={"status": "published"},
                  headers={**h(a.manager), "If-Match": tag}), 412)
    assert ok(c.get(f"/api/rosters/{r['id']}", headers=h(a.manager)))["roster"]["name"] == "Renamed"


def test_a_manager_plans_assigns_and_the_employee_confirms_on_every_store(client: TestClient) -> None:
    w = seed_world(client)
    a = w.acme
    r = roster(client, a.manager, a.department_id, day(5), day(6), auto_generate_shifts=True,
               shift_template="standard_8hour")
    assert r["metadata"]["total_shifts"] == 6
    night = next(s for s in r["shifts"] if s["start_time"] == "22:00")
    made = assigned(client, a.manager, night["id"], a.employee)
    ok(set_status(client, a.manager, r["id"], "published"))
    answer = ok(client.patch(f"/api/employee/assignments/{made['id']}/status",
                             json={"status": "confirmed", "notes": "ok"}, headers=h(a.employee)))
    assert answer["assignment"]["status"] == "confirmed"
    mine = schedule(client, a.employee)
    assert mine["summary"]["confirmed_assignments"] == 1 and mine["summary"]["total_hours"] == 8
    assert mine["assignments"][0]["shift"]["id"] == night["id"]
    detail = ok(client.get(f"/api/rosters/{r['id']}", headers=h(a.employee)))["roster"]
    assert detail["metadata"]["assigned_shifts"] == 1
