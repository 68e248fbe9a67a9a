"""Hours limits over HTTP: roster settings and enterprise defaults, enforced on every path that books.

2026-01-05 is a Monday; weeks start on Monday unless the enterprise says otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import World, ok, seed_world
from tests.test_http_rostering import (
    assign,
    assigned,
    day,
    fails,
    get_shift,
    h,
    propose,
    respond,
    roster,
    schedule,
    set_status,
    shift,
    staff,
)


@pytest.fixture
def w(sqlite_client: TestClient) -> World:
    return seed_world(sqlite_client)


def put_enterprise(w: World, who: dict, enterprise_id: int, **body: Any) -> Any:
    return w.client.put(f"/api/enterprises/{enterprise_id}", json=body, headers=h(who))


def enterprise(w: World, who: dict, enterprise_id: int) -> dict[str, Any]:
    return ok(w.client.get(f"/api/enterprises/{enterprise_id}", headers=h(who)))["enterprise"]


def week_of_shifts(w: World, roster_id: int, days: range, who: dict | None = None) -> list[dict[str, Any]]:
    return [shift(w.client, who or w.acme.manager, roster_id, day(n)) for n in days]  # 08:00-16:00, 8 hours


def refused_by(response: Any, rule: str) -> dict[str, Any]:
    body = fails(response, 409)
    assert body["details"]["rule"] == rule and rule in body["message"], body
    return body


# -- enterprise defaults ----------------------------------------------------------------------------


def test_an_enterprise_admin_sets_working_time_defaults_shown_in_the_enterprise(client: TestClient) -> None:
    w = seed_world(client)  # on every store: the directory keeps the defaults in typed columns
    a = w.acme
    before = enterprise(w, a.admin, a.enterprise_id)
    assert (before["max_hours_per_week"], before["max_consecutive_days"], before["week_starts_on"]) == (
        None, None, "monday")
    after = ok(put_enterprise(w, a.admin, a.enterprise_id, max_hours_per_week=40, max_consecutive_days=6,
                              week_starts_on="sunday"))["enterprise"]
    assert (after["max_hours_per_week"], after["max_consecutive_days"], after["week_starts_on"]) == (40, 6, "sunday")
    ok(put_enterprise(w, a.admin, a.enterprise_id, max_hours_per_week=None, description="Widgets"))
    shown = enterprise(w, a.admin, a.enterprise_id)
    assert (shown["max_hours_per_week"], shown["max_consecutive_days"], shown["description"]) == (None, 6, "Widgets")
    assert ok(put_enterprise(w, w.root, a.enterprise_id, max_hours_per_week=37.5))["enterprise"][
        "max_hours_per_week"] == 37.5
    listed = ok(w.client.get("/api/enterprises", headers=h(w.root)))["enterprises"]
    assert [e["max_hours_per_week"] for e in listed if e["id"] == a.enterprise_id] == [37.5]


def test_only_admins_of_the_enterprise_change_its_defaults(w: World) -> None:
    a = w.acme
    fails(put_enterprise(w, a.manager, a.enterprise_id, max_hours_per_week=40), 403)
    fails(put_enterprise(w, a.employee, a.enterprise_id, max_hours_per_week=40), 403)
    fails(put_enterprise(w, w.globex.admin, a.enterprise_id, max_hours_per_week=40), 403, 404)
    assert enterprise(w, a.admin, a.enterprise_id)["max_hours_per_week"] is None


@pytest.mark.parametrize("body", [
    {"max_hours_per_week": 0}, {"max_hours_per_week": 168.5}, {"max_hours_per_week": "forty"},
    {"max_consecutive_days": 0}, {"max_consecutive_days": 367}, {"max_consecutive_days": 2.5},
    {"week_starts_on": "Funday"}, {"week_starts_on": None},
])
def test_invalid_enterprise_defaults_are_refused(w: World, body: dict[str, Any]) -> None:
    fails(put_enterprise(w, w.acme.admin, w.acme.enterprise_id, **body), 400)


@pytest.mark.parametrize("settings", [
    {"max_hours_per_week": 0}, {"max_hours_per_week": -8}, {"max_hours_per_week": 169},
    {"max_consecutive_days": 0}, {"max_consecutive_days": 400}, {"max_consecutive_days": True},
])
def test_invalid_roster_limits_are_refused(w: World, settings: dict[str, Any]) -> None:
    a = w.acme
    fails(w.client.post("/api/rosters", headers=h(a.manager), json={
        "name": "Week", "department_id": a.department_id, "start_date": day(5), "end_date": day(11),
        "settings": settings}), 400)
    r = roster(w.client, a.manager, a.department_id)
    fails(w.client.put(f"/api/rosters/{r['id']}", json={"settings": settings}, headers=h(a.manager)), 400)


# -- manual assignment ------------------------------------------------------------------------------


def test_a_manual_assignment_past_the_weekly_limit_is_a_409_naming_the_rule_and_the_numbers(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, settings={"max_hours_per_week": 16})
    monday, tuesday, wednesday = week_of_shifts(w, r["id"], range(5, 8))
    assigned(c, a.manager, monday["id"], a.employee)
    assigned(c, a.manager, tuesday["id"], a.employee)
    body = refused_by(assign(c, a.manager, wednesday["id"], a.employee), "max_hours_per_week")
    assert body["message"] == ("The booking would give the employee 24 hours in the week of 2026-01-05"
                               " (max_hours_per_week 16)")
    assert (body["details"]["hours"], body["details"]["max_hours_per_week"]) == (24, 16)
    assert get_shift(c, a.manager, wednesday["id"])["assigned_staff"] == 0
    peer = staff(c, w, "peer")
    later = week_of_shifts(w, r["id"], range(8, 11))
    bulk = c.post("/api/shifts/bulk-assign", headers=h(a.manager), json={"assignments": [
        {"shift_id": s["id"], "employee_id": peer["id"]} for s in later]})
    assert refused_by(bulk, "max_hours_per_week")["details"]["index"] == 2
    assert get_shift(c, a.manager, later[0]["id"])["assigned_staff"] == 0  # all or nothing
    next_monday = shift(c, a.manager, roster(c, a.manager, a.department_id, day(12), day(18))["id"], day(12))
    assigned(c, a.manager, next_monday["id"], a.employee)  # a new week


def test_the_enterprise_default_applies_while_the_roster_setting_is_null(w: World) -> None:
    c, a = w.client, w.acme
    ok(put_enterprise(w, a.admin, a.enterprise_id, max_hours_per_week=8, max_consecutive_days=1))
    r = roster(c, a.manager, a.department_id)
    assert r["settings"]["max_hours_per_week"] is None
    monday, tuesday = week_of_shifts(w, r["id"], range(5, 7))
    assigned(c, a.manager, monday["id"], a.employee)
    refused_by(assign(c, a.manager, tuesday["id"], a.employee), "max_hours_per_week")
    ok(c.put(f"/api/rosters/{r['id']}", json={"settings": {"max_hours_per_week": 40}}, headers=h(a.manager)))
    refused_by(assign(c, a.manager, tuesday["id"], a.employee), "max_consecutive_days")
    ok(c.put(f"/api/rosters/{r['id']}", json={"settings": {"max_consecutive_days": 5}}, headers=h(a.manager)))
    assigned(c, a.manager, tuesday["id"], a.employee)
    # A null sets the roster back to the enterprise's default.
    back = ok(c.put(f"/api/rosters/{r['id']}", json={"settings": {"max_hours_per_week": None}},
                    headers=h(a.manager)))["roster"]
    assert (back["settings"]["max_hours_per_week"], back["settings"]["max_consecutive_days"]) == (None, 5)
    refused_by(assign(c, a.manager, shift(c, a.manager, r["id"], day(8))["id"], a.employee), "max_hours_per_week")


def test_weeks_start_on_the_enterprises_weekday(w: World) -> None:
    c, a = w.client, w.acme
    ok(put_enterprise(w, a.admin, a.enterprise_id, max_hours_per_week=8, week_starts_on="sunday"))
    r = roster(c, a.manager, a.department_id, day(4), day(10))  # Sunday to Saturday
    sunday, monday = shift(c, a.manager, r["id"], day(4)), shift(c, a.manager, r["id"], day(5))
    assigned(c, a.manager, sunday["id"], a.employee)
    body = refused_by(assign(c, a.manager, monday["id"], a.employee), "max_hours_per_week")
    assert body["details"]["week_start"] == day(4)


def test_hours_count_across_the_employees_rosters_in_other_departments(w: World) -> None:
    c, a = w.client, w.acme
    ops = roster(c, a.manager, a.department_id, settings={"max_hours_per_week": 16})
    sales = roster(c, a.admin, a.other_department_id)
    assigned(c, a.admin, shift(c, a.admin, sales["id"], day(5))["id"], a.employee)
    assigned(c, a.admin, shift(c, a.admin, sales["id"], day(6))["id"], a.employee)
    refused_by(assign(c, a.manager, shift(c, a.manager, ops["id"], day(7))["id"], a.employee), "max_hours_per_week")


def test_available_employees_shows_hours_this_week_and_marks_who_would_break_a_limit(w: World) -> None:
    c, a = w.client, w.acme
    peer = staff(c, w, "peer")
    r = roster(c, a.manager, a.department_id, settings={"max_hours_per_week": 16})
    monday, tuesday, wednesday = week_of_shifts(w, r["id"], range(5, 8))
    assigned(c, a.manager, monday["id"], a.employee)
    assigned(c, a.manager, tuesday["id"], a.employee)
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(5), "16:00", "20:00")["id"], peer)
    body = ok(c.get(f"/api/shifts/{wednesday['id']}/available-employees", headers=h(a.manager)))
    free = {x["employee"]["id"]: x["hours_this_week"] for x in body["available_employees"]}
    assert free == {peer["id"]: 4, a.manager["id"]: 0}
    [full] = body["unavailable_employees"]
    assert full["employee"]["id"] == a.employee["id"] and full["hours_this_week"] == 16
    assert "max_hours_per_week 16" in full["reason"]


# -- swaps and claims -------------------------------------------------------------------------------


def test_approving_a_swap_that_would_pass_the_limit_is_a_409_and_changes_nothing(w: World) -> None:
    c, a = w.client, w.acme
    peer = staff(c, w, "peer")
    r = roster(c, a.manager, a.department_id, settings={"max_hours_per_week": 16})
    monday, tuesday, wednesday = week_of_shifts(w, r["id"], range(5, 8))
    assigned(c, a.manager, monday["id"], peer)
    assigned(c, a.manager, tuesday["id"], peer)
    assigned(c, a.manager, wednesday["id"], a.employee)
    swap = ok(propose(c, a.employee, wednesday["id"], peer, None), 201)["swap_request"]
    ok(respond(c, peer, swap["id"]))
    refused_by(c.patch(f"/api/employee/swap-requests/{swap['id']}/manager-action", json={"action": "approve"},
                       headers=h(a.manager)), "max_hours_per_week")
    assert get_shift(c, a.manager, wednesday["id"])["assignments"][0]["employee_id"] == a.employee["id"]


def test_a_claim_past_the_limit_is_a_409_naming_the_rule(w: World) -> None:
    c, a = w.client, w.acme
    ok(c.put(f"/api/departments/{a.department_id}", json={"manager_id": a.manager["id"]}, headers=h(w.root)))
    r = roster(c, a.manager, a.department_id, "2099-01-05", "2099-01-11", settings={
        "allow_shift_claims": True, "require_claim_approval": False, "max_consecutive_days": 2})
    first, second, third = (shift(c, a.manager, r["id"], f"2099-01-0{n}") for n in (5, 6, 7))
    assigned(c, a.manager, first["id"], a.employee)
    assigned(c, a.manager, second["id"], a.employee)
    ok(set_status(c, a.manager, r["id"], "published"))
    body = refused_by(c.post(f"/api/shifts/{third['id']}/claim", headers=h(a.employee)), "max_consecutive_days")
    assert body["details"]["days"] == 3 and "3 days in a row" in body["message"]
    listed = ok(c.get("/api/employee/open-shifts", headers=h(a.employee)))["open_shifts"]
    assert [(s["id"], s["can_claim"], s["reason"]["code"]) for s in listed] == [
        (third["id"], False, "too_many_consecutive_days")]


def test_a_claim_approved_later_is_checked_against_the_limit_again(w: World) -> None:
    c, a = w.client, w.acme
    ok(c.put(f"/api/departments/{a.department_id}", json={"manager_id": a.manager["id"]}, headers=h(w.root)))
    r = roster(c, a.manager, a.department_id, "2099-01-05", "2099-01-11", settings={
        "allow_shift_claims": True, "max_hours_per_week": 16})
    first, second, third = (shift(c, a.manager, r["id"], f"2099-01-0{n}") for n in (5, 6, 7))
    ok(set_status(c, a.manager, r["id"], "published"))
    pending = ok(c.post(f"/api/shifts/{third['id']}/claim", headers=h(a.employee)), 201)["claim"]
    assigned(c, a.manager, first["id"], a.employee)
    assigned(c, a.manager, second["id"], a.employee)
    refused_by(c.post(f"/api/shift-claims/{pending['id']}/approve", headers=h(a.manager)), "max_hours_per_week")


# -- auto-assign ------------------------------------------------------------------------------------


def test_auto_assign_leaves_no_violation_and_reports_the_limit_for_unfilled_places(w: World) -> None:
    c, a = w.client, w.acme
    people = [a.manager, a.employee, staff(c, w, "ann")]
    ok(put_enterprise(w, a.admin, a.enterprise_id, max_hours_per_week=24, max_consecutive_days=4))
    r = roster(c, a.manager, a.department_id, day(5), day(18), auto_generate_shifts=True,
               shift_template="standard_8hour")
    result = ok(c.post(f"/api/rosters/{r['id']}/auto-assign", json={}, headers=h(a.manager)))["result"]
    # 3 people x 24 hours = 9 shifts a week of the 21 places.
    assert result["assigned"] == 18 and result["unfilled_places"] == 24
    assert {k for u in result["unfilled"] for k in u["reasons"]} <= {"too_many_hours", "not_enough_rest",
                                                                     "too_many_consecutive_days"}
    assert any("too_many_hours" in u["reasons"] for u in result["unfilled"])
    for person in people:
        weeks: dict[date, float] = defaultdict(float)
        days = set()
        for entry in schedule(c, person)["assignments"]:
            s = entry["shift"]
            start = datetime.fromisoformat(f"{s['date']}T{s['start_time']}")
            weeks[start.date() - timedelta(days=start.weekday())] += 8
            days.add(start.date())
        assert all(hours <= 24 for hours in weeks.values()), weeks
        assert not any(all(d + timedelta(days=k) in days for k in range(5)) for d in days)
    assert result["max_hours"] - result["min_hours"] <= 8
