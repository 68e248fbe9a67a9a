"""`X-Request-ID` (issue 19, "Endpoints"): every response carries one, the client's own when it
sent a valid one, and every event a request saves records it as `request_id`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.idempotency import IdempotencyKey
from domain.ids import aggregate_uuid
from domain.organisation import Department
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from interfaces.http.request_id import is_valid
from tests.conftest import settings_for
from tests.support import World, bearer, ok, seed_world
from tests.test_projection_rebuild import dump

HEADER = "X-Request-ID"


@dataclass
class Served:
    client: TestClient
    container: Container
    world: World

    def events(self, kind: str, number: int) -> list[Any]:
        return list(self.container.events.events.get(aggregate_uuid(kind, number)))


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield Served(client, container, seed_world(client))
    finally:
        container.close()


def generated(value: str | None) -> bool:
    return value is not None and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def test_a_valid_client_id_is_echoed_on_reads_commands_and_errors(served: Served) -> None:
    c, root = served.client, bearer(served.world.root["token"])
    answers = [
        c.get("/api/users", headers={**root, HEADER: "read-1"}),
        c.post("/api/departments", json={"name": "Night", "enterprise_id": served.world.acme.enterprise_id},
               headers={**root, HEADER: "write-1"}),
        c.get("/api/rosters/999999", headers={**root, HEADER: "missing-1"}),
        c.post("/api/departments", json={"name": 7}, headers={**root, HEADER: "invalid-1"}),
        c.get("/api/no-such-route", headers={HEADER: "unrouted-1"}),
        c.get("/api/users", headers={HEADER: "anonymous-1"}),
        c.get("/health", headers={HEADER: "health-1"}),
    ]
    assert [a.status_code for a in answers] == [200, 201, 404, 400, 404, 401, 200]
    assert [a.headers[HEADER] for a in answers] == [
        "read-1", "write-1", "missing-1", "invalid-1", "unrouted-1", "anonymous-1", "health-1"]


def test_without_one_every_answer_gets_a_new_id(served: Served) -> None:
    c = served.client
    answers = [c.get("/api/users", headers=bearer(served.world.root["token"])) for _ in range(2)]
    answers += [c.get("/api/rosters/1"), c.post("/api/auth/login", json={"email": "x@y.test", "password": "p"})]
    ids = [a.headers.get(HEADER) for a in answers]
    assert all(generated(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("sent", ["", "has space", "x" * 201, "caf\u00e9", "tab\tin"])
def test_an_invalid_client_id_is_replaced(served: Served, sent: str) -> None:
    answer = served.client.get("/api/users", headers=[(HEADER, sent.encode("utf-8"))])
    assert answer.status_code == 401 and generated(answer.headers[HEADER])


def test_two_ids_sent_at_once_are_replaced_by_one(served: Served) -> None:
    answer = served.client.get("/api/users", headers=[(HEADER, b"one"), (HEADER, b"two")])
    assert generated(answer.headers[HEADER]) and "," not in answer.headers[HEADER]


def test_the_longest_valid_id_is_kept() -> None:
    assert is_valid("!" + "x" * 198 + "~") and not is_valid("x" * 201) and not is_valid("")


def test_a_413_and_a_415_carry_the_id(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = settings_for("sqlite", tmp_path, request, max_body_bytes=100)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as c:
            large = c.post("/api/auth/login", content=b"{" + b" " * 200 + b"}",
                           headers={"Content-Type": "application/json", HEADER: "too-large"})
            odd = c.post("/api/auth/login", content=b"<login/>", headers={"Content-Type": "text/xml", HEADER: "odd"})
    finally:
        container.close()
    assert (large.status_code, large.headers[HEADER]) == (413, "too-large")
    assert (odd.status_code, odd.headers[HEADER]) == (415, "odd")


def test_a_429_carries_the_id(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = settings_for("sqlite", tmp_path, request, rate_limit_enabled=True, rate_limit_general="2/minute")
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as c:
            answers = [c.get("/api/rosters", headers={HEADER: f"burst-{i}"}) for i in range(3)]
    finally:
        container.close()
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert [a.headers[HEADER] for a in answers] == ["burst-0", "burst-1", "burst-2"]


def test_every_event_a_command_saves_records_the_requests_id_and_the_aggregate_still_loads(served: Served) -> None:
    c, root = served.client, bearer(served.world.root["token"])
    made = c.post("/api/departments", json={"name": "Night", "enterprise_id": served.world.acme.enterprise_id},
                  headers={**root, HEADER: "create-night", "Idempotency-Key": "night-1"})
    number = ok(made, 201)["department"]["id"]
    renamed = c.put(f"/api/departments/{number}", json={"name": "Late"}, headers={**root, HEADER: "rename-night"})
    ok(renamed)
    unnamed = c.put(f"/api/departments/{number}", json={"description": "after hours"}, headers=root)
    ok(unnamed)
    stamps = [getattr(e, "request_id", None) for e in served.events("department", number)]
    assert stamps == ["create-night", "rename-night", unnamed.headers[HEADER]]
    # The stored attribute is restored on reading and ignored by replays: the aggregate loads.
    department = served.container.events.repository.get(aggregate_uuid("department", number))
    assert isinstance(department, Department) and department.name == "Late"
    key = IdempotencyKey.id_for(f"user:{served.world.root['id']}", "night-1")
    assert [getattr(e, "request_id", None) for e in served.container.events.events.get(key)] == ["create-night"]


def test_a_command_over_several_aggregates_stamps_them_all(served: Served) -> None:
    acme = served.world.acme
    manager = bearer(acme.manager["token"])
    roster = ok(served.client.post("/api/rosters", json={
        "name": "Week", "department_id": acme.department_id, "start_date": "2026-01-05", "end_date": "2026-01-06",
        "auto_generate_shifts": True, "shift_template": "business_hours"}, headers={**manager, HEADER: "plan"}), 201)
    shifts = [s["id"] for s in roster["roster"]["shifts"]]
    assert len(shifts) == 2
    stamped = served.events("roster", roster["roster"]["id"]) + [e for s in shifts for e in served.events("shift", s)]
    assert {getattr(e, "request_id", None) for e in stamped} == {"plan"}


def test_events_saved_by_the_auto_assign_job_carry_no_request_id(served: Served) -> None:
    acme = served.world.acme
    manager = bearer(acme.manager["token"])
    roster = ok(served.client.post("/api/rosters", json={
        "name": "Queued", "department_id": acme.department_id, "start_date": "2026-02-02", "end_date": "2026-02-03",
        "auto_generate_shifts": True, "shift_template": "business_hours", "required_staff": 1},
        headers=manager), 201)["roster"]
    queued = served.client.post(f"/api/rosters/{roster['id']}/auto-assign", json={"background": True},
                                headers={**manager, HEADER: "queue-it"})
    assert queued.status_code == 202, queued.text
    deadline = time.monotonic() + 20
    while (ok(served.client.get(f"/api/rosters/{roster['id']}", headers=manager))["roster"]["metadata"]
           .get("auto_assign") or {}).get("status") != "completed":
        assert time.monotonic() < deadline, "the job never completed"
        time.sleep(0.05)
    reports = [(e.report.get("status"), getattr(e, "request_id", None))
               for e in served.events("roster", roster["id"]) if hasattr(e, "report")]
    assert reports == [("queued", "queue-it"), ("running", None), ("completed", None)]
    shifts = ok(served.client.get(f"/api/shifts/roster/{roster['id']}", headers=manager))["shifts"]
    assigned = [a["id"] for s in shifts for a in s["assignments"]]
    assert assigned, "the job should have placed someone"
    assert all(getattr(e, "request_id", None) is None for a in assigned for e in served.events("assignment", a))


def test_a_rebuild_over_events_that_carry_request_ids_reproduces_every_read_model(served: Served) -> None:
    acme = served.world.acme
    manager = bearer(acme.manager["token"])
    roster = ok(served.client.post("/api/rosters", json={
        "name": "Week", "department_id": acme.department_id, "start_date": "2026-01-05", "end_date": "2026-01-06",
        "auto_generate_shifts": True, "shift_template": "business_hours"}, headers={**manager, HEADER: "plan"}), 201)
    shift = roster["roster"]["shifts"][0]["id"]
    ok(served.client.post(f"/api/shifts/{shift}/assignments", json={"employee_id": acme.employee["id"]},
                          headers={**manager, HEADER: "assign"}), 201)
    live = dump(served.container.store)
    assert served.container.runner.rebuild() > 0
    assert dump(served.container.store) == live


def test_a_generated_id_is_a_uuid4_in_hex() -> None:
    from uuid import UUID

    from interfaces.http.request_id import new_id

    made = {new_id() for _ in range(200)}
    assert len(made) == 200
    for value in made:
        parsed = UUID(hex=value)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, "specified in RFC 4122", value)
