"""`GET /api/rosters/:id/diff?from=&to=`: what changed in a roster between two instants."""

from __future__ import annotations

from collections.abc import Iterator
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
    settings = settings_for("sqlite", tmp_path_factory.mktemp("as-of-diff"), request)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield seed_world(client)
    container.close()


@pytest.fixture(scope="module")
def team(world: World) -> Team:
    return team_of(world.client, world.acme, size=3)


def diff(team: Team, roster_id: int, who: dict[str, str] | None = None, **params: str) -> Any:
    return team.client.get(f"/api/rosters/{roster_id}/diff", params=params, headers=who or team.manager)


def as_of(team: Team, roster_id: int, at: str) -> dict[str, Any]:
    return ok(team.client.get(f"/api/rosters/{roster_id}", params={"as_of": at}, headers=team.manager))["roster"]


def planned(team: Team, start: str, end: str) -> dict[str, Any]:
    """Three days of three shifts each (two places), no minimum rest: swaps always fit."""
    return team.roster(f"Diff {start}", start, end, auto_generate_shifts=True, shift_template="standard_8hour",
                       required_staff=2, settings={"min_rest_hours": 0})


def test_a_diff_lists_each_kind_of_change_between_two_instants(team: Team) -> None:
    roster = planned(team, "2026-02-02", "2026-02-04")
    rid, shifts = roster["id"], roster["shifts"]
    ada, bob, cyd = team.employees
    kept = ok(team.assign(shifts[0]["id"], ada["id"]), 201)["assignment"]
    to_confirm = ok(team.assign(shifts[1]["id"], bob["id"]), 201)["assignment"]
    to_decline = ok(team.assign(shifts[2]["id"], cyd["id"]), 201)["assignment"]
    to_remove = ok(team.assign(shifts[3]["id"], ada["id"]), 201)["assignment"]
    gone_with_shift = ok(team.assign(shifts[4]["id"], bob["id"]), 201)["assignment"]
    to_swap = ok(team.assign(shifts[5]["id"], ada["id"]), 201)["assignment"]
    since = instant()

    added = ok(team.client.post("/api/shifts", headers=team.manager, json={
        "roster_id": rid, "date": "2026-02-03", "start_time": "10:00", "end_time": "12:00", "title": "Briefing"}),
        201)["shift"]
    ok(team.client.delete(f"/api/shifts/{shifts[4]['id']}", headers=team.manager), 204)
    ok(team.client.put(f"/api/shifts/{shifts[6]['id']}", headers=team.manager,
                       json={"title": "Late", "location": "Dock 4", "required_staff": 3}))
    made = ok(team.assign(shifts[7]["id"], cyd["id"]), 201)["assignment"]
    ok(team.client.delete(f"/api/shifts/assignments/{to_remove['id']}", headers=team.manager), 204)
    ok(team.answer(to_confirm["id"], "confirmed"))
    ok(team.answer(to_decline["id"], "declined"))
    assert [r.status_code for r in team.swap(to_swap, cyd)] == [201, 200, 200]
    ok(team.client.put(f"/api/rosters/{rid}", headers=team.manager,
                       json={"name": "February", "settings": {"min_rest_hours": 8, "max_shifts_per_person": 9}}))
    for status in ("published", "draft", "published"):
        ok(team.set_status(rid, status))
    until = instant()

    found = ok(diff(team, rid, **{"from": since, "to": until}))["diff"]
    assert (found["roster_id"], found["created"], found["deleted"]) == (rid, False, False)
    assert found["from_version"] == as_of(team, rid, since)["version"]
    assert found["to_version"] == as_of(team, rid, until)["version"] == team.detail(rid)["version"]
    assert found["roster"] == {"name": {"from": roster["name"], "to": "February"},
                               "status": {"from": "draft", "to": "published"}}
    assert found["settings"] == {"max_shifts_per_person": {"from": None, "to": 9},
                                 "min_rest_hours": {"from": 0, "to": 8}}
    assert [(m["from"], m["to"], m["by"]) for m in found["status_moves"]] == [
        ("draft", "published", team.tenant.manager["id"]), ("published", "draft", team.tenant.manager["id"]),
        ("draft", "published", team.tenant.manager["id"])]
    assert since < found["status_moves"][0]["at"] <= found["status_moves"][-1]["at"] < until

    assert [s["id"] for s in found["shifts"]["added"]] == [added["id"]]
    assert [s["id"] for s in found["shifts"]["removed"]] == [shifts[4]["id"]]
    assert found["shifts"]["removed"][0]["assignments"][0]["id"] == gone_with_shift["id"]  # as it was
    assert found["shifts"]["changed"] == [{
        "id": shifts[6]["id"], "date": shifts[6]["date"], "title": "Late",
        "changes": {"title": {"from": shifts[6]["title"], "to": "Late"}, "required_staff": {"from": 2, "to": 3},
                    "location": {"from": None, "to": "Dock 4"}}}]

    moves = found["assignments"]
    assert [a["id"] for a in moves["made"]] == [made["id"]]
    assert [a["id"] for a in moves["removed"]] == sorted([to_remove["id"], gone_with_shift["id"]])
    assert [(a["id"], a["changes"]) for a in moves["answered"]] == [
        (to_confirm["id"], {"status": {"from": "pending", "to": "confirmed"}}),
        (to_decline["id"], {"status": {"from": "pending", "to": "declined"}})]
    assert [(a["id"], a["employee"]["full_name"], a["changes"]["employee_id"]) for a in moves["handed_over"]] == [
        (to_swap["id"], cyd["full_name"], {"from": ada["id"], "to": cyd["id"]})]
    assert kept["id"] not in {a["id"] for kind in moves.values() for a in kind}


def test_a_diff_agrees_with_the_two_as_of_answers(team: Team) -> None:
    roster = planned(team, "2026-02-09", "2026-02-10")
    ok(team.assign(roster["shifts"][0]["id"], team.employees[0]["id"]), 201)
    since = instant()
    ok(team.client.delete(f"/api/shifts/{roster['shifts'][1]['id']}", headers=team.manager), 204)
    ok(team.assign(roster["shifts"][2]["id"], team.employees[1]["id"]), 201)
    until = instant()
    before, after = as_of(team, roster["id"], since), as_of(team, roster["id"], until)
    found = ok(diff(team, roster["id"], **{"from": since, "to": until}))["diff"]
    ids = [{s["id"] for s in state["shifts"]} for state in (before, after)]
    assert {s["id"] for s in found["shifts"]["added"]} == ids[1] - ids[0]
    assert found["shifts"]["removed"] == [s for s in before["shifts"] if s["id"] not in ids[1]]
    held = [{a["id"] for s in state["shifts"] for a in s["assignments"]} for state in (before, after)]
    assert {a["id"] for a in found["assignments"]["made"]} == held[1] - held[0]
    assert (found["from_version"], found["to_version"]) == (before["version"], after["version"])


def test_a_diff_from_before_the_roster_existed_lists_everything_as_added(team: Team) -> None:
    since = instant()
    roster = planned(team, "2026-02-16", "2026-02-16")
    until = instant()
    found = ok(diff(team, roster["id"], **{"from": since, "to": until}))["diff"]
    assert (found["created"], found["deleted"], found["from_version"]) == (True, False, None)
    assert [s["id"] for s in found["shifts"]["added"]] == [s["id"] for s in roster["shifts"]]
    assert found["roster"] == {} and found["status_moves"] == []
    whole = ok(diff(team, roster["id"], to=until))["diff"]  # `from` defaults to before it existed
    assert whole["from"] == "1970-01-01T00:00:00.000Z"
    assert {k: v for k, v in whole.items() if k != "from"} == {k: v for k, v in found.items() if k != "from"}


def test_a_diff_across_the_deletion_lists_everything_as_removed(team: Team) -> None:
    roster = planned(team, "2026-02-23", "2026-02-23")
    made = ok(team.assign(roster["shifts"][0]["id"], team.employees[0]["id"]), 201)["assignment"]
    since = instant()
    ok(team.client.delete(f"/api/rosters/{roster['id']}", headers=team.manager), 204)
    found = ok(diff(team, roster["id"], **{"from": since}))["diff"]  # `to` defaults to now
    assert (found["created"], found["deleted"], found["to_version"]) == (False, True, None)
    assert [s["id"] for s in found["shifts"]["removed"]] == [s["id"] for s in roster["shifts"]]
    assert [a["id"] for a in found["assignments"]["removed"]] == [made["id"]]


def test_a_diff_of_a_roster_that_existed_at_neither_instant_is_404(team: Team) -> None:
    since = instant()
    roster = planned(team, "2026-03-02", "2026-03-02")
    ok(team.client.delete(f"/api/rosters/{roster['id']}", headers=team.manager), 204)
    assert diff(team, roster["id"], **{"from": since, "to": since}).status_code == 404
    assert diff(team, 987654, **{"from": since}).status_code == 404


def test_from_after_to_and_bad_instants_answer_400_naming_the_parameter(team: Team) -> None:
    roster = planned(team, "2026-03-09", "2026-03-09")
    early, late = instant(), instant()
    cases = [({"from": late, "to": early}, "from"), ({"from": "2026-01-01T00:00:00", "to": late}, "from"),
             ({"from": early, "to": "2199-12-31T00:00:00Z"}, "to"), ({"from": "1969-01-01T00:00:00Z"}, "from")]
    for params, field in cases:
        response = diff(team, roster["id"], **params)
        assert response.status_code == 400, (params, response.text)
        assert [e["field"] for e in response.json()["detail"]["errors"]] == [field], response.text


def test_a_diff_follows_the_rights_of_the_as_of_reads(world: World, team: Team) -> None:
    roster = planned(team, "2026-03-16", "2026-03-16")
    draft = instant()
    ok(team.set_status(roster["id"], "published"))
    published = instant()
    employee = bearer(team.employees[0]["token"])
    for who in (world.globex.admin, world.globex.manager, world.acme.colleague):
        assert diff(team, roster["id"], bearer(who["token"]), **{"from": draft}).status_code == 404
    # An employee never saw the draft: not from then, but from its publication on.
    assert diff(team, roster["id"], employee, **{"from": draft}).status_code == 404
    assert ok(diff(team, roster["id"], employee, **{"from": published}))["diff"]["status_moves"] == []
    assert ok(diff(team, roster["id"], bearer(world.acme.admin["token"]), **{"from": draft}))["diff"]["roster"] == {
        "status": {"from": "draft", "to": "published"}}
