"""Calendar notices in 001's shape: in the inbox (`items` beside `notifications`) and on the
notification websocket (`{"type": "notification", "data": {type, event_id, message, timestamp}}`)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.support import bearer, ok, seed_world

MEETING = {"title": "Team Meeting", "start_time": "2024-03-20T10:00:00Z", "end_time": "2024-03-20T11:00:00Z"}


def inbox(c: TestClient, who: dict[str, Any]) -> dict[str, Any]:
    return ok(c.get("/api/notifications", headers=bearer(who["token"])))


def calendar_notices(c: TestClient, who: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in inbox(c, who)["items"] if n["type"] == "event.update"]


def test_a_share_and_a_change_tell_the_people_concerned_in_001s_shape(sqlite_client: TestClient) -> None:
    c = sqlite_client
    acme = seed_world(c).acme
    owner, editor, viewer = acme.employee, acme.manager, acme.colleague
    event = ok(c.post("/api/events", json=MEETING, headers=bearer(owner["token"])), 201)
    for who, role in ((editor, "EDITOR"), (viewer, "VIEWER")):
        ok(c.post(f"/api/events/{event['id']}/share", json={"user_id": who["id"], "role": role},
                  headers=bearer(owner["token"])))
    [shared] = calendar_notices(c, viewer)
    assert shared["event_id"] == event["id"] and shared["is_read"] is False
    assert shared["message"] == "Event 'Team Meeting' was shared with you as VIEWER"
    assert {"id", "type", "event_id", "message", "is_read", "created_at"} <= set(shared)
    ok(c.put(f"/api/events/{event['id']}", json={"title": "Renamed"}, headers=bearer(editor["token"])))
    # The editor changed it: the owner and the viewer hear of it, the editor does not.
    for who in (owner, viewer):
        assert calendar_notices(c, who)[0]["message"] == "Event 'Renamed' was updated"
    assert [n["message"] for n in calendar_notices(c, editor)] == [
        "Event 'Team Meeting' was shared with you as EDITOR"]
    listed = inbox(c, viewer)
    assert listed["items"] == listed["notifications"] and listed["total"] == 2
    # 001's mark-as-read answers the notice with is_read.
    read = ok(c.put(f"/api/notifications/{shared['id']}/read", headers=bearer(viewer["token"])))
    assert read["is_read"] is True and read["event_id"] == event["id"]


def test_other_notices_carry_a_null_event_id(sqlite_client: TestClient) -> None:
    c = sqlite_client
    acme = seed_world(c).acme
    ok(c.post("/api/employee/time-off", json={"start_date": "2026-04-02"}, headers=bearer(acme.employee["token"])),
       201)
    ok(c.put(f"/api/departments/{acme.department_id}", json={"manager_id": acme.manager["id"]},
             headers=bearer(acme.admin["token"])))
    ok(c.post("/api/employee/time-off", json={"start_date": "2026-05-02"}, headers=bearer(acme.employee["token"])),
       201)
    notices = inbox(c, acme.manager)["items"]
    assert notices and all(n["event_id"] is None for n in notices)


def test_the_notification_socket_sends_001s_frame_to_the_user_shared_with_only(sqlite_client: TestClient) -> None:
    c = sqlite_client
    world = seed_world(c)
    owner, viewer, outsider = world.acme.employee, world.acme.colleague, world.globex.employee
    event = ok(c.post("/api/events", json=MEETING, headers=bearer(owner["token"])), 201)
    with c.websocket_connect(f"/api/notifications/ws?token={viewer['token']}") as mine, \
            c.websocket_connect(f"/api/notifications/ws?token={outsider['token']}") as theirs:
        ok(c.post(f"/api/events/{event['id']}/share", json={"user_id": viewer["id"], "role": "VIEWER"},
                  headers=bearer(owner["token"])))
        frame = mine.receive_json(timeout=5)
        assert frame["type"] == "notification"
        data = frame["data"]
        assert {k: data[k] for k in ("type", "event_id", "message")} == {
            "type": "event.update", "event_id": event["id"],
            "message": "Event 'Team Meeting' was shared with you as VIEWER"}
        assert data["timestamp"] == data["created_at"] and data["timestamp"].endswith("Z")
        ok(c.put(f"/api/events/{event['id']}", json={"location": "Room 4"}, headers=bearer(owner["token"])))
        assert mine.receive_json(timeout=5)["data"]["message"] == "Event 'Team Meeting' was updated"
        # The outsider's socket heard nothing of it: its next frame is about its own event.
        own = ok(c.post("/api/events", json=MEETING, headers=bearer(outsider["token"])), 201)
        mate = world.globex.colleague
        ok(c.post(f"/api/events/{own['id']}/share", json={"user_id": mate["id"], "role": "EDITOR"},
                  headers=bearer(outsider["token"])))
        ok(c.put(f"/api/events/{own['id']}", json={"title": "Globex own"}, headers=bearer(mate["token"])))
        assert theirs.receive_json(timeout=5)["data"]["event_id"] == own["id"]
