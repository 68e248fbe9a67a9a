"""The auditor (issue 19, "Who may read history"): it reads everything of its enterprise and
changes nothing.

Two enterprises are seeded and given one or more resources of every kind (tests/tenant_data.py).
Acme's admin creates an auditor, and a second one joins through an invitation. They read
what Acme's admins and managers read, drafts included; Globex's ids answer 404; and every
command of the served OpenAPI schema, sent by an auditor with a plausible body and Acme's
own ids, answers 403 and saves nothing: once with the guard at the HTTP edge, and once
without it, so that the use cases are seen to refuse on their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient

import interfaces.http.app as http_app
from application import policy
from application.audience import enterprise_admins_room, rooms_for, user_room
from application.principal import Principal
from domain.errors import PermissionDenied
from domain.roles import Role
from infrastructure.settings import Settings
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import PASSWORD, World, bearer, create_user, ok, seed_world
from tests.tenant_data import TenantData, is_id, populate
from tests.test_tenant_matrix import Schema, envelope_problem, fill, known_kind, path_parameters

COMMANDS = ("post", "put", "patch", "delete")
OPEN = {("post", "/api/auth/login"), ("post", "/api/auth/refresh"),
        ("post", "/api/auth/logout"), ("post", "/api/auth/logout-all"),  # docs/auth.md
        ("post", "/auth/login"), ("post", "/auth/logout"),
        ("post", "/api/audit/verify")}  # verifying the log computes an answer and changes nothing
"""The commands an auditor may send: signing in, renewing its token and signing out."""


@dataclass
class Auditing:
    settings: Settings
    container: Container
    client: TestClient
    world: World
    acme: TenantData
    globex: TenantData
    auditor: dict[str, Any]
    invited: dict[str, Any]
    """An auditor who registered with an invitation of Acme's admin."""
    applicant: dict[str, Any]
    """Someone who asked to join Acme, pending."""

    def get(self, url: str, who: dict[str, Any] | None = None) -> Any:
        return self.client.get(url, headers=bearer((who or self.auditor)["token"]))

    def read(self, url: str, who: dict[str, Any] | None = None) -> dict[str, Any]:
        return ok(self.get(url, who))

    def head(self) -> int:
        return int(self.container.events.recorder.max_notification_id() or 0)


def invited_auditor(client: TestClient, world: World) -> dict[str, Any]:
    issued = ok(client.post(f"/api/enterprises/{world.acme.enterprise_id}/invitations",
                            json={"role": "auditor"}, headers=bearer(world.acme.admin["token"])), 201)
    assert issued["invitation"]["role"] == "auditor" and issued["invitation"]["department_id"] is None
    registered = ok(client.post("/api/auth/register", json={
        "full_name": "Acme Invited Auditor", "email": "invited.auditor@acme.test", "password": PASSWORD,
        "invitation_code": issued["invitation"]["code"]}), 201)
    return {**registered["user"], "token": registered["token"]}


@pytest.fixture(scope="module")
def auditing(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Auditing]:
    settings = settings_for("sqlite", tmp_path_factory.mktemp("auditor"), request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            world = seed_world(client)
            acme, globex = populate(client, world.acme, "Acme"), populate(client, world.globex, "Globex")
            auditor = create_user(client, world.acme.admin["token"], "auditor@acme.test", "auditor",
                                  world.acme.enterprise_id, None, full_name="Acme Auditor")
            applicant = ok(client.post("/api/auth/register", json={
                "full_name": "Acme Applicant", "email": "applicant@acme.test", "password": PASSWORD,
                "enterprise_id": world.acme.enterprise_id}), 201)["user"]
            yield Auditing(settings, container, client, world, acme, globex, auditor,
                           invited_auditor(client, world), applicant)
    finally:
        container.close()


# -- who an auditor is ----------------------------------------------------------


def test_an_enterprise_admin_creates_an_auditor_in_its_enterprise_and_no_department(auditing: Auditing) -> None:
    for auditor in (auditing.auditor, auditing.invited):
        assert auditor["role"] == "auditor"
        assert auditor["enterprise_id"] == auditing.world.acme.enterprise_id
        assert auditor["department_id"] is None
        assert auditing.read("/api/auth/profile", auditor)["user"]["role"] == "auditor"


# -- what it reads ----------------------------------------------------------------


def test_an_auditor_reads_every_roster_of_its_enterprise_drafts_included(auditing: Auditing) -> None:
    acme = auditing.acme
    published, draft = acme.ids["roster"]
    for auditor in (auditing.auditor, auditing.invited):
        listed = auditing.read("/api/rosters/all?limit=100", auditor)["rosters"]
        assert {r["id"] for r in listed} == {published, draft}
        assert {r["status"] for r in listed} == {"published", "draft"}
        assert auditing.read(f"/api/rosters?status=draft", auditor)["rosters"][0]["id"] == draft
    for roster in (published, draft):
        detail = auditing.read(f"/api/rosters/{roster}")["roster"]
        admins = auditing.read(f"/api/rosters/{roster}", auditing.world.acme.admin)["roster"]
        assert detail == admins
        assert auditing.read(f"/api/shifts/roster/{roster}")["shifts"]


def test_an_auditor_reads_shifts_assignments_and_who_is_available(auditing: Auditing) -> None:
    acme = auditing.acme
    for shift in acme.ids["shift"]:
        assert auditing.read(f"/api/shifts/{shift}")["shift"]["id"] == shift
    assigned = auditing.read(f"/api/shifts/{acme.first('shift')}")["shift"]["assignments"]
    assert [a["id"] for a in assigned] == acme.ids["assignment"]
    available = auditing.read(f"/api/shifts/{acme.first('shift')}/available-employees")
    everyone = available["available_employees"] + available["unavailable_employees"]
    assert {c["employee"]["id"] for c in everyone} >= {acme.tenant.employee["id"]}


def test_an_auditor_reads_the_swaps_time_off_templates_and_invitations_of_its_enterprise(
    auditing: Auditing,
) -> None:
    acme, eid, dept = auditing.acme, auditing.world.acme.enterprise_id, auditing.world.acme.department_id
    swaps = auditing.read(f"/api/departments/{dept}/swap-requests")["swap_requests"]
    assert [s["id"] for s in swaps] == acme.ids["swap"]
    claims = auditing.read(f"/api/departments/{dept}/shift-claims")["claims"]
    assert [c["id"] for c in claims] == acme.ids["claim"]
    assert auditing.read(f"/api/shift-claims/{acme.first('claim')}")["claim"]["status"] == "pending"
    entries = auditing.read(f"/api/departments/{dept}/time-off")["entries"]
    assert {e["id"] for e in entries if e["kind"] == "time_off"} == set(acme.ids["time_off"])
    templates = auditing.read(f"/api/shift-templates/department/{dept}")["templates"]
    assert [t["id"] for t in templates] == acme.ids["template"]
    assert auditing.read(f"/api/shift-templates/{acme.first('template')}")["template"]["department_id"] == dept
    invitations = auditing.read(f"/api/enterprises/{eid}/invitations?limit=100")["invitations"]
    assert set(acme.ids["invitation"]) < {i["id"] for i in invitations}
    assert all("code" not in i for i in invitations)


def test_an_auditor_reads_its_enterprise_its_departments_and_every_user_in_them(auditing: Auditing) -> None:
    world, acme = auditing.world, auditing.acme
    eid = world.acme.enterprise_id
    assert auditing.read(f"/api/enterprises/{eid}")["enterprise"]["id"] == eid
    departments = auditing.read(f"/api/departments/enterprise/{eid}")["departments"]
    assert {d["id"] for d in departments} == set(acme.ids["department"])
    assert auditing.read(f"/api/departments/{world.acme.other_department_id}")["department"]["id"]
    listed = {u["id"] for u in auditing.read("/api/users?limit=100")["users"]}
    assert listed == set(acme.ids["user"]) | {auditing.auditor["id"], auditing.invited["id"]}
    for user in acme.ids["user"]:
        assert auditing.read(f"/api/users/{user}")["user"]["id"] == user
    assert auditing.get("/api/enterprises").status_code == 403  # the list of all is a system admin's


def test_an_auditor_sees_pending_requests_to_join_its_enterprise_and_cannot_decide_them(auditing: Auditing) -> None:
    pending = auditing.read("/api/users?pending=true")["users"]
    assert [u["id"] for u in pending] == [auditing.applicant["id"]]
    seen = auditing.read(f"/api/users/{auditing.applicant['id']}")["user"]
    assert seen["join_request"]["status"] == "pending"
    refused = auditing.client.post(f"/api/users/{auditing.applicant['id']}/approve",
                                   headers=bearer(auditing.auditor["token"]))
    assert refused.status_code == 403
    assert auditing.read(f"/api/users/{auditing.applicant['id']}")["user"]["join_request"]["status"] == "pending"


def test_an_auditor_gets_the_enterprise_dashboard_and_any_departments(auditing: Auditing) -> None:
    world = auditing.world
    stats = auditing.read("/api/dashboard/stats")["stats"]
    admins = auditing.read("/api/dashboard/stats", world.acme.admin)["stats"]
    assert stats == admins and stats["total_departments"] == 2
    assert auditing.read("/api/dashboard/enterprise")["stats"] == admins
    team = auditing.read(f"/api/dashboard/manager?department_id={world.acme.department_id}")["stats"]
    assert {m["id"] for m in team["team_members"]} >= {world.acme.manager["id"], world.acme.employee["id"]}
    assert auditing.read("/api/dashboard/employee")["stats"]["upcoming_shifts"] == 0
    assert auditing.get("/api/dashboard/system").status_code == 403


def test_an_auditor_reads_its_own_notifications(auditing: Auditing) -> None:
    assert auditing.read("/api/notifications")["notifications"] == []
    assert auditing.read("/api/notifications/count")["unread_count"] == 0


def test_another_enterprise_answers_an_auditor_404(auditing: Auditing) -> None:
    globex, world = auditing.globex, auditing.world
    urls = [f"/api/enterprises/{world.globex.enterprise_id}",
            f"/api/departments/enterprise/{world.globex.enterprise_id}",
            f"/api/enterprises/{world.globex.enterprise_id}/invitations",
            f"/api/dashboard/enterprise?enterprise_id={world.globex.enterprise_id}"]
    urls += [f"/api/rosters/{r}" for r in globex.ids["roster"]]
    urls += [f"/api/shifts/roster/{r}" for r in globex.ids["roster"]]
    urls += [f"/api/shifts/{s}" for s in globex.ids["shift"]]
    urls += [f"/api/shifts/{s}/available-employees" for s in globex.ids["shift"]]
    urls += [f"/api/users/{u}" for u in globex.ids["user"]]
    for d in globex.ids["department"]:
        urls += [f"/api/departments/{d}", f"/api/departments/{d}/swap-requests",
                 f"/api/departments/{d}/time-off", f"/api/shift-templates/department/{d}",
                 f"/api/dashboard/manager?department_id={d}"]
    urls += [f"/api/shift-templates/{t}" for t in globex.ids["template"]]
    urls += [f"/api/shift-claims/{c}" for c in globex.ids["claim"]]
    urls += [f"/api/departments/{d}/shift-claims" for d in globex.ids["department"]]
    for url in urls:
        answer = auditing.get(url)
        assert answer.status_code == 404, f"{url}: {answer.status_code} {answer.text[:200]}"
        assert "globex" not in answer.text.lower()
    assert "globex" not in json.dumps(auditing.read("/api/users?limit=100")).lower()
    assert "globex" not in json.dumps(auditing.read("/api/rosters/all?limit=100")).lower()


def test_an_auditor_is_never_assigned_to_a_shift_nor_offered_one(auditing: Auditing) -> None:
    acme = auditing.acme
    manager, employee = auditing.world.acme.manager, auditing.world.acme.employee
    assigned = auditing.client.post(f"/api/shifts/{acme.ids['shift'][1]}/assignments",
                                    json={"employee_id": auditing.auditor["id"]}, headers=bearer(manager["token"]))
    assert assigned.status_code == 400 and "auditor" in assigned.json()["message"]
    offered = auditing.client.post("/api/employee/swap-requests", json={
        "shift_id": acme.first("shift"), "target_employee_id": auditing.auditor["id"]},
        headers=bearer(employee["token"]))
    assert offered.status_code == 400 and "auditor" in offered.json()["message"]
    assert offered.json()["detail"]["errors"][0]["field"] == "target_employee_id"


def test_the_policy_refuses_every_change_to_an_auditor_alone() -> None:
    auditor = Principal(1, Role.AUDITOR, 1, None)
    with pytest.raises(PermissionDenied, match="read-only"):
        policy.require_may_change(auditor)
    for role in (Role.SYSTEM_ADMIN, Role.ENTERPRISE_ADMIN, Role.MANAGER, Role.EMPLOYEE):
        policy.require_may_change(Principal(1, role, 1, 1))
    assert policy.reads_enterprise(auditor, 1) and not policy.reads_enterprise(auditor, 2)
    assert not policy.reads_enterprise(Principal(1, Role.AUDITOR, None, None), None)
    assert policy.can_view_roster(auditor, 1, 5, "draft") and not policy.can_manage_department(auditor, 1, 5)


def test_an_auditor_hears_in_realtime_what_its_enterprise_admins_hear() -> None:
    auditor, admin = Principal(7, Role.AUDITOR, 1, None), Principal(8, Role.ENTERPRISE_ADMIN, 1, None)
    assert rooms_for(auditor) == [user_room(7), enterprise_admins_room(1)]
    assert rooms_for(admin)[1:] == rooms_for(auditor)[1:]


# -- what it changes: nothing ----------------------------------------------------------


@dataclass
class Command:
    method: str
    path: str
    url: str
    body: Any
    needs_caller: bool

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def commands(schema: Schema, acme: TenantData, auditor: dict[str, Any]) -> list[Command]:
    """Every command of the served schema with Acme's own ids (the auditor's, for a user) and a
    plausible body, as the tenant matrix builds them."""
    mine = {kind: ids[0] for kind, ids in acme.ids.items()}
    mine["user"] = acme.tenant.employee["id"]
    found = []
    operations = [(m, path, item[m]) for path, item in schema.paths.items() for m in COMMANDS if m in item]
    for method, path, operation in operations:
        if (method, path) in OPEN:
            continue
        params = {p: mine[k] for p in path_parameters(operation) if (k := known_kind(p, path))}
        body_schema = schema.body_schema(operation)
        ids = {p: mine[k] for p in schema.id_properties(body_schema) if (k := known_kind(p))}
        body = schema.example(body_schema, "", ids) if body_schema is not None else None
        if body is not None and path == "/api/auth/register":
            body = {**body, "email": "auditor.signup@acme.test"}
        query = "&".join(f"{p}={mine[k]}" for p in path_parameters(operation, "query")
                         if is_id(p) and (k := known_kind(p, path)))
        url = fill(path, params) + (f"?{query}" if query else "")
        found.append(Command(method, path, url, body, "401" in operation.get("responses", {})))
    return found


def send(client: TestClient, command: Command, who: dict[str, Any]) -> Any:
    headers = bearer(who["token"])
    content = None
    if command.body is not None:
        content = json.dumps(command.body)
        headers["Content-Type"] = "application/json"
    return client.request(command.method.upper(), command.url, content=content, headers=headers)


def test_every_command_of_the_schema_answers_an_auditor_403_and_saves_nothing(auditing: Auditing) -> None:
    schema = Schema(auditing.client.get("/schema/openapi.json").json())
    found = commands(schema, auditing.acme, auditing.auditor)
    assert len(found) > 30 and {c.method for c in found} == set(COMMANDS)
    head = auditing.head()
    failures = []
    for who in (auditing.auditor, auditing.invited):
        for command in found:
            answer = send(auditing.client, command, who)
            problem = envelope_problem(answer)
            if answer.status_code != 403 or problem or answer.json()["message"] != policy.READ_ONLY:
                failures.append(f"{command.label} as {who['email']}: {answer.status_code} {answer.text[:200]}"
                                f"\n    {command.url} {json.dumps(command.body)}")
    assert not failures, f"{len(failures)} of {2 * len(found)}:\n" + "\n".join(failures)
    assert auditing.head() == head, "an auditor's command saved events"


def test_without_the_edge_guard_the_use_cases_refuse_every_command_of_an_auditor_themselves(
    auditing: Auditing, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_guard(*_: Any) -> None:
        return None

    monkeypatch.setattr(http_app, "auditors_read_only", no_guard)
    bare = TestClient(create_app(auditing.settings, auditing.container))  # no lifespan: shares the container
    schema = Schema(bare.get("/schema/openapi.json").json())
    found = [c for c in commands(schema, auditing.acme, auditing.auditor) if c.needs_caller]
    assert len(found) > 30
    head = auditing.head()
    failures = []
    for command in found:
        answer = send(bare, command, auditing.auditor)
        if answer.status_code != 403 or envelope_problem(answer):
            failures.append(f"{command.label}: {answer.status_code} {answer.text[:200]}"
                            f"\n    {command.url} {json.dumps(command.body)}")
    assert not failures, f"{len(failures)} of {len(found)}:\n" + "\n".join(failures)
    assert auditing.head() == head, "an auditor's command saved events"


def test_an_auditor_still_signs_in_and_renews_its_token(auditing: Auditing) -> None:
    login = ok(auditing.client.post("/api/auth/login", json={"email": "auditor@acme.test", "password": PASSWORD}))
    assert login["user"]["role"] == "auditor"
    renewed = ok(auditing.client.post("/api/auth/refresh", headers=bearer(login["refresh_token"])))
    assert auditing.read("/api/rosters", {"token": renewed["access_token"]})["rosters"]


def test_the_edge_guard_sits_on_every_command_handler_and_on_no_read_only_one(auditing: Auditing) -> None:
    """Reads skip Litestar's guard call (a copy of the handler per request); commands keep it."""
    from litestar.handlers import HTTPRouteHandler
    from litestar.routes import HTTPRoute

    from interfaces.http.read_only import READS, auditors_read_only

    app = auditing.client.app
    handlers = [h for r in app.routes if isinstance(r, HTTPRoute) for h in r.route_handlers
                if isinstance(h, HTTPRouteHandler)]
    reads = [h for h in handlers if set(h.http_methods) <= READS]
    changes = [h for h in handlers if not set(h.http_methods) <= READS]
    assert len(reads) > 30 and len(changes) > 30
    assert not [h.handler_name for h in reads if auditors_read_only in h.resolve_guards()]
    assert not [h.handler_name for h in changes if auditors_read_only not in h.resolve_guards()]
