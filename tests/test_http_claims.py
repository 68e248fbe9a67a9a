"""Open shifts, claims and drops over HTTP: who sees and takes what, within every rule.

The rosters lie in January 2099 (2099-01-05 is a Monday), so that their shifts are still to
come: a shift that has started can no longer change hands.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from application.policy import READ_ONLY
from tests.support import World, create_user, ok, seed_world
from tests.test_http_rostering import assigned, fails, get_shift, h, roster, schedule, set_status, shift
from tests.test_realtime import _listener, served  # noqa: F401 - `served` is a fixture


def day(n: int) -> str:
    return f"2099-01-{n:02d}"


@pytest.fixture
def w(sqlite_client: TestClient) -> World:
    world = seed_world(sqlite_client)
    ok(sqlite_client.put(f"/api/departments/{world.acme.department_id}",
                         json={"manager_id": world.acme.manager["id"]}, headers=h(world.root)))
    return world


def staff(c: TestClient, w: World, name: str) -> dict[str, Any]:
    return create_user(c, w.acme.admin["token"], f"{name}@acme.test", "employee", w.acme.enterprise_id,
                       w.acme.department_id, full_name=name.title())


def week(c: TestClient, who: dict, department_id: int, *, approval: bool = True, claims: bool = True,
         publish: bool = True, start: str = day(5), end: str = day(11)) -> dict[str, Any]:
    r = roster(c, who, department_id, start, end,
               settings={"allow_shift_claims": claims, "require_claim_approval": approval})
    if publish:
        ok(set_status(c, who, r["id"], "published"))
    return r


def open_shifts(c: TestClient, who: dict, query: str = "") -> list[dict[str, Any]]:
    return ok(c.get(f"/api/employee/open-shifts{query}", headers=h(who)))["open_shifts"]


def claim(c: TestClient, who: dict, shift_id: int, **body: Any) -> Any:
    return c.post(f"/api/shifts/{shift_id}/claim", json=body or None, headers=h(who))


def claimed(c: TestClient, who: dict, shift_id: int, **body: Any) -> dict[str, Any]:
    return ok(claim(c, who, shift_id, **body), 201)["claim"]


def decide(c: TestClient, who: dict, claim_id: int, action: str, note: str | None = None) -> Any:
    return c.post(f"/api/shift-claims/{claim_id}/{action}", json={"note": note} if note else None, headers=h(who))


def drop(c: TestClient, who: dict, assignment_id: int) -> Any:
    return c.post(f"/api/employee/assignments/{assignment_id}/drop", headers=h(who))


def withdraw(c: TestClient, who: dict, assignment_id: int) -> Any:
    return c.delete(f"/api/employee/assignments/{assignment_id}/drop", headers=h(who))


def holders(c: TestClient, who: dict, shift_id: int) -> list[tuple[int, str]]:
    return [(a["employee_id"], a["status"]) for a in get_shift(c, who, shift_id)["assignments"]]


def notes(c: TestClient, who: dict) -> list[dict[str, Any]]:
    return ok(c.get("/api/notifications", headers=h(who)))["notifications"]


def of_type(c: TestClient, who: dict, kind: str) -> list[dict[str, Any]]:
    return [n for n in notes(c, who) if n["type"] == kind]


# -- settings and what is open ------------------------------------------------------------


def test_claims_are_off_until_a_manager_allows_them_and_then_need_approval_by_default(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, day(5), day(11))
    assert (r["settings"]["allow_shift_claims"], r["settings"]["require_claim_approval"]) == (False, True)
    s = shift(c, a.manager, r["id"], day(6))
    ok(set_status(c, a.manager, r["id"], "published"))
    assert open_shifts(c, a.employee) == []
    body = fails(claim(c, a.employee, s["id"]), 409)
    assert body["details"]["setting"] == "allow_shift_claims"
    fails(c.put(f"/api/rosters/{r['id']}", json={"settings": {"allow_shift_claims": "yes"}}, headers=h(a.manager)),
          400)
    ok(c.put(f"/api/rosters/{r['id']}", json={"settings": {"allow_shift_claims": True}}, headers=h(a.manager)))
    [listed] = open_shifts(c, a.employee)
    assert (listed["id"], listed["open_places"], listed["needs_approval"], listed["can_claim"]) == (
        s["id"], 1, True, True)
    assert claimed(c, a.employee, s["id"])["status"] == "pending"


def test_an_employee_sees_upcoming_open_places_of_their_departments_published_claimable_rosters(w: World) -> None:
    c, a = w.client, w.acme
    january = week(c, a.manager, a.department_id)
    february = week(c, a.manager, a.department_id, start="2099-02-02", end="2099-02-08")
    draft = week(c, a.manager, a.department_id, publish=False, start="2099-03-02", end="2099-03-08")
    closed = week(c, a.manager, a.department_id, claims=False, start="2099-04-06", end="2099-04-12")
    past = week(c, a.manager, a.department_id, start="2026-01-05", end="2026-01-11")
    sales = week(c, a.admin, a.other_department_id)
    early = shift(c, a.manager, january["id"], day(6), staff=2)
    late = shift(c, a.manager, january["id"], day(8))
    full = shift(c, a.manager, january["id"], day(9))
    assigned(c, a.manager, full["id"], a.manager)
    later = shift(c, a.manager, february["id"], "2099-02-03")
    for r, date in ((draft, "2099-03-03"), (closed, "2099-04-07"), (past, "2026-01-06"), (sales, day(7))):
        shift(c, a.admin, r["id"], date)
    assert [s["id"] for s in open_shifts(c, a.employee)] == [early["id"], late["id"], later["id"]]
    assert [s["id"] for s in open_shifts(c, a.colleague)] == [open_shifts(c, a.colleague)[0]["id"]]
    assert open_shifts(c, w.globex.employee) == []
    first = open_shifts(c, a.employee)[0]
    assert first["roster"] == {"id": january["id"], "name": january["name"]}
    assert (first["required_staff"], first["assigned_staff"], first["open_places"], first["offered"]) == (2, 0, 2, [])
    assert [s["id"] for s in open_shifts(c, a.employee, f"?roster_id={february['id']}")] == [later["id"]]
    assert [s["id"] for s in open_shifts(c, a.employee, f"?start_date={day(7)}&end_date={day(31)}")] == [late["id"]]
    page = ok(c.get("/api/employee/open-shifts?limit=2&page=2", headers=h(a.employee)))
    assert [s["id"] for s in page["open_shifts"]] == [later["id"]]
    assert page["pagination"] == {"current_page": 2, "total_pages": 2, "total_items": 3, "items_per_page": 2}
    # Admins and auditors work no shifts: nothing is open to them.
    assert open_shifts(c, a.admin) == []


def test_each_open_place_says_whether_the_caller_may_claim_it_and_which_rule_refuses_it(w: World) -> None:
    c, a = w.client, w.acme
    r = week(c, a.manager, a.department_id, approval=False)
    mine = shift(c, a.manager, r["id"], day(6), "08:00", "16:00", staff=2)
    overlapping = shift(c, a.manager, r["id"], day(6), "12:00", "20:00")
    too_soon = shift(c, a.manager, r["id"], day(6), "22:00", "06:00")
    on_leave = shift(c, a.manager, r["id"], day(9))
    free = shift(c, a.manager, r["id"], day(10), "08:00", "16:00")
    assigned(c, a.manager, mine["id"], a.employee)
    off = ok(c.post("/api/employee/time-off", json={"start_date": day(9)}, headers=h(a.employee)), 201)["entry"]
    ok(c.patch(f"/api/time-off/{off['id']}/decision", json={"action": "approve"}, headers=h(a.manager)))
    listed = {s["id"]: s for s in open_shifts(c, a.employee)}
    reasons = {sid: (s["can_claim"], s["reason"]["code"] if s["reason"] else None) for sid, s in listed.items()}
    assert reasons == {
        mine["id"]: (False, "already_on_shift"), overlapping["id"]: (False, "double_booked"),
        too_soon["id"]: (False, "not_enough_rest"), on_leave["id"]: (False, "on_time_off"),
        free["id"]: (True, None),
    }
    assert "overlapping" in listed[overlapping["id"]]["reason"]["message"]
    # The same rules refuse the claims themselves, and nothing is written.
    for shift_id, words in ((overlapping["id"], "overlapping"), (too_soon["id"], "rest"),
                            (on_leave["id"], "time off"), (mine["id"], "already assigned")):
        assert words in fails(claim(c, a.employee, shift_id), 409)["message"]
    assert schedule(c, a.employee)["summary"]["total_assignments"] == 1
    assert get_shift(c, a.manager, overlapping["id"])["assigned_staff"] == 0


def test_max_shifts_per_person_counts_claims_too(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, day(5), day(11), settings={
        "allow_shift_claims": True, "require_claim_approval": False, "max_shifts_per_person": 1})
    ok(set_status(c, a.manager, r["id"], "published"))
    first, second = shift(c, a.manager, r["id"], day(6)), shift(c, a.manager, r["id"], day(8))
    claimed(c, a.employee, first["id"])
    assert "max_shifts_per_person" in fails(claim(c, a.employee, second["id"]), 409)["message"]
    [still] = open_shifts(c, a.employee)
    assert (still["id"], still["reason"]["code"]) == (second["id"], "too_many_shifts")


# -- claims ------------------------------------------------------------------------------------


def test_a_claim_waits_for_the_manager_who_approves_it_and_the_claimant_holds_the_place_confirmed(w: World) -> None:
    c, a = w.client, w.acme
    r = week(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6))
    response = claim(c, a.employee, s["id"], note="I can do it")
    body = ok(response, 201)
    pending = body["claim"]
    assert body["message"] == "Claim submitted for approval" and response.headers["ETag"] == f'"{pending["version"]}"'
    assert (pending["status"], pending["kind"], pending["employee_id"], pending["shift_id"]) == (
        "pending", "open_place", a.employee["id"], s["id"])
    assert (pending["assignment_id"], pending["note"], pending["needs_approval"]) == (None, "I can do it", True)
    assert pending["shift"]["date"] == day(6) and pending["employee"]["full_name"]
    assert holders(c, a.manager, s["id"]) == []
    [listed] = open_shifts(c, a.employee)
    assert listed["my_claim"] == {"id": pending["id"], "status": "pending"} and listed["pending_claims"] == 1
    assert (listed["can_claim"], listed["reason"]["code"]) == (False, "already_claimed")
    assert fails(claim(c, a.employee, s["id"]), 409)["details"]["claim_id"] == pending["id"]
    waiting = ok(c.get(f"/api/departments/{a.department_id}/shift-claims?status=pending", headers=h(a.manager)))
    assert [x["id"] for x in waiting["claims"]] == [pending["id"]]
    approved = ok(decide(c, a.manager, pending["id"], "approve"))
    assert approved["message"] == "Shift claim approved"
    done = approved["claim"]
    assert (done["status"], done["decided_by"]) == ("approved", a.manager["id"]) and done["assignment_id"]
    assert holders(c, a.manager, s["id"]) == [(a.employee["id"], "confirmed")]
    [entry] = schedule(c, a.employee)["assignments"]
    assert (entry["id"], entry["status"], entry["offered"]) == (done["assignment_id"], "confirmed", False)
    assert open_shifts(c, a.employee) == []
    assert [x["status"] for x in ok(c.get("/api/employee/shift-claims", headers=h(a.employee)))["claims"]] == [
        "approved"]
    fails(decide(c, a.manager, pending["id"], "reject"), 409)


def test_a_manager_rejects_a_claim_and_a_claimant_withdraws_theirs(w: World) -> None:
    c, a = w.client, w.acme
    r = week(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6))
    peer = staff(c, w, "peer")
    first, second = claimed(c, a.employee, s["id"]), claimed(c, peer, s["id"])
    rejected = ok(decide(c, a.manager, first["id"], "reject", "We need a senior"))["claim"]
    assert (rejected["status"], rejected["decision_note"]) == ("rejected", "We need a senior")
    fails(c.post(f"/api/shift-claims/{second['id']}/cancel", headers=h(a.manager)), 403)  # they reject
    for other in (a.employee, a.colleague):  # a colleague's claim is theirs alone
        fails(c.post(f"/api/shift-claims/{second['id']}/cancel", headers=h(other)), 404)
    assert ok(c.post(f"/api/shift-claims/{second['id']}/cancel", headers=h(peer)))["claim"]["status"] == "cancelled"
    fails(decide(c, a.manager, second["id"], "approve"), 409)
    assert holders(c, a.manager, s["id"]) == []
    mine = ok(c.get("/api/employee/shift-claims?status=rejected", headers=h(a.employee)))["claims"]
    assert [x["id"] for x in mine] == [first["id"]]
    # The claimant may claim it again once their claim is closed.
    assert claimed(c, a.employee, s["id"])["status"] == "pending"


def test_every_rule_is_checked_again_when_a_manager_approves(w: World) -> None:
    c, a = w.client, w.acme
    r = week(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6), "08:00", "16:00")
    pending = claimed(c, a.employee, s["id"])
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(6), "10:00", "18:00")["id"], a.employee)
    assert "overlapping" in fails(decide(c, a.manager, pending["id"], "approve"), 409)["message"]
    assert ok(c.get(f"/api/shift-claims/{pending['id']}", headers=h(a.manager)))["claim"]["status"] == "pending"
    assert holders(c, a.manager, s["id"]) == []
    # A claimant who left the department is no longer eligible either.
    other = claimed(c, staff(c, w, "mover"), s["id"])
    mover = other["employee_id"]
    ok(c.put(f"/api/users/{mover}", json={"department_id": a.other_department_id}, headers=h(a.admin)))
    assert "no longer" in fails(decide(c, a.manager, other["id"], "approve"), 409)["message"]


def test_without_approval_a_claim_takes_the_place_at_once_and_the_last_place_goes_once(w: World) -> None:
    c, a = w.client, w.acme
    r = week(c, a.manager, a.department_id, approval=False)
    s = shift(c, a.manager, r["id"], day(6))
    body = ok(claim(c, a.employee, s["id"]), 201)
    assert body["message"] == "Shift claimed"
    done = body["claim"]
    assert (done["status"], done["needs_approval"], done["decided_by"]) == ("approved", False, a.employee["id"])
    assert holders(c, a.manager, s["id"]) == [(a.employee["id"], "confirmed")]
    assert get_shift(c, a.manager, s["id"])["assignments"][0]["id"] == done["assignment_id"]
    assert "no open place" in fails(claim(c, staff(c, w, "late"), s["id"]), 409)["message"]
    assert ok(c.get(f"/api/rosters/{r['id']}", headers=h(a.manager)))["roster"]["metadata"]["assigned_shifts"] == 1


def test_approving_the_last_place_closes_the_other_claims_of_it(w: World) -> None:
    c, a = w.client, w.acme
    r = week(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6), staff=2)
    peers = [staff(c, w, n) for n in ("ann", "bob", "cat")]
    claims = [claimed(c, p, s["id"]) for p in peers]
    ok(decide(c, a.manager, claims[0]["id"], "approve"))
    assert ok(c.get(f"/api/shift-claims/{claims[1]['id']}", headers=h(a.manager)))["claim"]["status"] == "pending"
    ok(decide(c, a.manager, claims[1]["id"], "approve"))
    moot = ok(c.get(f"/api/shift-claims/{claims[2]['id']}", headers=h(peers[2])))["claim"]
    assert (moot["status"], moot["decision_note"]) == ("rejected", "The place went to another claim")
    assert sorted(e for e, _ in holders(c, a.manager, s["id"])) == sorted(p["id"] for p in peers[:2])
    [told] = of_type(c, peers[2], "shift_claim_decided")
    assert told["data"]["status"] == "rejected" and "another claim" in told["message"]


# -- drops ----------------------------------------------------------------------------------------


def dropped(c: TestClient, w: World, approval: bool) -> tuple[dict, dict, dict, dict]:
    """The employee holds Tuesday's shift and offers it up; a peer may take it."""
    a = w.acme
    r = week(c, a.manager, a.department_id, approval=approval)
    s = shift(c, a.manager, r["id"], day(6))
    made = assigned(c, a.manager, s["id"], a.employee)
    offered = ok(drop(c, a.employee, made["id"]))
    assert offered["message"] == "Assignment offered up" and offered["assignment"]["offered"] is True
    return r, s, made, staff(c, w, "peer")


def test_a_dropped_assignment_stays_its_holders_until_a_colleague_claims_it(w: World) -> None:
    c, a = w.client, w.acme
    _, s, made, peer = dropped(c, w, approval=False)
    assert get_shift(c, a.manager, s["id"])["assigned_staff"] == 1
    assert [(x["employee_id"], x["offered"]) for x in get_shift(c, a.manager, s["id"])["assignments"]] == [
        (a.employee["id"], True)]
    [entry] = schedule(c, a.employee)["assignments"]
    assert entry["offered"] is True and schedule(c, a.employee)["summary"]["total_hours"] == 8
    fails(drop(c, a.employee, made["id"]), 409)  # offered already
    [own] = open_shifts(c, a.employee)
    assert (own["open_places"], own["reason"]["code"]) == (0, "own_offer")
    [theirs] = open_shifts(c, peer)
    assert theirs["offered"][0]["assignment_id"] == made["id"] and theirs["can_claim"] is True
    assert theirs["offered"][0]["employee"] == {"id": a.employee["id"], "full_name": a.employee["full_name"]}
    fails(claim(c, a.employee, s["id"]), 409)
    taken = claimed(c, peer, s["id"])
    assert (taken["status"], taken["kind"], taken["assignment_id"], taken["dropper_id"]) == (
        "approved", "drop", made["id"], a.employee["id"])
    assert holders(c, a.manager, s["id"]) == [(peer["id"], "confirmed")]
    assert get_shift(c, a.manager, s["id"])["assignments"][0]["id"] == made["id"]
    assert schedule(c, a.employee)["assignments"] == [] and len(schedule(c, peer)["assignments"]) == 1
    fails(withdraw(c, a.employee, made["id"]), 403)  # no longer theirs
    [told] = of_type(c, a.employee, "shift_taken_over")
    assert told["data"]["assignment_id"] == made["id"]
    assert [n["priority"] for n in of_type(c, a.manager, "shift_claim")] == ["normal"]
    assert of_type(c, peer, "shift_assigned") == []  # they took it themselves


def test_a_dropped_assignment_claimed_with_approval_passes_when_the_manager_approves(w: World) -> None:
    c, a = w.client, w.acme
    _, s, made, peer = dropped(c, w, approval=True)
    pending = claimed(c, peer, s["id"], assignment_id=made["id"])
    assert (pending["status"], pending["assignment_id"]) == ("pending", made["id"])
    assert holders(c, a.manager, s["id"]) == [(a.employee["id"], "pending")]
    [waiting] = of_type(c, a.manager, "shift_claim")
    assert (waiting["priority"], waiting["data"]["claim_id"]) == ("high", pending["id"])
    # The holder sees the claim on their offer, and who made it.
    assert ok(c.get(f"/api/shift-claims/{pending['id']}", headers=h(a.employee)))["claim"]["employee_id"] == peer["id"]
    ok(decide(c, a.manager, pending["id"], "approve"))
    assert holders(c, a.manager, s["id"]) == [(peer["id"], "confirmed")]
    assert [n["data"]["status"] for n in of_type(c, peer, "shift_claim_decided")] == ["approved"]
    assert len(of_type(c, a.employee, "shift_taken_over")) == 1
    assert of_type(c, peer, "shift_assigned") == []  # the approval told them already


def test_the_holder_withdraws_an_offer_and_the_claims_waiting_for_it_close(w: World) -> None:
    c, a = w.client, w.acme
    _, s, made, peer = dropped(c, w, approval=True)
    pending = claimed(c, peer, s["id"])
    back = ok(withdraw(c, a.employee, made["id"]))
    assert back["message"] == "Offer withdrawn" and back["assignment"]["offered"] is False
    closed = ok(c.get(f"/api/shift-claims/{pending['id']}", headers=h(peer)))["claim"]
    assert (closed["status"], closed["decision_note"]) == ("rejected", "The offer was withdrawn")
    fails(withdraw(c, a.employee, made["id"]), 409)
    assert open_shifts(c, peer) == []
    assert "no open place" in fails(claim(c, peer, s["id"]), 409)["message"]
    assert holders(c, a.manager, s["id"]) == [(a.employee["id"], "pending")]


def test_a_place_offered_up_is_claimed_by_its_assignment_and_others_answer_404_or_409(w: World) -> None:
    c, a = w.client, w.acme
    r, s, made, peer = dropped(c, w, approval=True)
    other = shift(c, a.manager, r["id"], day(8))
    elsewhere = assigned(c, a.manager, other["id"], a.manager)
    fails(claim(c, peer, s["id"], assignment_id=elsewhere["id"]), 404)  # not on this shift
    fails(claim(c, peer, other["id"], assignment_id=elsewhere["id"]), 409)  # not offered up
    fails(claim(c, peer, s["id"], assignment_id=10**9), 404)


def test_open_shifts_a_drop_and_an_approved_claim_on_every_store(client: TestClient) -> None:
    w = seed_world(client)
    c, a = client, w.acme
    r = week(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6), staff=2)
    made = assigned(c, a.manager, s["id"], a.employee)
    ok(drop(c, a.employee, made["id"]))
    peer = staff(c, w, "peer")
    [listed] = open_shifts(c, peer, f"?roster_id={r['id']}&start_date={day(5)}")
    assert (listed["open_places"], [o["assignment_id"] for o in listed["offered"]], listed["can_claim"]) == (
        1, [made["id"]], True)
    pending = claimed(c, peer, s["id"], assignment_id=made["id"])
    assert open_shifts(c, peer)[0]["my_claim"] == {"id": pending["id"], "status": "pending"}
    ok(decide(c, a.manager, pending["id"], "approve"))
    assert holders(c, a.manager, s["id"]) == [(peer["id"], "confirmed")]
    [left] = open_shifts(c, a.employee)
    assert (left["open_places"], left["offered"], left["can_claim"]) == (1, [], True)
    assert [x["status"] for x in ok(c.get(f"/api/departments/{a.department_id}/shift-claims",
                                          headers=h(a.manager)))["claims"]] == ["approved"]


# -- who may do what ------------------------------------------------------------------------


def test_who_may_claim_decide_and_drop(w: World) -> None:
    c, a, g = w.client, w.acme, w.globex
    r = week(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6))
    made = assigned(c, a.manager, shift(c, a.manager, r["id"], day(8))["id"], a.employee)
    for outsider in (a.colleague, g.employee, g.manager):
        fails(claim(c, outsider, s["id"]), 404)
    fails(claim(c, a.admin, s["id"]), 403)  # sees the roster, works no shifts
    pending = claimed(c, a.employee, s["id"])
    fails(decide(c, a.employee, pending["id"], "approve"), 403)
    sales_manager = create_user(c, a.admin["token"], "sales.manager@acme.test", "manager", a.enterprise_id,
                                a.other_department_id)
    for outsider in (sales_manager, g.manager, g.admin):
        fails(decide(c, outsider, pending["id"], "approve"), 404)
        fails(c.get(f"/api/shift-claims/{pending['id']}", headers=h(outsider)), 404)
    fails(c.get(f"/api/shift-claims/{pending['id']}", headers=h(staff(c, w, "nosy"))), 404)
    fails(c.get(f"/api/departments/{a.department_id}/shift-claims", headers=h(a.employee)), 403)
    fails(c.get(f"/api/departments/{a.department_id}/shift-claims", headers=h(g.manager)), 404)
    assert ok(decide(c, a.admin, pending["id"], "approve"))["claim"]["status"] == "approved"
    fails(drop(c, a.manager, made["id"]), 403)  # someone else's
    fails(drop(c, a.colleague, made["id"]), 404)
    fails(drop(c, g.employee, made["id"]), 404)
    # A draft roster's shifts are the planners': a manager cannot claim them.
    draft = week(c, a.manager, a.department_id, publish=False, start="2099-02-02", end="2099-02-08")
    planned = shift(c, a.manager, draft["id"], "2099-02-03")
    assert "published" in fails(claim(c, a.manager, planned["id"]), 409)["message"]
    fails(claim(c, a.employee, planned["id"]), 404)


def test_a_shift_that_has_started_can_no_longer_change_hands(w: World) -> None:
    c, a = w.client, w.acme
    r = week(c, a.manager, a.department_id, start="2026-01-05", end="2026-01-11")
    s = shift(c, a.manager, r["id"], "2026-01-06")
    made = assigned(c, a.manager, shift(c, a.manager, r["id"], "2026-01-07")["id"], a.employee)
    assert "already started" in fails(claim(c, a.employee, s["id"]), 409)["message"]
    assert "already started" in fails(drop(c, a.employee, made["id"]), 409)["message"]


def test_an_auditor_reads_claims_and_may_neither_claim_decide_nor_drop(w: World) -> None:
    c, a = w.client, w.acme
    auditor = create_user(c, a.admin["token"], "auditor@acme.test", "auditor", a.enterprise_id, None)
    r = week(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6))
    made = assigned(c, a.manager, shift(c, a.manager, r["id"], day(8))["id"], a.employee)
    pending = claimed(c, a.employee, s["id"])
    for response in (claim(c, auditor, s["id"]), decide(c, auditor, pending["id"], "approve"),
                     decide(c, auditor, pending["id"], "reject"), drop(c, auditor, made["id"]),
                     withdraw(c, auditor, made["id"]),
                     c.post(f"/api/shift-claims/{pending['id']}/cancel", headers=h(auditor))):
        assert fails(response, 403)["message"] == READ_ONLY
    listed = ok(c.get(f"/api/departments/{a.department_id}/shift-claims", headers=h(auditor)))["claims"]
    assert [x["id"] for x in listed] == [pending["id"]]
    assert ok(c.get(f"/api/shift-claims/{pending['id']}", headers=h(auditor)))["claim"]["status"] == "pending"


# -- the story they leave -------------------------------------------------------------------


def test_claims_and_drops_are_told_in_the_rosters_history(w: World) -> None:
    c, a = w.client, w.acme
    _, s, made, peer = dropped(c, w, approval=True)
    pending = claimed(c, peer, s["id"])
    ok(withdraw(c, a.employee, made["id"]))
    ok(drop(c, a.employee, made["id"]))
    again = claimed(c, peer, s["id"])
    ok(decide(c, a.manager, again["id"], "approve"))
    r = get_shift(c, a.manager, s["id"])["roster_id"]
    entries = ok(c.get(f"/api/rosters/{r}/history?limit=100", headers=h(a.manager)))["entries"]
    told = [(e["type"], e["summary"]) for e in entries
            if e["type"] in ("assignment_dropped", "drop_withdrawn", "shift_claimed", "claim_approved",
                             "claim_rejected", "assignment_taken_over")]
    assert [t for t, _ in told] == ["assignment_dropped", "shift_claimed", "drop_withdrawn", "claim_rejected",
                                    "assignment_dropped", "shift_claimed", "claim_approved",
                                    "assignment_taken_over"]
    summaries = dict(told)
    assert summaries["assignment_dropped"] == f"Employee offered up their place on Shift on {day(6)}"
    assert summaries["claim_approved"] == f"Manager approved Peer's claim of Shift on {day(6)}"
    assert summaries["assignment_taken_over"] == (
        f"Employee's place on Shift on {day(6)} passed to Peer (claim #{again['id']})")
    assert pending["id"] != again["id"]


# -- realtime ----------------------------------------------------------------------------------


def test_claims_and_drops_reach_the_right_people_over_socketio(served: str) -> None:
    with httpx.Client(base_url=served) as c:
        world = seed_world(c)  # type: ignore[arg-type]
        a = world.acme
        ok(c.put(f"/api/departments/{a.department_id}", json={"manager_id": a.manager["id"]}, headers=h(world.root)))
        asyncio.run(_socketio_claims(c, world))  # type: ignore[arg-type]


async def _socketio_claims(c: Any, world: World) -> None:
    a = world.acme
    url = str(c.base_url).rstrip("/")
    peer = await asyncio.to_thread(staff, c, world, "peer")
    listeners = {name: await _listener(url, who) for name, who in (
        ("holder", a.employee), ("peer", peer), ("manager", a.manager), ("outsider", a.colleague))}
    r = await asyncio.to_thread(week, c, a.manager, a.department_id)
    s = await asyncio.to_thread(shift, c, a.manager, r["id"], day(6))
    made = await asyncio.to_thread(assigned, c, a.manager, s["id"], a.employee)
    await asyncio.to_thread(lambda: ok(drop(c, a.employee, made["id"])))
    pending = await asyncio.to_thread(claimed, c, peer, s["id"])
    waiting = await listeners["manager"].wait_for("new_notification", lambda d: d["type"] == "shift_claim")
    assert (waiting["priority"], waiting["data"]["claim_id"]) == ("high", pending["id"])
    await asyncio.to_thread(lambda: ok(decide(c, a.manager, pending["id"], "approve")))
    taken = await listeners["peer"].wait_for("shift_assigned", lambda d: d["id"] == made["id"])
    assert (taken["employee_id"], taken["status"], taken["shift"]["id"]) == (peer["id"], "confirmed", s["id"])
    approved = await listeners["peer"].wait_for("new_notification", lambda d: d["type"] == "shift_claim_decided")
    assert approved["data"]["status"] == "approved"
    gone = await listeners["holder"].wait_for("new_notification", lambda d: d["type"] == "shift_taken_over")
    assert gone["data"]["assignment_id"] == made["id"]
    await listeners["manager"].wait_for("shift_assigned", lambda d: d["id"] == made["id"] and
                                        d["employee_id"] == peer["id"])
    outsider = listeners["outsider"].events
    assert not outsider.get("shift_assigned") and not outsider.get("new_notification")
    for listener in listeners.values():
        await listener.client.disconnect()
