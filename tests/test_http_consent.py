"""Joining an enterprise takes its consent (issue 18, finding 3), and a deactivated account
does not confirm its password (finding 7).

Registering with an enterprise's ids only asks to join it: the answer is the same whether
they exist or not, and the account reads nothing of the enterprise until its admin or the
requested department's manager approves. An invitation code places its holder directly,
as often as its issuer allowed and until it expires or is revoked.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from application.commands import NewUser
from application.invitations import InvitationService, NewInvitation
from application.ports import ReadModelsBehind
from application.views import Page
from domain.errors import EmailAlreadyRegistered
from domain.invitation import Invitation, InvitationNotValid
from domain.roles import Role
from interfaces.container import Container, build_container
from projections.directory_queries import SqlDirectory
from projections.invitation_queries import SqlInvitations
from tests.conftest import settings_for
from tests.support import PASSWORD, World, bearer, ok, seed_world
from tests.test_concurrency import race

NOW = datetime.now(timezone.utc)


@pytest.fixture
def world(sqlite_client: TestClient) -> World:
    return seed_world(sqlite_client)


def h(who: dict[str, Any]) -> dict[str, str]:
    return bearer(who["token"])


def refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    body = response.json()
    assert body["error"] and body["message"] and body["detail"]["message"] == body["message"]
    return body


def register(world: World, email: str, **fields: Any) -> Any:
    return world.client.post("/api/auth/register", json={
        "full_name": email.split("@")[0].title(), "email": email, "password": PASSWORD, **fields})


def applicant(
    world: World, email: str, enterprise_id: int | None, department_id: int | None
) -> dict[str, Any]:
    """A self-registered user asking to join; with their token."""
    body = ok(register(world, email, enterprise_id=enterprise_id, department_id=department_id), 201)
    return {**body["user"], "token": body["token"]}


def decide(world: World, who: dict[str, Any], user: dict[str, Any], action: str = "approve") -> Any:
    return world.client.post(f"/api/users/{user['id']}/{action}", headers=h(who))


def pending(world: World, who: dict[str, Any], query: str = "") -> dict[str, Any]:
    return ok(world.client.get(f"/api/users?pending=true{query}", headers=h(who)))


def invite(world: World, who: dict[str, Any], enterprise_id: int, **fields: Any) -> Any:
    return world.client.post(f"/api/enterprises/{enterprise_id}/invitations", json=fields, headers=h(who))


def invitation(world: World, who: dict[str, Any], enterprise_id: int, **fields: Any) -> dict[str, Any]:
    return ok(invite(world, who, enterprise_id, **fields), 201)["invitation"]


def container_of(world: World) -> Container:
    return world.client.app.state.container


def published_roster(world: World) -> dict[str, Any]:
    """A published week of Acme's department with open 12-hour shifts, auto-assigned."""
    acme, c = world.acme, world.client
    roster = ok(c.post("/api/rosters", headers=h(acme.manager), json={
        "name": "January", "department_id": acme.department_id, "start_date": "2026-01-05",
        "end_date": "2026-01-06", "auto_generate_shifts": True, "shift_template": "12hour",
        "required_staff": 3}), 201)["roster"]
    ok(c.post(f"/api/rosters/{roster['id']}/auto-assign", json={}, headers=h(acme.manager)))
    ok(c.patch(f"/api/rosters/{roster['id']}/status", json={"status": "published"},
               headers=h(acme.manager)))
    return roster


# -- the attack of the issue --------------------------------------------------------


def test_a_self_registered_user_reads_nothing_of_the_enterprise_it_names_and_is_not_assigned(
    world: World,
) -> None:
    acme, c = world.acme, world.client
    mallory = applicant(world, "mallory@evil.test", acme.enterprise_id, acme.department_id)
    assert (mallory["enterprise_id"], mallory["department_id"]) == (None, None)
    roster = published_roster(world)
    # The employee of the department reads the published roster; the applicant does not.
    ok(c.get(f"/api/rosters/{roster['id']}", headers=h(acme.employee)))
    assert ok(c.get("/api/rosters", headers=h(mallory)))["rosters"] == []
    refused(c.get(f"/api/rosters/{roster['id']}", headers=h(mallory)), 404)
    refused(c.get(f"/api/shifts/roster/{roster['id']}", headers=h(mallory)), 404)
    refused(c.get(f"/api/users/{acme.employee['id']}", headers=h(mallory)), 404)
    refused(c.get(f"/api/departments/{acme.department_id}", headers=h(mallory)), 404)
    refused(c.get(f"/api/departments/enterprise/{acme.enterprise_id}", headers=h(mallory)), 404)
    assert "employee@acme.test" not in c.get("/api/rosters", headers=h(mallory)).text
    # Auto-assign does not count them among the department's staff.
    again = ok(c.post("/api/rosters", headers=h(acme.manager), json={
        "name": "Later", "department_id": acme.department_id, "start_date": "2026-02-02",
        "end_date": "2026-02-03", "auto_generate_shifts": True, "shift_template": "12hour",
        "required_staff": 5}), 201)["roster"]
    ok(c.post(f"/api/rosters/{again['id']}/auto-assign", json={}, headers=h(acme.manager)))
    schedule = ok(c.get("/api/employee/my-schedule", headers=h(mallory)))["schedule"]
    assert schedule["assignments"] == []
    detail = ok(c.get(f"/api/rosters/{again['id']}", headers=h(acme.manager)))["roster"]
    assigned = {a["employee_id"] for s in detail["shifts"] for a in s.get("assignments", [])}
    assert assigned and mallory["id"] not in assigned


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    """The answer without what differs by person: ids, email, name, tokens and times."""
    user = {k: v for k, v in body["user"].items()
            if k not in ("id", "email", "full_name", "created_at", "updated_at", "join_request")}
    request = body["user"]["join_request"]
    return {"keys": sorted(body), "user": user, "user_keys": sorted(body["user"]),
            "message": body["message"], "request_keys": sorted(request), "status": request["status"]}


def test_registration_answers_alike_for_existing_unknown_and_foreign_ids(world: World) -> None:
    acme, globex = world.acme, world.globex
    cases = [
        (acme.enterprise_id, acme.department_id),  # both exist and match
        (acme.enterprise_id, None),
        (987654, 31337),  # neither exists
        (acme.enterprise_id, globex.department_id),  # a department of another enterprise
        (acme.enterprise_id, 424242),
    ]
    answers = []
    for index, (enterprise_id, department_id) in enumerate(cases):
        response = register(world, f"probe{index}@x.test", enterprise_id=enterprise_id,
                            department_id=department_id)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["user"]["join_request"] == {
            "enterprise_id": enterprise_id, "department_id": department_id, "status": "pending"}
        answers.append(_shape(body))
    assert all(answer == answers[0] for answer in answers), answers


# -- approving and rejecting ---------------------------------------------------------


def test_the_request_is_visible_to_whoever_may_approve_it_and_to_nobody_else(world: World) -> None:
    acme, globex, c = world.acme, world.globex, world.client
    hire = applicant(world, "hire@x.test", acme.enterprise_id, acme.department_id)
    for who in (world.root, acme.admin, acme.manager):
        seen = ok(c.get(f"/api/users/{hire['id']}", headers=h(who)))["user"]
        assert seen["join_request"]["status"] == "pending"
    for who in (acme.employee, acme.colleague, globex.admin, globex.manager):
        refused(c.get(f"/api/users/{hire['id']}", headers=h(who)), 404)
    # A request naming no department is the admins' alone to decide.
    loose = applicant(world, "loose@x.test", acme.enterprise_id, None)
    ok(c.get(f"/api/users/{loose['id']}", headers=h(acme.admin)))
    refused(c.get(f"/api/users/{loose['id']}", headers=h(acme.manager)), 404)


@pytest.mark.parametrize("approver", ["root", "admin", "manager"])
def test_an_approved_user_becomes_an_employee_where_they_asked(world: World, approver: str) -> None:
    acme, c = world.acme, world.client
    who = world.root if approver == "root" else getattr(acme, approver)
    roster = published_roster(world)
    hire = applicant(world, "hire@x.test", acme.enterprise_id, acme.department_id)
    user = ok(decide(world, who, hire))["user"]
    assert (user["role"], user["enterprise_id"], user["department_id"]) == (
        "employee", acme.enterprise_id, acme.department_id)
    assert user["join_request"]["status"] == "approved"
    # At once: their old token now reads the department's published roster.
    ok(c.get(f"/api/rosters/{roster['id']}", headers=h(hire)))
    assert hire["id"] in {u["id"] for u in ok(c.get("/api/users", headers=h(acme.manager)))["users"]}
    assert pending(world, acme.admin)["users"] == []
    refused(decide(world, who, hire), 409)  # decided once


def test_deciding_is_hidden_from_other_tenants_and_refused_to_employees(world: World) -> None:
    acme, globex = world.acme, world.globex
    hire = applicant(world, "hire@x.test", acme.enterprise_id, acme.department_id)
    elsewhere = applicant(world, "sales@x.test", acme.enterprise_id, acme.other_department_id)
    for action in ("approve", "reject"):
        refused(decide(world, globex.admin, hire, action), 404)
        refused(decide(world, globex.manager, hire, action), 404)
        refused(decide(world, acme.manager, elsewhere, action), 404)  # not their department
        refused(decide(world, acme.employee, hire, action), 403)
        refused(decide(world, acme.colleague, hire, action), 403)
        refused(decide(world, hire, hire, action), 403)
    refused(world.client.post("/api/users/987654/approve", headers=h(acme.admin)), 404)
    still = ok(world.client.get(f"/api/users/{hire['id']}", headers=h(acme.admin)))["user"]
    assert still["join_request"]["status"] == "pending" and still["enterprise_id"] is None


def test_a_rejected_request_leaves_the_user_outside_for_good(world: World) -> None:
    acme, c = world.acme, world.client
    hire = applicant(world, "hire@x.test", acme.enterprise_id, acme.department_id)
    user = ok(decide(world, acme.manager, hire, "reject"))["user"]
    assert user["enterprise_id"] is None and user["join_request"]["status"] == "rejected"
    # No longer visible to the enterprise; the system admin sees that nothing is pending.
    refused(decide(world, acme.admin, hire), 404)
    refused(decide(world, world.root, hire), 409)
    assert ok(c.get("/api/auth/profile", headers=h(hire)))["user"]["join_request"]["status"] == "rejected"
    refused(c.get(f"/api/departments/{acme.department_id}", headers=h(hire)), 404)


def test_approving_a_department_that_is_gone_or_of_another_enterprise_is_a_conflict(
    world: World,
) -> None:
    acme, globex, c = world.acme, world.globex, world.client
    foreign = applicant(world, "foreign@x.test", acme.enterprise_id, globex.department_id)
    body = refused(decide(world, acme.admin, foreign), 409)
    assert "department" in body["message"]
    temp = ok(c.post("/api/departments", json={"name": "Temp", "enterprise_id": acme.enterprise_id},
                     headers=h(acme.admin)), 201)["department"]
    late = applicant(world, "late@x.test", acme.enterprise_id, temp["id"])
    ok(c.delete(f"/api/departments/{temp['id']}", headers=h(acme.admin)), 204)
    refused(decide(world, acme.admin, late), 409)
    nowhere = applicant(world, "nowhere@x.test", 987654, None)
    refused(decide(world, world.root, nowhere), 409)
    assert ok(decide(world, acme.admin, late, "reject"))["user"]["enterprise_id"] is None


def test_placing_a_user_with_a_pending_request_waits_for_the_decision(world: World) -> None:
    acme, c = world.acme, world.client
    hire = applicant(world, "hire@x.test", acme.enterprise_id, acme.department_id)
    moved = c.put(f"/api/users/{hire['id']}", headers=h(world.root),
                  json={"enterprise_id": world.globex.enterprise_id})
    refused(moved, 409)
    ok(c.put(f"/api/users/{hire['id']}", headers=h(world.root), json={"full_name": "Renamed"}))


def test_the_pending_filter_lists_the_requests_the_caller_may_approve(world: World) -> None:
    acme, globex, c = world.acme, world.globex, world.client
    ops = applicant(world, "ops@x.test", acme.enterprise_id, acme.department_id)
    loose = applicant(world, "loose@x.test", acme.enterprise_id, None)
    other = applicant(world, "other@x.test", globex.enterprise_id, globex.department_id)
    ids = lambda body: [u["id"] for u in body["users"]]  # noqa: E731
    assert ids(pending(world, acme.admin)) == [ops["id"], loose["id"]]
    assert ids(pending(world, acme.manager)) == [ops["id"]]
    assert ids(pending(world, globex.admin)) == [other["id"]]
    assert ids(pending(world, world.root)) == [ops["id"], loose["id"], other["id"]]
    assert ids(pending(world, world.root, f"&department_id={acme.department_id}")) == [ops["id"]]
    # Paginated like the rest; and the placed users are not among them.
    page = pending(world, acme.admin, "&limit=1&page=2")
    assert ids(page) == [loose["id"]] and page["pagination"]["total_items"] == 2
    everyone = {u["id"] for u in ok(c.get("/api/users?limit=100", headers=h(acme.admin)))["users"]}
    assert not everyone & {ops["id"], loose["id"], other["id"]}
    not_pending = ok(c.get("/api/users?pending=false&limit=100", headers=h(acme.admin)))["users"]
    assert {u["id"] for u in not_pending} == everyone
    refused(c.get("/api/users?pending=true", headers=h(acme.employee)), 403)


# -- invitations ---------------------------------------------------------------------


def test_each_role_invites_only_what_it_may_grant_where_it_may(world: World) -> None:
    acme, globex = world.acme, world.globex
    eid, dept = acme.enterprise_id, acme.department_id
    made = invitation(world, world.root, eid, role="enterpriseAdmin")
    assert made["role"] == "enterpriseAdmin" and made["status"] == "active"
    assert len(made["code"]) >= 32 and made["max_uses"] == 1 and made["uses"] == 0
    invitation(world, acme.admin, eid, role="manager", department_id=dept)
    invitation(world, acme.admin, eid, role="enterpriseAdmin")
    by_manager = invitation(world, acme.manager, eid, role="employee")
    assert by_manager["department_id"] == dept  # their own department, by default
    refused(invite(world, acme.admin, eid, role="systemAdmin"), 403)
    refused(invite(world, acme.manager, eid, role="manager"), 403)
    refused(invite(world, acme.manager, eid, role="employee",
                   department_id=acme.other_department_id), 403)
    refused(invite(world, acme.employee, eid, role="employee"), 403)
    refused(invite(world, world.root, eid, role="systemAdmin"), 400)
    refused(invite(world, acme.admin, eid, role="employee", department_id=globex.department_id), 400)
    refused(invite(world, acme.admin, eid, role="enterpriseAdmin", department_id=dept), 400)
    for who in (acme.admin, acme.manager):
        refused(invite(world, who, globex.enterprise_id, role="employee"), 404)
    refused(invite(world, world.root, 987654, role="employee"), 404)


def test_an_invitation_places_who_registers_with_it_as_often_as_it_allows(world: World) -> None:
    acme, c = world.acme, world.client
    made = invitation(world, acme.admin, acme.enterprise_id, role="manager",
                      department_id=acme.department_id, max_uses=2)
    for name in ("first", "second"):
        # What the request names is not what decides: the invitation does.
        body = ok(register(world, f"{name}@x.test", invitation_code=made["code"],
                           enterprise_id=world.globex.enterprise_id), 201)
        user = body["user"]
        assert (user["role"], user["enterprise_id"], user["department_id"], user["join_request"]) == (
            "manager", acme.enterprise_id, acme.department_id, None)
        ok(c.get(f"/api/departments/{acme.department_id}", headers=bearer(body["token"])))
    refused(register(world, "third@x.test", invitation_code=made["code"]), 400)
    refused(login(world, "third@x.test"), 401)
    listed = ok(c.get(f"/api/enterprises/{acme.enterprise_id}/invitations", headers=h(acme.admin)))
    (row,) = listed["invitations"]
    assert (row["uses"], row["status"]) == (2, "used_up") and "code" not in row
    assert made["code"] not in str(listed)


def login(world: World, email: str, password: str = PASSWORD) -> Any:
    return world.client.post("/api/auth/login", json={"email": email, "password": password})


def test_unknown_expired_revoked_and_used_up_codes_get_one_answer(world: World) -> None:
    acme, c = world.acme, world.client
    used = invitation(world, acme.admin, acme.enterprise_id, role="employee")
    ok(register(world, "user@x.test", invitation_code=used["code"]), 201)
    revoked = invitation(world, acme.admin, acme.enterprise_id, role="employee")
    ok(c.delete(f"/api/enterprises/{acme.enterprise_id}/invitations/{revoked['id']}",
                headers=h(acme.admin)), 204)
    # Expired: issued by the domain ten days ago, for one day.
    container = container_of(world)
    expired_code = "expired-" + "x" * 32
    container.events.commit(Invitation.issue(
        code=expired_code, invitation_id=container.store.next_id("invitation"),
        enterprise_id=acme.enterprise_id, department_id=None, role=Role.EMPLOYEE,
        expires_at=NOW - timedelta(days=9), max_uses=5, now=NOW - timedelta(days=10),
        by=acme.admin["id"]))
    answers = []
    for index, code in enumerate([used["code"], revoked["code"], expired_code, "no-such-code"]):
        response = register(world, f"probe{index}@x.test", invitation_code=code)
        body = refused(response, 400)
        assert body["detail"]["errors"][0]["field"] == "invitation_code"
        answers.append(body)
        refused(login(world, f"probe{index}@x.test"), 401)
    assert all(answer == answers[0] for answer in answers), answers


def test_invitations_are_listed_and_revoked_within_their_tenant(world: World) -> None:
    acme, globex, c = world.acme, world.globex, world.client
    path = f"/api/enterprises/{acme.enterprise_id}/invitations"
    ops = invitation(world, acme.admin, acme.enterprise_id, role="employee", department_id=acme.department_id)
    sales = invitation(world, acme.admin, acme.enterprise_id, role="employee",
                       department_id=acme.other_department_id)
    theirs = invitation(world, globex.admin, globex.enterprise_id, role="employee")
    listed = ok(c.get(path + "?limit=1", headers=h(acme.admin)))
    assert [i["id"] for i in listed["invitations"]] == [ops["id"]]
    assert listed["pagination"]["total_items"] == 2
    assert [i["id"] for i in ok(c.get(path, headers=h(acme.manager)))["invitations"]] == [ops["id"]]
    refused(c.get(path, headers=h(acme.employee)), 403)
    refused(c.get(path, headers=h(globex.admin)), 404)
    refused(c.get("/api/enterprises/987654/invitations", headers=h(world.root)), 404)
    # Another tenant's invitation, through either enterprise's path, is not found.
    refused(c.delete(f"{path}/{theirs['id']}", headers=h(acme.admin)), 404)
    refused(c.delete(f"/api/enterprises/{globex.enterprise_id}/invitations/{ops['id']}",
                     headers=h(acme.admin)), 404)
    refused(c.delete(f"{path}/{ops['id']}", headers=h(globex.admin)), 404)
    refused(c.delete(f"{path}/{sales['id']}", headers=h(acme.manager)), 404)
    refused(c.delete(f"{path}/{ops['id']}", headers=h(acme.employee)), 403)
    ok(c.delete(f"{path}/{ops['id']}", headers=h(acme.manager)), 204)
    statuses = {i["id"]: i["status"] for i in ok(c.get(path, headers=h(acme.admin)))["invitations"]}
    assert statuses == {ops["id"]: "revoked", sales["id"]: "active"}
    refused(register(world, "late@x.test", invitation_code=ops["code"]), 400)
    ok(register(world, "sales@x.test", invitation_code=sales["code"]), 201)


@pytest.mark.parametrize("fields", [
    {"max_uses": 0}, {"max_uses": 1001},
    {"expires_at": (NOW - timedelta(minutes=1)).isoformat()},
    {"expires_at": (NOW + timedelta(days=91)).isoformat()},
    {"expires_at": "2030-01-01T00:00:00"},  # no time zone
    {"department_id": 2**63},
])
def test_an_invitation_outside_its_bounds_is_refused(world: World, fields: dict[str, Any]) -> None:
    refused(invite(world, world.acme.admin, world.acme.enterprise_id, role="employee", **fields), 400)


def test_an_invitation_expires_when_it_says(world: World) -> None:
    acme = world.acme
    made = invitation(world, acme.admin, acme.enterprise_id, role="employee",
                      expires_at=(NOW + timedelta(hours=1)).isoformat())
    assert datetime.fromisoformat(made["expires_at"]) - NOW < timedelta(hours=1, seconds=1)
    identity = container_of(world).identity
    new = NewUser(full_name="Late", email="late@x.test", password=PASSWORD)
    with pytest.raises(InvitationNotValid):
        identity.register_invited(new, made["code"], NOW + timedelta(hours=2))
    assert identity.register_invited(new, made["code"], NOW).enterprise_id == acme.enterprise_id


class LateReadModels:
    def wait_for(self, position: int) -> None:
        raise ReadModelsBehind(position, 5.0)


def test_a_new_invitation_answers_its_code_even_when_the_read_models_are_late(world: World) -> None:
    # The code is shown once and stored nowhere: a 202 without it would lose the invitation.
    container = container_of(world)
    service = InvitationService(container.events, container.store, LateReadModels(),
                                SqlDirectory(container.store), SqlInvitations(container.store))
    admin = container.identity.principal(world.acme.admin["id"])
    assert admin is not None
    issued = service.issue(admin, world.acme.enterprise_id, NewInvitation(role=Role.EMPLOYEE), NOW)
    assert (issued.status, issued.uses, issued.version) == ("active", 0, 1)
    user = ok(register(world, "late@x.test", invitation_code=issued.code), 201)["user"]
    assert user["enterprise_id"] == world.acme.enterprise_id


# -- max_uses under concurrent registrations (two API processes on PostgreSQL) ------------


@pytest.mark.postgres
def test_concurrent_registrations_never_use_an_invitation_more_often_than_it_allows(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_for("postgres", tmp_path, request)
    first, second = build_container(settings), build_container(settings)
    try:
        root = first.identity.create_system_admin("Root", "root@x.test", PASSWORD)
        admin = first.identity.principal(root.id)
        assert admin is not None
        enterprise = first.organisation.create_enterprise(admin, "Acme", None)
        for max_uses, racers in ((1, 2), (2, 5)):
            issued = first.invitations.issue(
                admin, enterprise.id, NewInvitation(role=Role.EMPLOYEE, max_uses=max_uses), NOW)
            calls = [
                lambda c=(first, second)[i % 2], i=i: c.identity.register_invited(
                    NewUser(full_name=f"Racer {i}", email=f"racer{max_uses}-{i}@x.test",
                            password=PASSWORD), issued.code, NOW)
                for i in range(racers)
            ]
            results = race(calls)
            winners = [r for r in results if not isinstance(r, Exception)]
            losers = [r for r in results if isinstance(r, Exception)]
            assert len(winners) == max_uses, results
            assert all(isinstance(r, InvitationNotValid) for r in losers), losers
            assert all(w.enterprise_id == enterprise.id for w in winners)
            listed = second.invitations.list_invitations(admin, enterprise.id, Page(size=100), NOW)
            row = next(i for i in listed.items if i.id == issued.id)
            assert (row.uses, row.status) == (max_uses, "used_up")
        # The same email racing through two invitations: one user, one EmailAlreadyRegistered.
        codes = [first.invitations.issue(admin, enterprise.id, NewInvitation(role=Role.EMPLOYEE), NOW).code
                 for _ in range(2)]
        results = race([
            lambda c=c, code=code: c.identity.register_invited(
                NewUser(full_name="Twin", email="twin@x.test", password=PASSWORD), code, NOW)
            for c, code in zip((first, second), codes)
        ])
        assert sorted(type(r).__name__ for r in results) == sorted(
            ["UserView", EmailAlreadyRegistered.__name__]), results
    finally:
        first.close()
        second.close()


# -- a deactivated account does not confirm its password (finding 7) ---------------------


def test_a_deactivated_account_gets_the_same_answer_whatever_the_password(world: World) -> None:
    acme, c = world.acme, world.client
    ok(c.put(f"/api/users/{acme.employee['id']}", json={"is_active": False}, headers=h(acme.admin)))
    right = login(world, "employee@acme.test")
    wrong = login(world, "employee@acme.test", "not-the-password")
    unknown = login(world, "nobody@acme.test")
    assert right.status_code == wrong.status_code == unknown.status_code == 401
    assert right.json() == wrong.json() == unknown.json()
    assert right.json()["message"] == "Invalid email or password"
