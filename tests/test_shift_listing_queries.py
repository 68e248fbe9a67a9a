"""A roster's shift listing reads its assignments for all chosen shifts at once; each must be
what the one-assignment read shows, on every store, whichever filter chose the shifts."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import TestClient

from interfaces.container import Container
from projections.rostering_queries import SqlRosterQueries
from tests.support import bearer, create_user, ok, seed_world


def _assign(c: TestClient, manager: dict[str, Any], shift_id: int, employee: dict[str, Any]) -> int:
    body = ok(c.post(f"/api/shifts/{shift_id}/assignments", json={"employee_id": employee["id"]},
                     headers=bearer(manager["token"])), 201)
    return int(body["assignment"]["id"])


def _shift(c: TestClient, manager: dict[str, Any], roster_id: int, date: str, staff: int) -> int:
    body = {"roster_id": roster_id, "date": date, "start_time": "08:00", "end_time": "16:00",
            "title": f"Shift {date}", "required_staff": staff}
    return int(ok(c.post("/api/shifts", json=body, headers=bearer(manager["token"])), 201)["shift"]["id"])


def test_a_rosters_shift_listing_matches_the_joined_read_of_each_assignment(
    client: TestClient, container: Container,
) -> None:
    w = seed_world(client)
    c, a = client, w.acme
    manager = bearer(a.manager["token"])
    peer = create_user(c, a.admin["token"], "peer@acme.test", "employee", a.enterprise_id, a.department_id)
    roster_id = ok(c.post("/api/rosters", headers=manager, json={
        "name": "Listing", "department_id": a.department_id, "start_date": "2026-01-05",
        "end_date": "2026-01-11"}), 201)["roster"]["id"]
    busy, quiet, gone = (_shift(c, a.manager, roster_id, f"2026-01-0{d}", 2) for d in (5, 6, 7))
    kept = [_assign(c, a.manager, busy, a.employee), _assign(c, a.manager, busy, peer)]
    removed = _assign(c, a.manager, quiet, a.employee)
    c.delete(f"/api/shifts/assignments/{removed}", headers=manager).raise_for_status()
    _assign(c, a.manager, gone, peer)
    c.delete(f"/api/shifts/{gone}", headers=manager).raise_for_status()
    ok(c.put(f"/api/users/{peer['id']}", json={"full_name": "Renamed Peer"}, headers=bearer(a.admin["token"])))

    queries = SqlRosterQueries(container.store)
    whole = queries.shifts(roster_id, None, None, None)  # the whole roster
    assert [s.id for s in whole] == [busy, quiet]
    assert [x.id for x in whole[0].assignments] == kept and whole[1].assignments == []
    for shift in whole:
        for made in shift.assignments:
            assert made == queries.assignment(made.id)  # the joined read, one row
    assert {x.employee.full_name for x in whole[0].assignments if x.employee} == {
        a.employee["full_name"], "Renamed Peer"}
    filtered = queries.shifts(roster_id, None, "2026-01-01", "2026-01-31")  # a range around it
    assert msgspec.to_builtins(filtered) == msgspec.to_builtins(whole)
    assert msgspec.to_builtins(queries.shifts(roster_id, "2026-01-05", None, None)) == msgspec.to_builtins(whole[:1])
    detail = ok(c.get(f"/api/rosters/{roster_id}", headers=manager))["roster"]["shifts"]
    assert detail == ok(c.get(f"/api/shifts/roster/{roster_id}", headers=manager))["shifts"]
    assert [x["employee"]["full_name"] for x in detail[0]["assignments"]] == [a.employee["full_name"], "Renamed Peer"]
