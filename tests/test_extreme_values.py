"""Values the API accepts are values every projection can handle.

Each example feeds the extremes of what the edge accepts through the HTTP API, the
application and every projection (`all_projections()`): dates at the edges of the calendar
window, midnight, 23:59 and overnight times, 255-character unicode names, 2000-character
descriptions, required_staff 1 and 500, roster settings at their bounds, time off and
unavailability at the window's edges. Nothing may answer 5xx, no projection may park, and a
rebuild from the first event must give the live tables.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from domain.calendar_window import FIRST_DAY, LAST_DAY
from infrastructure.readstore import SqliteReadStore
from infrastructure.settings import Settings
from interfaces.container import all_projections, build_container
from interfaces.http.app import create_app
from projections.runner import CatchUpRunner
from tests.support import PASSWORD, bearer, dump_read_models, ok, seed_world

# Any character the edge accepts: JSON cannot carry surrogates, and NUL is refused (below).
CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
# Ending in a letter, so that the domain's strip() keeps all 255.
LONG_NAMES = st.text(CHARACTERS, min_size=254, max_size=254).map(lambda t: t + "é")
DESCRIPTIONS = st.one_of(st.just("d" * 2000), st.text(CHARACTERS, min_size=2000, max_size=2000))
TIMES = st.sampled_from([("00:00", "23:59"), ("23:59", "00:00"), ("22:00", "06:00"), ("00:00", "00:01"),
                         ("23:59", "23:58"), ("12:00", "12:01")])
ROSTER_SETTINGS = st.fixed_dictionaries({
    "max_shifts_per_person": st.sampled_from([None, 1, 1_000_000]),
    "min_rest_hours": st.sampled_from([0, 48, 0.5]),
    "assignment_strategy": st.sampled_from(["balanced", "round_robin"]),
    "require_swap_approval": st.booleans(),
    "auto_assign": st.booleans(),
})
EXTREMES = st.fixed_dictionaries({
    "edge": st.sampled_from(["first", "last"]),
    "days": st.sampled_from([1, 7]),
    "name": LONG_NAMES,
    "description": DESCRIPTIONS,
    "times": TIMES,
    "required_staff": st.sampled_from([1, 500]),
    "settings": ROSTER_SETTINGS,
})


class Api:
    """The HTTP API, asserting that nothing answers 5xx."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def call(self, method: str, path: str, token: str, body: Any = None, accept: tuple[int, ...] = (200, 201)) -> Any:
        response = self.client.request(method, path, json=body, headers=bearer(token))
        assert response.status_code < 500, f"{method} {path}: {response.status_code} {response.text[:300]}"
        assert response.status_code in accept, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response.json() if response.content else {}


def span(edge: str, days: int) -> tuple[date, date]:
    if edge == "first":
        return FIRST_DAY, FIRST_DAY + timedelta(days=days - 1)
    return LAST_DAY - timedelta(days=days - 1), LAST_DAY


def user(api: Api, admin: str, email: str, role: str, name: str, enterprise: int, department: int) -> tuple[int, str]:
    created = api.call("POST", "/api/users", admin, {
        "full_name": name, "email": email, "password": PASSWORD, "role": role,
        "enterprise_id": enterprise, "department_id": department,
    })["user"]
    login = ok(api.client.post("/api/auth/login", json={"email": email, "password": PASSWORD}))
    return created["id"], login["token"]


def feed(api: Api, x: dict[str, Any]) -> None:
    """One history of extreme values, through every kind of command the read models follow."""
    name, description, (start_time, end_time), staff = x["name"], x["description"], x["times"], x["required_staff"]
    root = ok(api.client.post("/api/auth/create-system-admin", json={
        "full_name": name, "email": "root@edge.test", "password": PASSWORD}), 201)["token"]
    enterprise = api.call("POST", "/api/enterprises", root, {"name": name, "description": description})["enterprise"]
    department = api.call("POST", "/api/departments", root, {
        "name": name, "description": description, "enterprise_id": enterprise["id"]})["department"]
    ids = (enterprise["id"], department["id"])
    _, manager = user(api, root, "manager@edge.test", "manager", name, *ids)
    employee_id, employee = user(api, root, "employee@edge.test", "employee", name, *ids)

    template = api.call("POST", "/api/shift-templates", manager, {
        "department_id": department["id"], "name": name, "description": description,
        "shifts": [{"title": name, "start_time": start_time, "end_time": end_time, "required_staff": staff,
                    "weekdays": list(range(7))},
                   {"title": "Night", "start_time": "22:00", "end_time": "06:00", "required_staff": 1}],
    })["template"]
    first, last = span(x["edge"], x["days"])
    roster = api.call("POST", "/api/rosters", manager, {
        "name": name, "description": description, "department_id": department["id"],
        "start_date": first.isoformat(), "end_date": last.isoformat(), "settings": x["settings"],
        "auto_generate_shifts": True, "shift_template_id": template["id"], "required_staff": staff,
    })["roster"]
    extra = api.call("POST", "/api/shifts", manager, {
        "roster_id": roster["id"], "date": last.isoformat(), "start_time": start_time, "end_time": end_time,
        "title": name, "description": description, "required_staff": staff, "location": name,
    })["shift"]
    api.call("PUT", f"/api/shifts/{extra['id']}", manager, {"date": first.isoformat(), "required_staff": 1})
    # The first and the last night: booked, or refused by a rule (rest, max shifts), never a 5xx.
    nights = [s for s in roster["shifts"] if s["start_time"] == "22:00"]
    for shift in (nights[0], nights[-1]):
        made = api.call("POST", f"/api/shifts/{shift['id']}/assignments", manager,
                        {"employee_id": employee_id}, accept=(201, 409))
        if "assignment" in made:
            api.call("PATCH", f"/api/employee/assignments/{made['assignment']['id']}/status", employee,
                     {"status": "confirmed", "notes": description})
    api.call("POST", f"/api/rosters/{roster['id']}/auto-assign", manager, {"background": False})
    api.call("PATCH", f"/api/rosters/{roster['id']}/status", manager, {"status": "published"})
    other_first, other_last = span("last" if x["edge"] == "first" else "first", x["days"])
    api.call("POST", f"/api/rosters/{roster['id']}/copy", manager, {
        "start_date": other_first.isoformat(), "name": name})

    # Time off and unavailability at the window's edges, whole days and to the minute.
    for when in ({"start_date": FIRST_DAY.isoformat()}, {"start_date": LAST_DAY.isoformat()},
                 {"start_date": LAST_DAY.isoformat(), "start_time": "00:00", "end_time": "23:59"}):
        off = api.call("POST", "/api/employee/time-off", employee, {**when, "reason": description})["entry"]
        api.call("PATCH", f"/api/time-off/{off['id']}/decision", manager, {"action": "approve"}, accept=(200, 409))
        api.call("POST", "/api/employee/availability", employee, {**when, "reason": description})

    # The queries over those rows.
    api.call("GET", f"/api/rosters/{roster['id']}", manager)
    api.call("GET", f"/api/employee/my-schedule?start_date={FIRST_DAY}&end_date={LAST_DAY}", employee)
    for path in ("/api/dashboard/stats", "/api/dashboard/manager", "/api/notifications"):
        api.call("GET", path, manager)
    api.call("GET", "/api/dashboard/employee", employee)


@given(extremes=EXTREMES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_extremes_of_every_accepted_value_reach_every_read_model_and_a_rebuild_gives_the_same_rows(
    extremes: dict[str, Any],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = Settings(data_dir=root / "data", bcrypt_rounds=4, rate_limit_enabled=False,
                          jwt_secret="extremes-" + "x" * 32, projection_workers=False)
        container = build_container(config)
        with TestClient(create_app(config, container)) as client:  # its shutdown closes the container
            feed(Api(client), extremes)
            runner = container.runner
            assert [s.name for s in runner.status() if s.parked] == []
            assert runner.catch_up() == 0
            store = SqliteReadStore(root / "rebuilt.sqlite3")
            try:
                rebuilt = CatchUpRunner(container.events, store, all_projections())
                rebuilt.setup()
                rebuilt.catch_up()
                assert [s.name for s in rebuilt.status() if s.parked] == []
                assert dump_read_models(store, all_projections()) == dump_read_models(container.store,
                                                                                      all_projections())
            finally:
                store.close()


def test_a_nul_character_in_text_that_is_stored_is_refused_at_the_edge(sqlite_client: TestClient) -> None:
    # PostgreSQL's text cannot hold one: the event would be saved, then park the projections.
    w = seed_world(sqlite_client)
    a = w.acme
    cases = [
        ("POST", "/api/enterprises", w.root, {"name": "Acme\x00"}, "name"),
        ("POST", "/api/departments", w.root, {"name": "Ops", "description": "\x00", "enterprise_id": a.enterprise_id},
         "description"),
        ("POST", "/api/users", a.admin, {"full_name": "Nul\x00l", "email": "nul@acme.test", "password": PASSWORD,
                                          "role": "employee", "enterprise_id": a.enterprise_id}, "full_name"),
        ("PUT", "/api/auth/profile", a.employee, {"full_name": "\x00"}, "full_name"),
        ("POST", "/api/rosters", a.manager, {"name": "R", "description": "x\x00", "department_id": a.department_id,
                                             "start_date": "2030-01-01", "end_date": "2030-01-02"}, "description"),
        ("POST", "/api/employee/time-off", a.employee, {"start_date": "2030-01-01", "reason": "\x00"}, "reason"),
    ]
    for method, path, who, body, field in cases:
        response = sqlite_client.request(method, path, json=body, headers=w.token(who))
        assert response.status_code == 400, f"{path}: {response.status_code} {response.text}"
        assert [e["field"] for e in response.json()["detail"]["errors"]] == [field], response.text
