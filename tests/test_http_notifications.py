"""The notification inbox over HTTP: who is told of what, reading, dismissing, muting."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import World, ok, seed_world
from tests.test_http_rostering import assigned, day, fails, h, roster, set_status, shift


@pytest.fixture
def w(sqlite_client: TestClient) -> World:
    world = seed_world(sqlite_client)
    ok(sqlite_client.put(f"/api/departments/{world.acme.department_id}",
                         json={"manager_id": world.acme.manager["id"]}, headers=h(world.root)))
    return world


def inbox(c: TestClient, who: dict[str, Any], query: str = "") -> dict[str, Any]:
    return ok(c.get(f"/api/notifications{query}", headers=h(who)))


def types(c: TestClient, who: dict[str, Any]) -> list[str]:
    return [n["type"] for n in inbox(c, who)["notifications"]]


def test_publishing_a_roster_tells_every_active_member_of_its_department_and_nobody_else(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id, name="January Ops")
    ok(set_status(c, a.manager, r["id"], "published"))
    body = inbox(c, a.employee)
    assert body["message"] == "Notifications retrieved successfully"
    [note] = body["notifications"]
    assert note["type"] == "roster_published"
    assert note["message"] == "January Ops has been published"
    assert note["data"] == {"roster_id": r["id"], "roster_name": "January Ops"}
    assert note["action_url"] == f"/rosters/{r['id']}"
    assert note["read_at"] is None and note["priority"] == "normal"
    assert note["expires_at"] > note["created_at"]
    assert body["unread_count"] == 1
    assert body["pagination"] == {"current_page": 1, "total_pages": 1, "total_items": 1, "items_per_page": 20}
    assert types(c, a.manager) == []  # the actor is not told of their own action
    assert types(c, a.colleague) == []  # another department
    assert types(c, w.globex.employee) == []  # another tenant


def test_an_assignment_tells_the_employee_and_a_decline_tells_the_manager(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(6), "22:00", "06:00")
    made = assigned(c, a.manager, s["id"], a.employee)
    [note] = inbox(c, a.employee, "?type=shift_assigned")["notifications"]
    assert note["data"]["assignment_id"] == made["id"]
    assert note["data"]["shift_id"] == s["id"]
    assert "22:00-06:00" in note["message"]
    ok(c.patch(f"/api/employee/assignments/{made['id']}/status", json={"status": "declined", "notes": "ill"},
               headers=h(a.employee)))
    [declined] = inbox(c, a.manager, "?type=assignment_declined")["notifications"]
    assert declined["priority"] == "high"
    assert declined["data"]["notes"] == "ill"
    assert inbox(c, a.manager, "?priority=low")["notifications"] == []


def test_marking_read_one_then_all_counts_what_was_unread(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    ids = [assigned(c, a.manager, shift(c, a.manager, r["id"], day(n))["id"], a.employee)["id"] for n in (5, 7, 9)]
    assert len(ids) == 3
    notes = inbox(c, a.employee)["notifications"]
    assert [n["id"] for n in notes] == sorted((n["id"] for n in notes), reverse=True)
    first = notes[-1]["id"]
    read = ok(c.patch(f"/api/notifications/{first}/read", headers=h(a.employee)))
    assert read["message"] == "Notification marked as read"
    assert read["notification"]["id"] == first and read["notification"]["read_at"]
    assert ok(c.get("/api/notifications/count", headers=h(a.employee)))["unread_count"] == 2
    assert [n["id"] for n in inbox(c, a.employee, "?read=true")["notifications"]] == [first]
    marked = ok(c.post("/api/notifications/mark-all-read", headers=h(a.employee)))
    assert marked == {"message": "All notifications marked as read", "marked_count": 2}
    assert inbox(c, a.employee)["unread_count"] == 0
    assert ok(c.post("/api/notifications/mark-all-read", headers=h(a.employee)))["marked_count"] == 0


def test_someone_elses_notification_is_not_found_for_reading_or_deleting(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(5))["id"], a.employee)
    [note] = inbox(c, a.employee)["notifications"]
    for who in (a.manager, w.globex.employee, w.root):
        fails(c.patch(f"/api/notifications/{note['id']}/read", headers=h(who)), 404)
        fails(c.delete(f"/api/notifications/{note['id']}", headers=h(who)), 404)
    assert inbox(c, a.employee)["unread_count"] == 1
    fails(c.patch("/api/notifications/999999/read", headers=h(a.employee)), 404)
    assert c.get("/api/notifications").status_code == 401


def test_a_dismissed_notification_leaves_the_inbox(w: World) -> None:
    c, a = w.client, w.acme
    r = roster(c, a.manager, a.department_id)
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(5))["id"], a.employee)
    [note] = inbox(c, a.employee)["notifications"]
    ok(c.delete(f"/api/notifications/{note['id']}", headers=h(a.employee)))
    assert inbox(c, a.employee)["notifications"] == []
    fails(c.delete(f"/api/notifications/{note['id']}", headers=h(a.employee)), 404)


def test_a_muted_type_is_no_longer_delivered_but_others_are(w: World) -> None:
    c, a = w.client, w.acme
    prefs = ok(c.put("/api/notifications/preferences", json={"muted_types": ["shift_assigned"]},
                     headers=h(a.employee)))["preferences"]
    assert prefs["muted_types"] == ["shift_assigned"]
    assert "roster_published" in prefs["available_types"]
    r = roster(c, a.manager, a.department_id)
    assigned(c, a.manager, shift(c, a.manager, r["id"], day(5))["id"], a.employee)
    ok(set_status(c, a.manager, r["id"], "published"))
    assert types(c, a.employee) == ["roster_published"]
    got = ok(c.get("/api/notifications/preferences", headers=h(a.employee)))["preferences"]
    assert got["muted_types"] == ["shift_assigned"]
    body = fails(c.put("/api/notifications/preferences", json={"muted_types": ["nonsense"]},
                       headers=h(a.employee)), 400)
    assert "nonsense" in body["message"]


def test_bad_filters_are_refused_with_the_field_named(w: World) -> None:
    c, a = w.client, w.acme
    assert "type" in fails(c.get("/api/notifications?type=bogus", headers=h(a.employee)), 400)["message"]
    fails(c.get("/api/notifications?priority=bogus", headers=h(a.employee)), 400)
    fails(c.get("/api/notifications?limit=0", headers=h(a.employee)), 400)
    fails(c.get("/api/notifications?read=maybe", headers=h(a.employee)), 400)


def test_swap_requests_tell_the_target_and_manager_and_decisions_tell_both_employees(w: World) -> None:
    c, a = w.client, w.acme
    mate = ok(c.post("/api/users", json={"full_name": "Mate", "email": "mate@acme.test", "password": "correct-horse-9",
                                        "role": "employee", "enterprise_id": a.enterprise_id,
                                        "department_id": a.department_id}, headers=h(a.admin)), 201)["user"]
    mate["token"] = ok(c.post("/api/auth/login", json={"email": "mate@acme.test",
                                                        "password": "correct-horse-9"}))["token"]
    r = roster(c, a.manager, a.department_id)
    s = shift(c, a.manager, r["id"], day(5))
    assigned(c, a.manager, s["id"], a.employee)
    swap = ok(c.post("/api/employee/swap-requests", json={"shift_id": s["id"], "target_employee_id": mate["id"]},
                     headers=h(a.employee)), 201)["swap_request"]
    assert "swap_request" in types(c, mate)
    assert "swap_request" in types(c, a.manager)
    ok(c.patch(f"/api/employee/swap-requests/{swap['id']}/respond", json={"action": "accept"}, headers=h(mate)))
    ok(c.patch(f"/api/employee/swap-requests/{swap['id']}/manager-action", json={"action": "approve"},
              headers=h(a.manager)))
    for who in (a.employee, mate):
        decided = inbox(c, who, "?type=swap_decided")["notifications"]
        assert any(n["data"]["status"] == "approved" for n in decided), decided
