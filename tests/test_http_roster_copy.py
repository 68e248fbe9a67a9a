"""POST /api/rosters/:id/copy: the week's pattern kept, and assignments carried over on request.

December 2024 runs Sunday to Tuesday, January 2025 Wednesday to Friday: a copy by "31 days
later" would put weekday shifts on weekends; the copy moves by four whole weeks instead.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import World, ok, seed_world
from tests.test_http_rostering import assigned, fails, h, roster, shift

DEC = ("2024-12-01", "2024-12-31")


@pytest.fixture
def w(sqlite_client: TestClient) -> World:
    return seed_world(sqlite_client)


def copy(c: TestClient, who: dict[str, Any], roster_id: int, **body: Any) -> Any:
    return c.post(f"/api/rosters/{roster_id}/copy", json=body, headers=h(who))


def weekday(day: str) -> int:
    return date.fromisoformat(day).weekday()


def test_a_business_hours_month_copied_into_the_next_keeps_its_shifts_on_weekdays(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, *DEC, auto_generate_shifts=True,
                    shift_template="business_hours", required_staff=2)
    assert len(source["shifts"]) == 22
    body = ok(copy(c, a.manager, source["id"], start_date="2025-01-01", name="January"), 201)
    january = body["roster"]
    assert (january["start_date"], january["end_date"], january["name"]) == ("2025-01-01", "2025-01-31", "January")
    days = [s["date"] for s in january["shifts"]]
    assert all(weekday(d) < 5 for d in days)
    assert days == [d for d in (f"2025-01-{n:02d}" for n in range(1, 32)) if weekday(d) < 5]  # all 23 of them
    assert {(s["title"], s["start_time"], s["end_time"], s["required_staff"]) for s in january["shifts"]} == {
        ("Business Hours", "09:00", "17:00", 2)}
    assert body["copy"] == {"source_roster_id": source["id"], "weeks_moved": 4, "shifts_copied": 23,
                            "include_assignments": False, "assignments_copied": 0, "assignments_skipped": []}


def test_a_copied_shift_keeps_its_description_and_location_and_lands_on_its_weekday(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, *DEC)
    ok(c.post("/api/shifts", json={"roster_id": source["id"], "date": "2024-12-07", "start_time": "22:00",
                                   "end_time": "06:00", "title": "Saturday night", "description": "Stock take",
                                   "required_staff": 3, "location": "Warehouse"}, headers=h(a.manager)), 201)
    january = ok(copy(c, a.manager, source["id"], start_date="2025-01-01"), 201)["roster"]
    [night] = january["shifts"]
    assert (night["date"], weekday(night["date"])) == ("2025-01-04", 5)
    assert (night["title"], night["description"], night["location"]) == ("Saturday night", "Stock take", "Warehouse")
    assert (night["start_time"], night["end_time"], night["required_staff"]) == ("22:00", "06:00", 3)
    assert january["name"] == f"{source['name']} (copy)"


def test_a_week_copied_over_a_month_repeats_every_week(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11", auto_generate_shifts=True,
                    shift_template="business_hours")
    march = ok(copy(c, a.manager, source["id"], start_date="2026-03-01", end_date="2026-03-31"), 201)["roster"]
    days = [s["date"] for s in march["shifts"]]
    assert days == [d for d in (f"2026-03-{n:02d}" for n in range(1, 32)) if weekday(d) < 5] and len(days) == 22


def test_assignments_are_carried_over_when_asked_and_one_that_no_longer_fits_is_reported(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11")
    monday = shift(c, a.manager, source["id"], "2026-01-05")
    tuesday = shift(c, a.manager, source["id"], "2026-01-06", staff=2)
    assigned(c, a.manager, monday["id"], a.employee)
    assigned(c, a.manager, tuesday["id"], a.employee)
    assigned(c, a.manager, tuesday["id"], a.manager)
    # The employee takes the copy's Tuesday off: that one assignment no longer fits.
    off = ok(c.post("/api/employee/time-off", json={"start_date": "2026-02-03", "reason": "move house"},
                    headers=h(a.employee)), 201)["entry"]
    ok(c.patch(f"/api/time-off/{off['id']}/decision", json={"action": "approve"}, headers=h(a.manager)))

    body = ok(copy(c, a.manager, source["id"], start_date="2026-02-02", include_assignments=True), 201)
    report, copied = body["copy"], body["roster"]
    assert (report["include_assignments"], report["shifts_copied"], report["assignments_copied"]) == (True, 2, 2)
    [skipped] = report["assignments_skipped"]
    new_tuesday = next(s for s in copied["shifts"] if s["date"] == "2026-02-03")
    assert skipped["employee_id"] == a.employee["id"] and skipped["source_shift_id"] == tuesday["id"]
    assert (skipped["shift_id"], skipped["date"], skipped["rule"]) == (new_tuesday["id"], "2026-02-03", "on_time_off")
    assert "time off" in skipped["reason"] and skipped["details"]["time_off_id"] == off["id"]
    people = {(s["date"], x["employee_id"], x["status"]) for s in copied["shifts"] for x in s["assignments"]}
    assert people == {("2026-02-02", a.employee["id"], "pending"), ("2026-02-03", a.manager["id"], "pending")}
    assert copied["metadata"]["assigned_shifts"] == 1  # Monday full; Tuesday has one of its two
    mine = ok(c.get("/api/employee/my-schedule", headers=h(a.employee)))["schedule"]["assignments"]
    assert {x["shift"]["date"] for x in mine} == {"2026-01-05", "2026-01-06", "2026-02-02"}


def test_a_copy_without_include_assignments_carries_none(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11")
    assigned(c, a.manager, shift(c, a.manager, source["id"], "2026-01-05")["id"], a.employee)
    body = ok(copy(c, a.manager, source["id"], start_date="2026-02-02"), 201)
    assert body["copy"]["assignments_copied"] == 0 and body["roster"]["shifts"][0]["assignments"] == []


def test_an_employee_who_left_is_reported_rather_than_copied(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11")
    assigned(c, a.manager, shift(c, a.manager, source["id"], "2026-01-05")["id"], a.employee)
    ok(c.put(f"/api/users/{a.employee['id']}", json={"is_active": False}, headers=h(a.admin)))
    report = ok(copy(c, a.manager, source["id"], start_date="2026-02-02", include_assignments=True), 201)["copy"]
    assert report["assignments_copied"] == 0
    assert [(s["employee_id"], s["rule"]) for s in report["assignments_skipped"]] == [(a.employee["id"], "not_a_member")]


def test_a_pattern_repeated_over_two_weeks_carries_the_assignment_twice_unless_a_limit_refuses(
    w: World,
) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11", settings={"min_rest_hours": 8})
    night = shift(c, a.manager, source["id"], "2026-01-05", "22:00", "06:00")
    assigned(c, a.manager, night["id"], a.employee)
    body = ok(copy(c, a.manager, source["id"], start_date="2026-02-02", end_date="2026-02-15",
                   include_assignments=True), 201)
    assert body["copy"]["assignments_copied"] == 2 and body["copy"]["assignments_skipped"] == []
    # With a limit of one shift a person, the second Monday's is refused by it.
    source2 = roster(c, a.manager, a.department_id, "2026-03-02", "2026-03-08", settings={"max_shifts_per_person": 1})
    assigned(c, a.manager, shift(c, a.manager, source2["id"], "2026-03-02")["id"], a.employee)
    report = ok(copy(c, a.manager, source2["id"], start_date="2026-04-06", end_date="2026-04-19",
                     include_assignments=True), 201)["copy"]
    assert report["assignments_copied"] == 1
    assert [(s["date"], s["rule"]) for s in report["assignments_skipped"]] == [("2026-04-13", "too_many_shifts")]


def test_another_tenant_and_employees_cannot_copy_a_roster(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11")
    fails(copy(c, w.globex.admin, source["id"], start_date="2026-02-02"), 404)
    fails(copy(c, w.globex.manager, source["id"], start_date="2026-02-02", include_assignments=True), 404)
    fails(copy(c, a.employee, source["id"], start_date="2026-02-02"), 404)  # drafts are hidden from employees
    fails(copy(c, a.manager, source["id"], start_date="2026-02-02", include_assignments="yes"), 400)


def test_copying_back_over_the_source_dates_is_refused(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11")
    fails(copy(c, a.manager, source["id"], start_date="2026-01-08"), 409)


def test_a_four_week_february_fills_a_thirty_one_day_march(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-02-01", "2026-02-28", auto_generate_shifts=True,
                    shift_template="12hour")
    body = ok(copy(c, a.manager, source["id"], start_date="2026-03-01", end_date="2026-03-31"), 201)
    days = [s["date"] for s in body["roster"]["shifts"]]
    assert body["copy"]["shifts_copied"] == 62 and sorted(set(days)) == [f"2026-03-{n:02d}" for n in range(1, 32)]


def test_a_shorter_target_is_trimmed_to_its_own_days(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, *DEC, auto_generate_shifts=True, shift_template="business_hours")
    body = ok(copy(c, a.manager, source["id"], start_date="2025-01-03", end_date="2025-01-06"), 201)  # Fri-Mon
    assert [s["date"] for s in body["roster"]["shifts"]] == ["2025-01-03", "2025-01-06"]


def test_a_carried_assignment_past_the_enterprises_weekly_hours_limit_is_reported(w: World) -> None:
    c, a = w.client, w.acme
    source = roster(c, a.manager, a.department_id, "2026-01-05", "2026-01-11")
    for day in ("2026-01-05", "2026-01-06", "2026-01-07"):
        assigned(c, a.manager, shift(c, a.manager, source["id"], day)["id"], a.employee)
    # The limit arrives after the source was staffed: its copy holds the employee to it.
    ok(c.put(f"/api/enterprises/{a.enterprise_id}", json={"max_hours_per_week": 16}, headers=h(a.admin)))
    report = ok(copy(c, a.manager, source["id"], start_date="2026-02-02", include_assignments=True), 201)["copy"]
    assert report["assignments_copied"] == 2
    [skipped] = report["assignments_skipped"]
    assert (skipped["date"], skipped["rule"]) == ("2026-02-04", "too_many_hours")
    assert "max_hours_per_week 16" in skipped["reason"]
