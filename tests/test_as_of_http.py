"""`GET /api/rosters/:id?as_of=` and `GET /api/shifts/roster/:id?as_of=`: a roster as it was.

The as-of answers are compared byte for byte with the live answers recorded at the time
(`as_of_support.instant` keeps each recorded instant apart from the next step's events).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.as_of_support import Team, instant, team_of
from tests.conftest import settings_for
from tests.support import World, bearer, ok, seed_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[World]:
    """One SQLite world for the module's tests; each plans rosters of its own dates."""
    settings = settings_for("sqlite", tmp_path_factory.mktemp("as-of-http"), request)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield seed_world(client)
    container.close()


@pytest.fixture(scope="module")
def team(world: World) -> Team:
    return team_of(world.client, world.acme, size=3)


@pytest.fixture(scope="module")
def planned(team: Team) -> dict[str, Any]:
    return team.roster("Planned", "2027-01-04", "2027-01-05")


def fails(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    body = response.json()
    assert {"error", "message", "detail"} <= set(body), body
    if field is not None:
        assert [e["field"] for e in body["detail"]["errors"]] == [field], body
    return body


def staffed_roster(team: Team, start: str, end: str) -> dict[str, Any]:
    """A roster with generated shifts, two of them staffed, one assignment confirmed."""
    roster = team.roster(f"Roster {start}", start, end, auto_generate_shifts=True,
                         shift_template="standard_8hour", required_staff=2)
    first, second = roster["shifts"][0], roster["shifts"][1]
    made = ok(team.assign(first["id"], team.employees[0]["id"]), 201)["assignment"]
    ok(team.assign(second["id"], team.employees[1]["id"]), 201)
    ok(team.answer(made["id"], "confirmed"))
    return team.detail(roster["id"])


def test_as_of_now_answers_what_the_live_gets_answer_on_every_store(
    client: TestClient, backend: str
) -> None:
    world = seed_world(client)
    team = team_of(client, world.acme, size=2)
    roster = staffed_roster(team, "2026-03-02", "2026-03-04")
    team.rename(team.employees[0]["id"], "Renamed Person")
    ok(team.set_status(roster["id"], "published"))
    for who in (team.manager, bearer(team.employees[0]["token"]), bearer(world.acme.admin["token"])):
        live = team.reads(roster["id"], who)
        assert live[0].status == 200
        assert team.reads(roster["id"], who, as_of=instant()) == live


def test_before_the_roster_existed_as_of_answers_404(team: Team) -> None:
    before = instant()
    roster = team.roster("Later", "2026-04-06", "2026-04-07")
    body = fails(team.client.get(f"/api/rosters/{roster['id']}", params={"as_of": before}, headers=team.manager), 404)
    assert body["message"] == "Roster not found"
    fails(team.client.get(f"/api/shifts/roster/{roster['id']}", params={"as_of": before}, headers=team.manager), 404)
    fails(team.client.get("/api/rosters/987654", params={"as_of": instant()}, headers=team.manager), 404)


@pytest.mark.parametrize("as_of, message", [
    # A fixed id: parallel workers must collect the same test names.
    pytest.param((datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(), "as_of is in the future",
                 id="an-hour-ahead"),
    ("2199-12-31T12:00:00Z", "as_of is in the future"),
    ("2026-01-31T18:00:00", "as_of must carry a time zone, as in 2026-01-31T18:00:00Z"),
    ("1969-12-31T23:59:59Z", "as_of must be an instant from 1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z"),
    ("0001-01-01T00:00:00+05:00", "as_of must be an instant from 1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z"),
    ("9999-12-31T23:59:59-05:00", "as_of must be an instant from 1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z"),
])
def test_an_instant_in_the_future_without_a_zone_or_outside_the_window_answers_400(
    team: Team, planned: dict[str, Any], as_of: str, message: str
) -> None:
    roster = planned
    for path in (f"/api/rosters/{roster['id']}", f"/api/shifts/roster/{roster['id']}"):
        body = fails(team.client.get(path, params={"as_of": as_of}, headers=team.manager), 400, "as_of")
        assert body["message"] == message


def test_an_instant_that_is_not_one_answers_400_naming_as_of(team: Team) -> None:
    body = fails(team.client.get("/api/rosters/1", params={"as_of": "yesterday"}, headers=team.manager), 400, "as_of")
    assert "as_of" in body["message"]


def test_another_tenants_roster_is_404_as_of_any_instant(world: World, team: Team) -> None:
    roster = staffed_roster(team, "2026-05-04", "2026-05-05")
    then = instant()
    ok(team.client.delete(f"/api/rosters/{roster['id']}", headers=team.manager), 204)
    for who in (world.globex.manager, world.globex.admin, world.globex.employee):
        for at in (then, instant()):
            fails(team.client.get(f"/api/rosters/{roster['id']}", params={"as_of": at}, headers=bearer(who["token"])),
                  404)
            fails(team.client.get(f"/api/shifts/roster/{roster['id']}", params={"as_of": at},
                                  headers=bearer(who["token"])), 404)
    # Another department of the same enterprise: its employee never sees the roster either.
    fails(team.client.get(f"/api/rosters/{roster['id']}", params={"as_of": then},
                          headers=bearer(world.acme.colleague["token"])), 404)


def test_a_roster_deleted_later_is_shown_as_it_was_before_its_deletion(team: Team) -> None:
    roster = staffed_roster(team, "2026-06-01", "2026-06-02")
    then, seen = instant(), team.reads(roster["id"], team.manager)
    ok(team.client.delete(f"/api/rosters/{roster['id']}", headers=team.manager), 204)
    assert team.reads(roster["id"], team.manager)[0].status == 404
    assert team.reads(roster["id"], team.manager, as_of=then) == seen
    assert team.reads(roster["id"], team.manager, as_of=instant())[0].status == 404


def test_names_are_shown_as_they_were(team: Team) -> None:
    person = team.employees[2]
    roster = team.roster("Names", "2026-07-06", "2026-07-07", auto_generate_shifts=True,
                         shift_template="business_hours")
    ok(team.assign(roster["shifts"][0]["id"], person["id"]), 201)
    ok(team.rename(person["id"], "Ada Before"))
    before = instant()
    ok(team.rename(person["id"], "Ada After"))
    ok(team.client.put(f"/api/departments/{team.tenant.department_id}", json={"name": "Renamed Ops"},
                       headers=team.admin))
    now = team.detail(roster["id"])
    past = ok(team.client.get(f"/api/rosters/{roster['id']}", params={"as_of": before}, headers=team.manager))["roster"]
    assert now["shifts"][0]["assignments"][0]["employee"]["full_name"] == "Ada After"
    assert past["shifts"][0]["assignments"][0]["employee"]["full_name"] == "Ada Before"
    assert now["department"]["name"] == "Renamed Ops"
    assert past["department"]["name"] != "Renamed Ops"
    ok(team.client.put(f"/api/departments/{team.tenant.department_id}", json={"name": "Acme Ops"},
                       headers=team.admin))


def test_an_employee_sees_a_roster_only_as_of_the_instants_it_was_not_a_draft(team: Team) -> None:
    roster = staffed_roster(team, "2026-08-03", "2026-08-04")
    draft = instant()
    ok(team.set_status(roster["id"], "published"))
    published, seen = instant(), team.reads(roster["id"], bearer(team.employees[0]["token"]))
    ok(team.set_status(roster["id"], "draft"))
    employee = bearer(team.employees[0]["token"])
    assert [s.status for s in team.reads(roster["id"], employee, as_of=draft)] == [404, 404]
    assert team.reads(roster["id"], employee, as_of=published) == seen
    assert [s.status for s in team.reads(roster["id"], employee)] == [404, 404]
    assert team.reads(roster["id"], team.manager, as_of=draft)[0].status == 200


def test_shifts_as_of_apply_the_same_day_filters_as_the_live_read(team: Team) -> None:
    roster = staffed_roster(team, "2026-09-07", "2026-09-09")
    then = instant()
    params = {"start_date": "2026-09-08", "end_date": "2026-09-09"}
    live = team.client.get(f"/api/shifts/roster/{roster['id']}", params=params, headers=team.manager)
    ok(team.client.delete(f"/api/shifts/{roster['shifts'][-1]['id']}", headers=team.manager), 204)
    past = team.client.get(f"/api/shifts/roster/{roster['id']}", params={**params, "as_of": then},
                           headers=team.manager)
    assert past.content == live.content
    assert {s["date"] for s in past.json()["shifts"]} == {"2026-09-08", "2026-09-09"}
    fails(team.client.get(f"/api/shifts/roster/{roster['id']}", params={"date": "2300-01-01", "as_of": then},
                          headers=team.manager), 400, "date")


def test_as_of_the_instant_of_an_update_shows_that_update(team: Team) -> None:
    """Event times count to the millisecond, as the API shows them: `as_of=<updated_at>` includes it."""
    roster = team.roster("Stamped", "2026-10-05", "2026-10-06")
    renamed = ok(team.client.put(f"/api/rosters/{roster['id']}", json={"name": "Stamped again"},
                                 headers=team.manager))["roster"]
    past = ok(team.client.get(f"/api/rosters/{roster['id']}", params={"as_of": renamed["updated_at"]},
                              headers=team.manager))["roster"]
    assert past["name"] == "Stamped again"
    assert past["version"] == renamed["version"]
    earlier = datetime.fromisoformat(renamed["updated_at"]) - timedelta(milliseconds=1)
    assert ok(team.client.get(f"/api/rosters/{roster['id']}", params={"as_of": earlier.isoformat()},
                              headers=team.manager))["roster"]["name"] == "Stamped"


def test_the_as_of_entry_point_is_a_plain_call(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """What a benchmark script calls: `container.as_of.roster(principal, roster_id, instant)`."""
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            team = team_of(client, seed_world(client).acme, size=2)
            roster = staffed_roster(team, "2026-11-02", "2026-11-02")
            principal = container.identity.principal(team.tenant.manager["id"])
            assert principal is not None
            past = container.as_of.roster(principal, roster["id"], datetime.now(timezone.utc))
            assert past.version == roster["version"]
            assert len(past.shifts) == len(roster["shifts"])
    finally:
        container.close()


def test_a_past_that_a_projection_cannot_rebuild_answers_503_not_500(
    world: World, team: Team, planned: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live projection would be parked on the same event: as-of says so, and when to retry."""
    from projections import replay

    def failing(*_: Any, **__: Any) -> Any:
        raise replay.ReplayFailed("projection rostering cannot apply event 12: ValueError: no")

    past = world.client.app.state.container.as_of
    monkeypatch.setattr(past, "_past", type("Broken", (), {"replayed": failing})())
    answer = world.client.get(f"/api/rosters/{planned['id']}", headers=team.manager,
                              params={"as_of": datetime.now(timezone.utc).isoformat()})
    body = fails(answer, 503)
    assert answer.headers["Retry-After"] and "cannot be rebuilt" in body["message"]
