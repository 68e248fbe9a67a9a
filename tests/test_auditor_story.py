"""Issue 19's "Done when", as an auditor lives it: given nothing but the API, an auditor answers
who changed a roster, when and what exactly; what it looked like when it was published; what
changed between then and now; and proves afterwards that none of that history was altered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.as_of_support import Team, team_of
from tests.conftest import settings_for
from tests.support import bearer, create_user, ok, seed_world


@pytest.fixture
def team(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[Team]:
    if backend == "memory":
        pytest.skip("the SQLite and PostgreSQL stores are the ones an auditor verifies")
    settings = settings_for(backend, tmp_path, request)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield team_of(client, seed_world(client).acme, size=3)
    container.close()


def test_an_auditor_answers_who_what_when_as_published_what_changed_since_and_proves_it(team: Team) -> None:
    client = team.client
    auditor = create_user(client, team.tenant.admin["token"], "auditor@acme.test", "auditor",
                          team.tenant.enterprise_id, None, full_name="Ida Auditor")
    sees = bearer(auditor["token"])
    ada, bob = team.employees[1], team.employees[2]

    # The department's story: planned, staffed, published; then changed after publication.
    roster = team.roster("March", "2027-03-01", "2027-03-03", auto_generate_shifts=True,
                         shift_template="12hour")
    first, second = roster["shifts"][0], roster["shifts"][1]
    ok(team.assign(first["id"], ada["id"]), 201)
    ok(team.set_status(roster["id"], "published"))
    time.sleep(0.01)  # the published roster stands for a moment before anyone changes it
    ok(team.set_status(roster["id"], "draft"))
    moved = ok(client.put(f"/api/shifts/{first['id']}", json={"title": "Early Day"}, headers=team.manager))
    ok(team.assign(second["id"], bob["id"]), 201)

    # Who changed this roster, when, and what exactly.
    history = ok(client.get(f"/api/rosters/{roster['id']}/history?limit=500", headers=sees))["entries"]
    types = [entry["type"] for entry in history]
    assert types.index("roster_created") < types.index("employee_assigned") < types.index("roster_status_changed")
    published = next(e for e in history if e["type"] == "roster_status_changed"
                     and e["changes"]["status"] == {"from": "draft", "to": "published"})
    assert published["actor"]["id"] == team.tenant.manager["id"] and published["occurred_at"].endswith("Z")
    assert published["request_id"]  # the X-Request-ID of the request that published it
    renamed = next(e for e in history if e["type"] == "shift_changed" and e["subject"]["id"] == first["id"])
    assert renamed["changes"]["title"] == {"from": first["title"], "to": "Early Day"}

    # What it looked like when it was published: exactly what a reader saw then.
    as_published = ok(client.get(f"/api/rosters/{roster['id']}", headers=sees,
                                 params={"as_of": published["occurred_at"]}))["roster"]
    assert as_published["status"] == "published"
    shifts_then = {s["id"]: s for s in as_published["shifts"]}
    assert shifts_then[first["id"]]["title"] == first["title"]
    assert [a["employee_id"] for a in shifts_then[first["id"]]["assignments"]] == [ada["id"]]
    assert shifts_then[second["id"]]["assignments"] == []

    # What changed between then and now.
    diff = ok(client.get(f"/api/rosters/{roster['id']}/diff", headers=sees,
                         params={"from": published["occurred_at"]}))["diff"]
    assert any(s["id"] == first["id"] and "title" in s["changes"] for s in diff["shifts"]["changed"])
    assert [a["employee_id"] for a in diff["assignments"]["made"]] == [bob["id"]]
    assert [(m["from"], m["to"]) for m in diff["status_moves"]] == [("published", "draft")]
    assert moved["shift"]["title"] == "Early Day"

    # And prove afterwards that none of it was altered.
    digest = ok(client.get("/api/audit/digest", headers=sees))
    ok(client.post("/api/rosters", headers=team.manager, json={
        "name": "April", "department_id": team.tenant.department_id,
        "start_date": "2027-04-01", "end_date": "2027-04-02"}), 201)  # the log goes on growing
    verified = ok(client.post("/api/audit/verify", headers=sees,
                              json={"sequence": digest["sequence"], "hash": digest["hash"]}))
    assert verified["valid"] is True and verified["first_mismatch"] is None
