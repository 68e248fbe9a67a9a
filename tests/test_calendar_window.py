"""Dates lie in the calendar window, 1970-01-01 to 2199-12-31: refused outside it at the edge
(a 400 naming the field) and in the domain, and handled at its very edges by every projection.

A roster ending 9999-12-31 with a night shift on that day used to be saved, then stop the
read side (the night's end overflows `datetime`); a year below 1000 was stored unpadded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timezone
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.calendar_window import EARLIEST, FIRST_DAY, LAST_DAY, LATEST, check_day
from domain.errors import RuleViolation
from domain.roster import Roster
from domain.schedule import EmployeeSchedule
from domain.shift import Shift
from domain.timeslots import Interval
from tests.support import World, ok, seed_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One seeded server for the whole module: every refusal below leaves it unchanged."""
    from infrastructure.settings import Settings
    from interfaces.container import build_container
    from interfaces.http.app import create_app

    root = tmp_path_factory.mktemp("window")
    settings = Settings(data_dir=root / "data", bcrypt_rounds=4, rate_limit_enabled=False,
                        jwt_secret="window-secret-" + "x" * 32, projection_workers=False)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield seed_world(client)
    container.close()


def refused(response: Any, field: str) -> None:
    """A 400 in the error envelope that names `field`, never a 500."""
    assert response.status_code == 400, f"{response.status_code}: {response.text}"
    body = response.json()
    assert {e["field"] for e in body["detail"]["errors"]} == {field}, body
    assert "1970-01-01 to 2199-12-31" in body["message"], body
    assert body["error"] == "Validation error" and body["detail"]["code"] == "VALIDATION_ERROR"


def roster_body(w: World, **fields: Any) -> dict[str, Any]:
    return {"name": "Window", "department_id": w.acme.department_id, "start_date": "2030-01-07",
            "end_date": "2030-01-13", **fields}


@pytest.fixture(scope="module")
def roster_id(world: World) -> int:
    created = ok(world.client.post("/api/rosters", json=roster_body(world), headers=world.token(world.acme.manager)),
                 201)
    return int(created["roster"]["id"])


@pytest.fixture(scope="module")
def shift_id(world: World, roster_id: int) -> int:
    created = ok(world.client.post("/api/shifts", json={
        "roster_id": roster_id, "date": "2030-01-08", "start_time": "22:00", "end_time": "06:00",
        "title": "Night"}, headers=world.token(world.acme.manager)), 201)
    return int(created["shift"]["id"])


# -- the edge: bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "field"), [
    ({"start_date": "2199-12-25", "end_date": "9999-12-31", "auto_generate_shifts": True,
      "shift_template": "standard_8hour"}, "end_date"),
    ({"start_date": "9999-12-25", "end_date": "9999-12-31", "auto_generate_shifts": True}, "start_date"),
    ({"start_date": "0999-01-01", "end_date": "0999-01-07"}, "start_date"),
    ({"start_date": "1969-12-31", "end_date": "1970-01-02"}, "start_date"),
    ({"start_date": "2199-12-31", "end_date": "2200-01-01"}, "end_date"),
])
def test_a_roster_outside_the_window_is_refused_naming_the_field(
    world: World, fields: dict[str, Any], field: str,
) -> None:
    refused(world.client.post("/api/rosters", json=roster_body(world, **fields),
                              headers=world.token(world.acme.manager)), field)


@pytest.mark.parametrize(("fields", "field"), [
    ({"end_date": "9999-12-31"}, "end_date"),
    ({"start_date": "0001-01-01"}, "start_date"),
])
def test_a_roster_cannot_be_re_dated_outside_the_window(
    world: World, roster_id: int, fields: dict[str, Any], field: str,
) -> None:
    refused(world.client.put(f"/api/rosters/{roster_id}", json=fields, headers=world.token(world.acme.manager)),
            field)


@pytest.mark.parametrize(("fields", "field"), [
    ({"start_date": "9999-12-31"}, "start_date"),
    ({"start_date": "2199-12-30", "end_date": "2200-01-05"}, "end_date"),
    ({"start_date": "0500-06-01"}, "start_date"),
])
def test_a_roster_cannot_be_copied_outside_the_window(
    world: World, roster_id: int, fields: dict[str, Any], field: str,
) -> None:
    refused(world.client.post(f"/api/rosters/{roster_id}/copy", json=fields,
                              headers=world.token(world.acme.manager)), field)


def test_a_copy_whose_derived_end_leaves_the_window_is_refused_by_the_domain(world: World, roster_id: int) -> None:
    # The body holds a start inside the window; the end comes from the source's length.
    refused(world.client.post(f"/api/rosters/{roster_id}/copy", json={"start_date": "2199-12-30"},
                              headers=world.token(world.acme.manager)), "end_date")


@pytest.mark.parametrize("day", ["9999-12-31", "0999-12-31", "1969-12-31", "2200-01-01"])
def test_a_shift_outside_the_window_is_refused_on_create_and_on_update(
    world: World, roster_id: int, shift_id: int, day: str,
) -> None:
    manager = world.token(world.acme.manager)
    refused(world.client.post("/api/shifts", json={
        "roster_id": roster_id, "date": day, "start_time": "22:00", "end_time": "06:00", "title": "Night",
    }, headers=manager), "date")
    refused(world.client.put(f"/api/shifts/{shift_id}", json={"date": day}, headers=manager), "date")


@pytest.mark.parametrize("path", ["/api/employee/time-off", "/api/employee/availability"])
@pytest.mark.parametrize(("fields", "field"), [
    ({"start_date": "2030-01-01", "end_date": "9999-12-31"}, "end_date"),
    ({"start_date": "9999-12-31"}, "start_date"),
    ({"start_date": "0999-01-01", "end_date": "2030-01-01"}, "start_date"),
    ({"start_date": "2199-12-31", "end_date": "2200-01-01", "start_time": "08:00", "end_time": "12:00"},
     "end_date"),
])
def test_time_off_and_unavailability_outside_the_window_are_refused(
    world: World, path: str, fields: dict[str, Any], field: str,
) -> None:
    refused(world.client.post(path, json=fields, headers=world.token(world.acme.employee)), field)


# -- the edge: query parameters --------------------------------------------------------------


@pytest.mark.parametrize("query", ["start_date=0001-01-01", "end_date=9999-12-31"])
def test_date_filters_outside_the_window_answer_400_naming_them(world: World, roster_id: int, query: str) -> None:
    field = query.split("=")[0]
    c = world.client
    refused(c.get(f"/api/rosters?{query}", headers=world.token(world.acme.manager)), field)
    refused(c.get(f"/api/shifts/roster/{roster_id}?{query}", headers=world.token(world.acme.manager)), field)
    refused(c.get(f"/api/employee/my-schedule?{query}", headers=world.token(world.acme.employee)), field)
    refused(c.get(f"/api/shifts/roster/{roster_id}?date={query.split('=')[1]}",
                  headers=world.token(world.acme.manager)), "date")


def test_date_filters_at_the_window_edges_are_answered(world: World, roster_id: int) -> None:
    c, edges = world.client, "start_date=1970-01-01&end_date=2199-12-31"
    assert ok(c.get(f"/api/rosters?{edges}", headers=world.token(world.acme.manager)))["rosters"]
    ok(c.get(f"/api/shifts/roster/{roster_id}?{edges}", headers=world.token(world.acme.manager)))
    ok(c.get(f"/api/employee/my-schedule?{edges}", headers=world.token(world.acme.employee)))


# -- the window's edges are accepted and every read model handles them ------------------------------


def test_a_roster_ending_on_the_last_day_with_a_night_shift_is_served_by_every_read_model(world: World) -> None:
    c, a = world.client, world.acme
    manager = world.token(a.manager)
    created = ok(c.post("/api/rosters", json=roster_body(
        world, name="Last week", start_date="2199-12-25", end_date="2199-12-31", auto_generate_shifts=True,
        shift_template="standard_8hour", required_staff=1), headers=manager), 201)["roster"]
    night = next(s for s in created["shifts"] if s["date"] == "2199-12-31" and s["start_time"] == "22:00")
    ok(c.post(f"/api/shifts/{night['id']}/assignments", json={"employee_id": a.employee["id"]}, headers=manager),
       201)
    ok(c.patch(f"/api/rosters/{created['id']}/status", json={"status": "published"}, headers=manager))
    schedule = ok(c.get("/api/employee/my-schedule?start_date=2199-12-31&end_date=2199-12-31",
                        headers=world.token(a.employee)))["schedule"]
    assert [e["shift"]["date"] for e in schedule["assignments"]] == ["2199-12-31"]
    assert schedule["summary"]["total_hours"] == 8
    first = ok(c.post("/api/rosters", json=roster_body(world, name="First week", start_date="1970-01-01",
                                                      end_date="1970-01-07", auto_generate_shifts=True),
                      headers=manager), 201)["roster"]
    assert first["shifts"][0]["date"] == "1970-01-01"
    off = ok(c.post("/api/employee/time-off", json={"start_date": "2199-12-31"},
                    headers=world.token(a.employee)), 201)["entry"]
    assert off["employee_id"] == a.employee["id"]
    ok(c.post("/api/employee/availability", json={"start_date": "1970-01-01"}, headers=world.token(a.employee)),
       201)
    runner = c.app.state.container.runner
    assert [s.name for s in runner.status() if s.parked] == []
    assert runner.catch_up() == 0


# -- the domain ---------------------------------------------------------------------------------


def test_the_window_runs_from_the_first_day_to_the_end_of_the_last() -> None:
    assert check_day(FIRST_DAY, "d") == date(1970, 1, 1) and check_day(LAST_DAY, "d") == date(2199, 12, 31)
    assert (EARLIEST, LATEST) == (datetime(1970, 1, 1), datetime(2200, 1, 1))
    for outside in (date(1969, 12, 31), date(2200, 1, 1), date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(RuleViolation) as refusal:
            check_day(outside, "start_date")
        assert refusal.value.details == {"field": "start_date"}


def plan_roster(start: date, end: date) -> Roster:
    return Roster.plan(roster_id=1, department_id=1, enterprise_id=1, name="R", description=None,
                       start_date=start, end_date=end, settings={}, by=1)


@pytest.mark.parametrize(("start", "end", "field"), [
    (date(9999, 12, 25), date(9999, 12, 31), "start_date"),
    (date(2199, 12, 25), date(2200, 1, 2), "end_date"),
    (date(999, 1, 1), date(999, 1, 7), "start_date"),
])
def test_the_domain_refuses_a_roster_outside_the_window(start: date, end: date, field: str) -> None:
    with pytest.raises(RuleViolation) as refusal:
        plan_roster(start, end)
    assert refusal.value.details["field"] == field
    roster = plan_roster(date(2030, 1, 1), date(2030, 1, 7))
    with pytest.raises(RuleViolation):
        roster.revise(name=None, description=None, start_date=None, end_date=end, settings=None, by=1)


def test_the_domain_refuses_a_shift_outside_the_window_when_planned_or_moved() -> None:
    def plan(day: date) -> Shift:
        return Shift.plan(shift_id=1, roster_id=1, department_id=1, enterprise_id=1, day=day,
                          start_time=time(22), end_time=time(6), title="Night", description=None,
                          required_staff=1, location=None, by=1)

    with pytest.raises(RuleViolation, match="date must be"):
        plan(date(9999, 12, 31))
    shift = plan(LAST_DAY)
    assert shift.interval.end == datetime(2200, 1, 1, 6, tzinfo=timezone.utc)  # the last night ends the next morning
    with pytest.raises(RuleViolation, match="date must be"):
        shift.revise(day=date(1969, 12, 31), start_time=None, end_time=None, title=None, description=None,
                     required_staff=None, location=None, by=1)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)  # type: ignore[misc]


def test_the_domain_refuses_time_off_and_unavailability_outside_the_window() -> None:
    schedule = EmployeeSchedule(employee_id=1)
    too_late = Interval(utc(2199, 12, 31), utc(9999, 12, 31))
    too_early = Interval(utc(1969, 12, 31, 23), utc(1970, 1, 1, 8))
    for when, field in ((too_late, "end"), (too_early, "start")):
        with pytest.raises(RuleViolation) as refusal:
            schedule.request_time_off(1, when, None)
        assert refusal.value.details == {"field": field}
        with pytest.raises(RuleViolation):
            schedule.mark_unavailable(2, when, None)
    schedule.request_time_off(3, Interval(utc(2199, 12, 31), LATEST.replace(tzinfo=timezone.utc)), None)  # the whole last day
    assert 3 in schedule.time_off
