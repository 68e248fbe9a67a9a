"""The hours report over HTTP (issue 21, item 6): who reads it, what it counts, in JSON,
MessagePack and CSV.

Acme's Ops department works on Europe/Berlin's clocks, whose summer time starts on
2026-03-29 and ends on 2026-10-25. Its March roster holds:

- A, Sat 2026-03-28 22:00-06:00, 2 places: the employee (pending). 7 hours: the clocks jump.
- B, Mon 2026-03-30 09:00-17:00, 1 place: the employee, confirmed. 8 hours.
- C, Tue 2026-03-31 09:00-13:00, 1 place: a second employee, who declined. 4 hours.

and its October roster one night, Sat 2026-10-24 22:00-06:00, 1 place, the employee: 9 hours.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from infrastructure.settings import Settings
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from interfaces.http.hours_dto import CSV_COLUMNS
from tests.conftest import settings_for
from tests.support import World, bearer, create_user, ok, seed_world

MARCH = {"start_date": "2026-03-23", "end_date": "2026-04-05"}
OCTOBER = {"start_date": "2026-10-19", "end_date": "2026-10-25"}


@dataclass
class Office:
    client: TestClient
    world: World
    worker: dict[str, Any]
    """The second employee of Acme Ops."""
    auditor: dict[str, Any]
    shifts: dict[str, int]

    def get(self, who: dict[str, Any], params: dict[str, Any], **headers: str) -> Any:
        return self.client.get("/api/reports/hours", params=params, headers={**bearer(who["token"]), **headers})

    def report(self, who: dict[str, Any], **params: Any) -> dict[str, Any]:
        return ok(self.get(who, {**MARCH, **params}))["report"]


def _shift(client: TestClient, manager: dict[str, Any], roster_id: int, day: str, start: str, end: str,
           staff: int) -> int:
    return ok(client.post("/api/shifts", headers=bearer(manager["token"]), json={
        "roster_id": roster_id, "date": day, "start_time": start, "end_time": end, "title": f"{day} {start}",
        "required_staff": staff}), 201)["shift"]["id"]


def _assign(client: TestClient, manager: dict[str, Any], shift_id: int, employee: dict[str, Any]) -> int:
    made = ok(client.post(f"/api/shifts/{shift_id}/assignments", headers=bearer(manager["token"]),
                          json={"employee_id": employee["id"]}), 201)
    return made["assignment"]["id"]


def _answer(client: TestClient, employee: dict[str, Any], assignment_id: int, status: str) -> None:
    ok(client.patch(f"/api/employee/assignments/{assignment_id}/status", headers=bearer(employee["token"]),
                    json={"status": status}))


def _roster(client: TestClient, manager: dict[str, Any], department_id: int, start: str, end: str,
            **settings: Any) -> dict[str, Any]:
    return ok(client.post("/api/rosters", headers=bearer(manager["token"]), json={
        "name": f"{start} to {end}", "department_id": department_id, "start_date": start, "end_date": end,
        "settings": {"min_rest_hours": 0, **settings}}), 201)["roster"]


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Office]:
    settings: Settings = settings_for("sqlite", tmp_path_factory.mktemp("hours"), request)
    container: Container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            w = seed_world(client)
            acme = w.acme
            ok(client.put(f"/api/departments/{acme.department_id}", json={"timezone": "Europe/Berlin"},
                          headers=bearer(acme.admin["token"])))
            worker = create_user(client, acme.admin["token"], "worker@acme.test", "employee", acme.enterprise_id,
                                 acme.department_id, full_name="Worker")
            auditor = create_user(client, acme.admin["token"], "auditor@acme.test", "auditor", acme.enterprise_id,
                                  None)
            march = _roster(client, acme.manager, acme.department_id, "2026-03-23", "2026-04-05")["id"]
            shifts = {
                "A": _shift(client, acme.manager, march, "2026-03-28", "22:00", "06:00", 2),
                "B": _shift(client, acme.manager, march, "2026-03-30", "09:00", "17:00", 1),
                "C": _shift(client, acme.manager, march, "2026-03-31", "09:00", "13:00", 1),
            }
            _assign(client, acme.manager, shifts["A"], acme.employee)
            _answer(client, acme.employee, _assign(client, acme.manager, shifts["B"], acme.employee), "confirmed")
            _answer(client, worker, _assign(client, acme.manager, shifts["C"], worker), "declined")
            october = _roster(client, acme.manager, acme.department_id, "2026-10-19", "2026-10-25")["id"]
            shifts["D"] = _shift(client, acme.manager, october, "2026-10-24", "22:00", "06:00", 1)
            _assign(client, acme.manager, shifts["D"], acme.employee)
            # Another department of Acme, and Globex: neither may show in Acme Ops' report.
            sales = _roster(client, acme.admin, acme.other_department_id, "2026-03-23", "2026-04-05")["id"]
            _assign(client, acme.admin, _shift(client, acme.admin, sales, "2026-03-30", "08:00", "12:00", 1),
                    acme.colleague)
            globex = _roster(client, w.globex.manager, w.globex.department_id, "2026-03-23", "2026-04-05")["id"]
            _shift(client, w.globex.manager, globex, "2026-03-30", "08:00", "20:00", 5)
            yield Office(client, w, worker, auditor, shifts)
    finally:
        container.close()


def by_employee(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["employee_email"]: r for r in report["rows"]}


# -- what it counts -----------------------------------------------------------------------------


def test_a_manager_reads_planned_confirmed_and_declined_hours_of_each_employee(office: Office) -> None:
    report = office.report(office.world.acme.manager)  # no department_id: the manager's own
    assert report["department_id"] == office.world.acme.department_id
    assert report["group_by"] == "employee" and report["week_starts_on"] == "monday"
    rows = by_employee(report)
    assert set(rows) == {"employee@acme.test", "worker@acme.test"}
    employee, worker = rows["employee@acme.test"], rows["worker@acme.test"]
    assert (employee["planned_hours"], employee["confirmed_hours"], employee["declined_hours"]) == (15.0, 8.0, 0.0)
    assert employee["shifts"] == 2 and employee["overtime_hours"] == 0.0
    assert (worker["planned_hours"], worker["declined_hours"], worker["shifts"]) == (0.0, 4.0, 0)
    assert employee["period_start"] == MARCH["start_date"] and employee["period_end"] == MARCH["end_date"]
    assert employee["open_places"] is None  # a place nobody holds belongs to no employee


def test_the_totals_count_every_shift_and_its_open_places(office: Office) -> None:
    totals = office.report(office.world.acme.manager)["totals"]
    # A: 2 places, 1 taken (7 h open); B: full; C: declined, so its place is open again (4 h).
    assert totals == {"shifts": 3, "planned_hours": 15.0, "confirmed_hours": 8.0, "declined_hours": 4.0,
                      "overtime_hours": 0.0, "open_places": 2, "open_hours": 11.0}


def test_a_night_across_the_spring_change_counts_7_hours_and_across_the_autumn_change_9(office: Office) -> None:
    march = office.report(office.world.acme.manager, group_by="day")["rows"]
    night = next(r for r in march if r["period_start"] == "2026-03-28")
    assert night["planned_hours"] == 7.0 and night["open_hours"] == 7.0
    october = ok(office.get(office.world.acme.manager, {**OCTOBER, "group_by": "day"}))["report"]["rows"]
    assert [(r["period_start"], r["planned_hours"]) for r in october] == [("2026-10-24", 9.0)]


def test_week_rows_start_on_monday_and_hold_the_shifts_dated_in_them(office: Office) -> None:
    rows = office.report(office.world.acme.manager, group_by="week")["rows"]
    assert [(r["period_start"], r["period_end"]) for r in rows] == [("2026-03-23", "2026-03-29"),
                                                                    ("2026-03-30", "2026-04-05")]
    first, second = rows
    assert (first["shifts"], first["planned_hours"], first["open_places"]) == (1, 7.0, 1)
    assert (second["shifts"], second["planned_hours"], second["confirmed_hours"], second["declined_hours"],
            second["open_places"], second["open_hours"]) == (2, 8.0, 8.0, 4.0, 1, 4.0)
    assert all(r["employee_id"] is None for r in rows)


def test_day_rows_are_one_per_day_with_shifts_in_date_order(office: Office) -> None:
    rows = office.report(office.world.acme.manager, group_by="day")["rows"]
    assert [r["period_start"] for r in rows] == ["2026-03-28", "2026-03-30", "2026-03-31"]
    assert all(r["period_start"] == r["period_end"] for r in rows)


def test_a_range_narrower_than_the_roster_counts_only_its_days(office: Office) -> None:
    report = office.report(office.world.acme.manager, start_date="2026-03-30", end_date="2026-03-30")
    assert report["totals"]["shifts"] == 1 and report["totals"]["planned_hours"] == 8.0


def test_overtime_is_the_planned_hours_past_the_rosters_weekly_limit(office: Office) -> None:
    acme = office.world.acme
    roster = _roster(office.client, acme.manager, acme.department_id, "2026-05-04", "2026-05-10")
    for day in ("2026-05-04", "2026-05-05", "2026-05-06"):
        _assign(office.client, acme.manager, _shift(office.client, acme.manager, roster["id"], day, "08:00",
                                                    "16:00", 1), acme.employee)
    # A limit lowered after the bookings leaves them in place: the report shows what is past it.
    ok(office.client.put(f"/api/rosters/{roster['id']}", json={"settings": {"max_hours_per_week": 20}},
                         headers=bearer(acme.manager["token"])))
    report = ok(office.get(acme.manager, {"start_date": "2026-05-04", "end_date": "2026-05-10"}))["report"]
    assert by_employee(report)["employee@acme.test"]["overtime_hours"] == 4.0


def test_without_a_roster_limit_the_enterprises_default_and_week_start_hold(office: Office) -> None:
    acme = office.world.acme
    roster = _roster(office.client, acme.manager, acme.department_id, "2026-06-01", "2026-06-14")
    # Sunday, Monday, Tuesday: one week if weeks start on Sunday, two if on Monday.
    for day in ("2026-06-07", "2026-06-08", "2026-06-09"):
        _assign(office.client, acme.manager, _shift(office.client, acme.manager, roster["id"], day, "08:00",
                                                    "16:00", 1), acme.employee)
    window = {"start_date": "2026-06-01", "end_date": "2026-06-14"}
    assert by_employee(ok(office.get(acme.manager, window))["report"])["employee@acme.test"]["overtime_hours"] == 0
    ok(office.client.put(f"/api/enterprises/{acme.enterprise_id}", json={"max_hours_per_week": 20},
                         headers=bearer(acme.admin["token"])))
    monday_weeks = ok(office.get(acme.manager, window))["report"]
    assert monday_weeks["week_starts_on"] == "monday"
    assert by_employee(monday_weeks)["employee@acme.test"]["overtime_hours"] == 0  # 8 + 16 hours
    ok(office.client.put(f"/api/enterprises/{acme.enterprise_id}", json={"week_starts_on": "sunday"},
                         headers=bearer(acme.admin["token"])))
    sunday_weeks = ok(office.get(acme.manager, window))["report"]
    assert sunday_weeks["week_starts_on"] == "sunday"
    assert by_employee(sunday_weeks)["employee@acme.test"]["overtime_hours"] == 4.0  # 24 hours in one week


# -- who reads it ---------------------------------------------------------------------------------


def test_an_enterprise_admin_reads_a_department_or_without_one_the_whole_enterprise(office: Office) -> None:
    acme = office.world.acme
    department = office.report(acme.admin, department_id=acme.department_id)
    assert department["totals"]["planned_hours"] == 15.0
    enterprise = office.report(acme.admin)
    assert enterprise["department_id"] is None and enterprise["enterprise_id"] == acme.enterprise_id
    assert "colleague@acme.test" in by_employee(enterprise)  # Sales counts too
    assert enterprise["totals"]["planned_hours"] == 19.0  # and nothing of Globex


def test_an_auditor_reads_its_enterprise_as_its_admins_do(office: Office) -> None:
    acme = office.world.acme
    assert office.report(office.auditor) == office.report(acme.admin)
    assert office.report(office.auditor, department_id=acme.department_id) == office.report(acme.manager)


def test_a_system_admin_names_a_department_or_an_enterprise(office: Office) -> None:
    acme, root = office.world.acme, office.world.root
    assert office.report(root, department_id=acme.department_id) == office.report(acme.manager)
    assert office.report(root, enterprise_id=acme.enterprise_id) == office.report(acme.admin)
    refused = office.get(root, MARCH)
    assert refused.status_code == 400 and "department_id or enterprise_id" in refused.json()["message"]


def test_an_employee_may_not_read_the_report(office: Office) -> None:
    response = office.get(office.world.acme.employee, MARCH)
    assert response.status_code == 403


def test_another_tenants_department_or_enterprise_is_not_found(office: Office) -> None:
    acme, globex = office.world.acme, office.world.globex
    for who, params in [
        (globex.manager, {"department_id": acme.department_id}),
        (globex.admin, {"department_id": acme.department_id}),
        (globex.admin, {"enterprise_id": acme.enterprise_id}),
        (office.auditor, {"department_id": globex.department_id}),
        (acme.manager, {"department_id": acme.other_department_id}),  # a manager reads their own only
        (acme.admin, {"department_id": globex.department_id, "enterprise_id": acme.enterprise_id}),
        (acme.admin, {"department_id": 999_999}),
    ]:
        response = office.get(who, {**MARCH, **params})
        assert response.status_code == 404, (who["email"], params, response.text)


# -- formats ---------------------------------------------------------------------------------------


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("ask", [{"format": "csv"}, {"accept": "text/csv"}])
def test_csv_is_chosen_by_format_or_by_accept_with_fixed_columns_and_a_total_row(office: Office,
                                                                              ask: dict[str, str]) -> None:
    params = {**MARCH, "group_by": "employee", **({"format": "csv"} if "format" in ask else {})}
    headers = {"accept": ask["accept"]} if "accept" in ask else {}
    response = office.get(office.world.acme.manager, params, **headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = rows_of(response.text)
    employee = next(r for r in rows if r["employee_email"] == "employee@acme.test")
    assert (employee["row"], employee["planned_hours"], employee["confirmed_hours"]) == ("employee", "15.0", "8.0")
    assert employee["open_places"] == ""
    total = rows[-1]
    assert (total["row"], total["planned_hours"], total["declined_hours"], total["open_places"]) == (
        "total", "15.0", "4.0", "2")


def test_csv_of_weeks_holds_the_same_figures_as_the_json(office: Office) -> None:
    manager = office.world.acme.manager
    weeks = office.report(manager, group_by="week")["rows"]
    text = office.get(manager, {**MARCH, "group_by": "week", "format": "csv"}).text
    assert [(r["period_start"], float(r["planned_hours"])) for r in rows_of(text)[:-1]] == [
        (r["period_start"], r["planned_hours"]) for r in weeks]


def test_the_report_answers_in_messagepack_when_asked(office: Office) -> None:
    response = office.get(office.world.acme.manager, MARCH, accept="application/x-msgpack")
    assert response.headers["content-type"].startswith("application/x-msgpack")
    assert msgspec.msgpack.decode(response.content)["report"] == office.report(office.world.acme.manager)


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "said"), [
    ({"start_date": "2026-04-05", "end_date": "2026-03-23"}, "end_date must be on or after start_date"),
    ({"start_date": "2026-01-01", "end_date": "2027-01-02"}, "at most 366 days"),
    ({**MARCH, "group_by": "month"}, "group_by"),
    ({**MARCH, "format": "xml"}, "format"),
    ({"start_date": "2026-03-32", "end_date": "2026-04-05"}, "start_date"),
    ({"start_date": "1900-01-01", "end_date": "1900-01-02"}, "start_date"),
    ({**MARCH, "department_id": 0}, "department_id"),
])
def test_bad_input_is_a_400_naming_what_is_wrong(office: Office, params: dict[str, Any], said: str) -> None:
    response = office.get(office.world.acme.manager, params)
    assert response.status_code == 400, response.text
    assert said in response.text


def test_one_date_means_the_rest_of_its_month_and_none_this_month(office: Office) -> None:
    manager = office.world.acme.manager
    report = ok(office.get(manager, {"start_date": "2026-03-01"}))["report"]
    assert (report["start_date"], report["end_date"], report["totals"]["shifts"]) == ("2026-03-01", "2026-03-31", 3)
    report = ok(office.get(manager, {"end_date": "2026-02-10"}))["report"]
    assert (report["start_date"], report["end_date"]) == ("2026-02-01", "2026-02-10")
    report = ok(office.get(manager, {}))["report"]
    assert report["start_date"].endswith("-01") and report["end_date"][:7] == report["start_date"][:7]


def test_a_full_leap_year_is_one_report(office: Office) -> None:
    report = office.report(office.world.acme.manager, start_date="2028-01-01", end_date="2028-12-31")
    assert report["rows"] == [] and report["totals"]["shifts"] == 0


def test_the_operation_is_in_the_openapi_schema_with_its_parameters_and_csv(office: Office) -> None:
    schema = ok(office.client.get("/schema/openapi.json"))
    operation = schema["paths"]["/api/reports/hours"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"department_id", "enterprise_id", "start_date", "end_date", "group_by", "format"} <= names
    assert {"application/json", "text/csv"} <= set(operation["responses"]["200"]["content"])


def test_every_store_reads_the_same_report(client: TestClient) -> None:
    """The report's statements on each backend (the tests above run on SQLite)."""
    w = seed_world(client)
    acme = w.acme
    ok(client.put(f"/api/departments/{acme.department_id}", json={"timezone": "Europe/Berlin"},
                  headers=bearer(acme.admin["token"])))
    roster = _roster(client, acme.manager, acme.department_id, "2026-03-23", "2026-04-05")["id"]
    _assign(client, acme.manager, _shift(client, acme.manager, roster, "2026-03-28", "22:00", "06:00", 2),
            acme.employee)
    _answer(client, acme.employee, _assign(client, acme.manager, _shift(client, acme.manager, roster, "2026-03-30",
                                                                         "09:00", "17:00", 1), acme.employee),
            "declined")
    for who, params in [(acme.manager, {}), (acme.admin, {}), (w.root, {"enterprise_id": acme.enterprise_id})]:
        answer = client.get("/api/reports/hours", params={**MARCH, **params}, headers=bearer(who["token"]))
        report = ok(answer)["report"]
        assert report["totals"] == {"shifts": 2, "planned_hours": 7.0, "confirmed_hours": 0.0, "declined_hours": 8.0,
                                    "overtime_hours": 0.0, "open_places": 2, "open_hours": 15.0}
        assert [r["employee_name"] for r in report["rows"]] == [acme.employee["full_name"]]
