"""001's calendar events over HTTP: every operation for the owner, an editor, a viewer, a
stranger of the same enterprise and a user of another; batch all or nothing; MessagePack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from tests.support import PASSWORD, World, bearer, create_user, ok, seed_world

MEETING = {"title": "Team Meeting", "description": "Weekly sync", "start_time": "2024-03-20T10:00:00Z",
           "end_time": "2024-03-20T11:00:00Z", "location": "Conference Room", "is_recurring": False}
FIELDS_001 = {"id", "title", "description", "start_time", "end_time", "location", "is_recurring", "created_by",
              "created_at", "updated_at"}


@dataclass
class Cast:
    client: TestClient
    world: World
    owner: dict[str, Any]
    editor: dict[str, Any]
    viewer: dict[str, Any]
    stranger: dict[str, Any]
    """Of the owner's enterprise, holding no role on the event."""
    outsider: dict[str, Any]
    """Of another enterprise."""
    event: dict[str, Any]

    def send(self, method: str, path: str, who: dict[str, Any], body: Any = None) -> Any:
        return self.client.request(method, path, json=body, headers=bearer(who["token"]))


@pytest.fixture
def cast(sqlite_client: TestClient) -> Iterator[Cast]:
    c = sqlite_client
    world = seed_world(c)
    acme = world.acme
    owner, editor, viewer, stranger = acme.employee, acme.manager, acme.colleague, acme.admin
    event = ok(c.post("/api/events", json=MEETING, headers=bearer(owner["token"])), 201)
    for who, role in ((editor, "EDITOR"), (viewer, "VIEWER")):
        ok(c.post(f"/api/events/{event['id']}/share", json={"user_id": who["id"], "role": role},
                  headers=bearer(owner["token"])))
    yield Cast(c, world, owner, editor, viewer, stranger, world.globex.employee, event)


def error_code(response: Any) -> str:
    return response.json()["detail"]["code"]


def test_creating_an_event_answers_001s_fields_with_the_caller_as_owner(cast: Cast) -> None:
    event = cast.event
    assert FIELDS_001 <= set(event)
    assert {k: event[k] for k in MEETING if k not in ("start_time", "end_time")} == {
        k: v for k, v in MEETING.items() if k not in ("start_time", "end_time")}
    assert event["start_time"].startswith("2024-03-20T10:00:00") and event["start_time"].endswith("Z")
    assert event["created_by"] == cast.owner["id"]
    assert event["permissions"] == [{"user_id": cast.owner["id"], "role": "OWNER"}]


def test_a_missing_title_answers_001s_validation_error_naming_the_field(cast: Cast) -> None:
    response = cast.send("POST", "/api/events", cast.owner, {k: v for k, v in MEETING.items() if k != "title"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["code"] == "VALIDATION_ERROR"
    assert {"field": "title", "message": "Field required"} in detail["errors"]


@pytest.mark.parametrize("body, field", [
    ({**MEETING, "title": "   "}, "title"),
    ({**MEETING, "end_time": "2024-03-20T09:00:00Z"}, "end_time"),
    ({**MEETING, "start_time": "1960-01-01T00:00:00Z"}, "start_time"),
])
def test_a_blank_title_an_end_before_the_start_or_a_time_outside_the_calendar_is_a_400(
        cast: Cast, body: dict[str, Any], field: str) -> None:
    response = cast.send("POST", "/api/events", cast.owner, body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["errors"][0]["field"] == field


def upload(cast: Cast, who: dict[str, Any], data: bytes = b"agenda") -> int:
    made = ok(cast.client.post("/files", files={"file": ("agenda.txt", data, "text/plain")},
                               headers=bearer(who["token"])), 201)
    return int(made["id"])


def test_only_the_uploader_attaches_a_file_and_unknown_ids_are_refused_naming_the_field(cast: Cast) -> None:
    mine, theirs = upload(cast, cast.owner), upload(cast, cast.stranger)
    for attachments in ([theirs], [999_999]):
        response = cast.send("POST", "/api/events", cast.owner, {**MEETING, "attachments": attachments})
        assert response.status_code == 400 and response.json()["detail"]["errors"][0]["field"] == "attachments"
    assert ok(cast.send("POST", "/api/events", cast.owner, {**MEETING, "attachments": [mine]}), 201)[
        "attachments"] == [mine]
    assert ok(cast.send("POST", "/api/events", cast.owner, {**MEETING, "attachments": []}), 201)["attachments"] == []


def test_a_file_attached_to_an_event_is_downloaded_by_whoever_holds_the_event_and_no_one_else(cast: Cast) -> None:
    agenda = upload(cast, cast.owner, b"1. rota\n2. holidays\n")
    event_id = cast.event["id"]
    for who in (cast.editor, cast.viewer, cast.stranger):
        assert cast.send("GET", f"/files/{agenda}", who).status_code == 404  # not attached yet
    ok(cast.send("PUT", f"/api/events/{event_id}", cast.owner, {"attachments": [agenda]}))
    for who in (cast.owner, cast.editor, cast.viewer):
        got = cast.send("GET", f"/files/{agenda}", who)
        assert got.status_code == 200 and got.content == b"1. rota\n2. holidays\n"
    for who in (cast.stranger, cast.outsider):
        assert cast.send("GET", f"/files/{agenda}", who).status_code == 404
    # An editor sees the file through the event but may not carry it to an audience of their own.
    refused = cast.send("POST", "/api/events", cast.editor, {**MEETING, "attachments": [agenda]})
    assert refused.status_code == 400
    # Taken back by unsharing, by detaching, and by deleting the event.
    ok(cast.send("DELETE", f"/api/events/{event_id}/share/{cast.viewer['id']}", cast.owner), 204)
    assert cast.send("GET", f"/files/{agenda}", cast.viewer).status_code == 404
    ok(cast.send("PUT", f"/api/events/{event_id}", cast.owner, {"attachments": []}))
    assert cast.send("GET", f"/files/{agenda}", cast.editor).status_code == 404
    ok(cast.send("PUT", f"/api/events/{event_id}", cast.owner, {"attachments": [agenda]}))
    assert cast.send("GET", f"/files/{agenda}", cast.editor).status_code == 200
    ok(cast.send("DELETE", f"/api/events/{event_id}", cast.owner), 204)
    assert cast.send("GET", f"/files/{agenda}", cast.editor).status_code == 404
    assert cast.send("GET", f"/files/{agenda}", cast.owner).status_code == 200

def test_the_owner_editor_and_viewer_see_the_event_with_its_permissions(cast: Cast) -> None:
    expected = [{"user_id": cast.owner["id"], "role": "OWNER"}, {"user_id": cast.editor["id"], "role": "EDITOR"},
                {"user_id": cast.viewer["id"], "role": "VIEWER"}]
    for who in (cast.owner, cast.editor, cast.viewer):
        got = ok(cast.send("GET", f"/api/events/{cast.event['id']}", who))
        assert got["permissions"] == expected and got["title"] == "Team Meeting"


def test_a_stranger_and_another_enterprises_user_get_404_for_every_operation(cast: Cast) -> None:
    path = f"/api/events/{cast.event['id']}"
    for who in (cast.stranger, cast.outsider, cast.world.root):
        for method, url, body in (("GET", path, None), ("PUT", path, {"title": "Mine"}), ("DELETE", path, None),
                                  ("POST", f"{path}/share", {"user_id": who["id"], "role": "VIEWER"}),
                                  ("DELETE", f"{path}/share/{cast.viewer['id']}", None)):
            response = cast.send(method, url, who, body)
            assert response.status_code == 404, (who["email"], method, url, response.text)
            assert response.json()["detail"] == {"code": "NOT_FOUND", "message": "Event not found"}
        assert ok(cast.send("GET", "/api/events", who)) == {"total": 0, "items": []}


def test_an_editor_changes_part_of_the_event_and_a_viewer_gets_403(cast: Cast) -> None:
    path = f"/api/events/{cast.event['id']}"
    changed = ok(cast.send("PUT", path, cast.editor, {"title": "Updated Team Meeting",
                                                      "description": "Updated description"}))
    assert (changed["title"], changed["description"], changed["location"]) == (
        "Updated Team Meeting", "Updated description", "Conference Room")
    assert changed["updated_at"] >= changed["created_at"] and changed["start_time"] == cast.event["start_time"]
    refused = cast.send("PUT", path, cast.viewer, {"title": "Viewer's"})
    assert refused.status_code == 403 and error_code(refused) == "FORBIDDEN"
    assert ok(cast.send("GET", path, cast.owner))["title"] == "Updated Team Meeting"


def test_an_update_may_clear_optional_fields_but_not_move_the_end_before_the_start(cast: Cast) -> None:
    path = f"/api/events/{cast.event['id']}"
    assert ok(cast.send("PUT", path, cast.owner, {"location": None}))["location"] is None
    response = cast.send("PUT", path, cast.owner, {"start_time": "2024-03-20T12:00:00Z"})
    assert response.status_code == 400 and response.json()["detail"]["errors"][0]["field"] == "end_time"


def test_only_the_owner_deletes_and_then_nobody_sees_the_event(cast: Cast) -> None:
    path = f"/api/events/{cast.event['id']}"
    for who in (cast.editor, cast.viewer):
        assert cast.send("DELETE", path, who).status_code == 403
    assert cast.send("DELETE", path, cast.owner).status_code == 204
    for who in (cast.owner, cast.editor, cast.viewer):
        assert cast.send("GET", path, who).status_code == 404
        assert ok(cast.send("GET", "/api/events", who))["total"] == 0


def test_sharing_answers_001s_shape_and_sharing_again_changes_the_role(cast: Cast) -> None:
    path = f"/api/events/{cast.event['id']}/share"
    answer = ok(cast.send("POST", path, cast.owner, {"user_id": cast.viewer["id"], "role": "EDITOR"}))
    assert answer == {"event_id": cast.event["id"], "user_id": cast.viewer["id"], "role": "EDITOR"}
    roles = {p["user_id"]: p["role"] for p in ok(cast.send("GET", f"/api/events/{cast.event['id']}",
                                                            cast.owner))["permissions"]}
    assert roles[cast.viewer["id"]] == "EDITOR"


def test_an_editor_shares_as_viewer_only_and_a_viewer_shares_nothing(cast: Cast) -> None:
    path = f"/api/events/{cast.event['id']}/share"
    stranger = {"user_id": cast.stranger["id"]}
    assert cast.send("POST", path, cast.editor, {**stranger, "role": "EDITOR"}).status_code == 403
    assert cast.send("POST", path, cast.viewer, {**stranger, "role": "VIEWER"}).status_code == 403
    ok(cast.send("POST", path, cast.editor, {**stranger, "role": "VIEWER"}))
    assert ok(cast.send("GET", f"/api/events/{cast.event['id']}", cast.stranger))["id"] == cast.event["id"]


def test_sharing_with_yourself_the_owner_another_enterprise_or_nobody_is_refused(cast: Cast) -> None:
    path = f"/api/events/{cast.event['id']}/share"
    for who, user_id, status in ((cast.owner, cast.owner["id"], 400), (cast.editor, cast.owner["id"], 400),
                                 (cast.owner, cast.outsider["id"], 404), (cast.owner, 10**9, 404)):
        response = cast.send("POST", path, who, {"user_id": user_id, "role": "VIEWER"})
        assert response.status_code == status, response.text
    outsider = cast.send("POST", path, cast.owner, {"user_id": cast.outsider["id"], "role": "VIEWER"})
    nobody = cast.send("POST", path, cast.owner, {"user_id": 10**9, "role": "VIEWER"})
    assert outsider.json() == nobody.json()  # another tenant's user is told apart from nobody by nothing


def test_users_of_no_enterprise_share_with_each_other_but_not_with_an_enterprise(cast: Cast) -> None:
    c = cast.client
    loose = []
    for name in ("ann", "bob"):
        ok(c.post("/api/auth/register", json={"email": f"{name}@free.test", "password": PASSWORD,
                                              "username": name}), 201)
        token = ok(c.post("/api/auth/login", data={"username": f"{name}@free.test", "password": PASSWORD}))
        me = ok(c.get("/api/auth/profile", headers=bearer(token["access_token"])))
        loose.append({"id": (me.get("user") or me)["id"], "token": token["access_token"]})
    ann, bob = loose
    event = ok(cast.send("POST", "/api/events", ann, MEETING), 201)
    ok(cast.send("POST", f"/api/events/{event['id']}/share", ann, {"user_id": bob["id"], "role": "VIEWER"}))
    assert ok(cast.send("GET", "/api/events", bob))["total"] == 1
    refused = cast.send("POST", f"/api/events/{event['id']}/share", ann,
                        {"user_id": cast.owner["id"], "role": "VIEWER"})
    assert refused.status_code == 404
    inward = cast.send("POST", f"/api/events/{cast.event['id']}/share", cast.owner,
                       {"user_id": ann["id"], "role": "VIEWER"})
    assert inward.status_code == 404


def test_unsharing_takes_the_role_back_and_a_viewer_may_leave(cast: Cast) -> None:
    base = f"/api/events/{cast.event['id']}"
    assert cast.send("DELETE", f"{base}/share/{cast.editor['id']}", cast.viewer).status_code == 403
    assert cast.send("DELETE", f"{base}/share/{cast.viewer['id']}", cast.viewer).status_code == 204
    assert cast.send("GET", base, cast.viewer).status_code == 404
    assert cast.send("DELETE", f"{base}/share/{cast.owner['id']}", cast.owner).status_code == 400
    assert cast.send("DELETE", f"{base}/share/{cast.editor['id']}", cast.owner).status_code == 204
    assert ok(cast.send("GET", base, cast.owner))["permissions"] == [{"user_id": cast.owner["id"], "role": "OWNER"}]


def test_the_list_holds_owned_and_shared_events_overlapping_the_window_paged(cast: Cast) -> None:
    days = [ok(cast.send("POST", "/api/events", cast.editor, {
        "title": f"Day {d}", "start_time": f"2024-03-2{d}T23:00:00Z", "end_time": f"2024-03-2{d + 1}T01:00:00Z"}),
        201)["id"] for d in (1, 3, 5)]
    listed = ok(cast.send("GET", "/api/events", cast.editor))
    assert listed["total"] == 4 and [e["id"] for e in listed["items"]] == [cast.event["id"], *days]
    assert "permissions" not in listed["items"][0] and FIELDS_001 <= set(listed["items"][0])
    # Overlapping: the event of the 23rd ending at 01:00 on the 24th is in a window starting at 00:00.
    window = ok(cast.send("GET", "/api/events?start_time=2024-03-24T00:00:00Z&end_time=2024-03-26T00:00:00Z",
                          cast.editor))
    assert [e["id"] for e in window["items"]] == days[1:]
    page = ok(cast.send("GET", "/api/events?skip=1&limit=2", cast.editor))
    assert page["total"] == 4 and [e["id"] for e in page["items"]] == days[:2]
    assert cast.send("GET", "/api/events?limit=101", cast.editor).status_code == 400
    assert ok(cast.send("GET", "/api/events", cast.viewer))["total"] == 1  # only the one shared with them


def test_a_batch_creates_every_event_in_one_answer(cast: Cast) -> None:
    batch = {"events": [{"title": "Event 1", "start_time": "2024-03-20T10:00:00Z", "end_time": "2024-03-20T11:00:00Z"},
                        {"title": "Event 2", "start_time": "2024-03-21T10:00:00Z", "end_time": "2024-03-21T11:00:00Z"}]}
    answer = ok(cast.send("POST", "/api/events/batch", cast.owner, batch), 201)
    assert answer["created"] == 2 and [e["title"] for e in answer["events"]] == ["Event 1", "Event 2"]
    assert answer["events"][1]["id"] > answer["events"][0]["id"]
    assert ok(cast.send("GET", "/api/events", cast.owner))["total"] == 3


@pytest.mark.parametrize("bad, field", [
    ({"title": "Late", "start_time": "2024-03-22T10:00:00Z", "end_time": "2024-03-22T09:00:00Z"}, "events[2].end_time"),
    ({"start_time": "2024-03-22T10:00:00Z", "end_time": "2024-03-22T11:00:00Z"}, "events[2].title"),
    ({"title": " ", "start_time": "2024-03-22T10:00:00Z", "end_time": "2024-03-22T11:00:00Z"}, "events[2].title"),
])
def test_one_bad_item_of_a_batch_creates_nothing_and_the_error_names_its_index(
        cast: Cast, bad: dict[str, Any], field: str) -> None:
    good = {"title": "Fine", "start_time": "2024-03-20T10:00:00Z", "end_time": "2024-03-20T11:00:00Z"}
    response = cast.send("POST", "/api/events/batch", cast.owner, {"events": [good, good, bad, good]})
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["errors"][0]["field"] == field
    assert ok(cast.send("GET", "/api/events", cast.owner))["total"] == 1
    # The refused batch took no ids: the next event is numbered right after the first.
    assert ok(cast.send("POST", "/api/events", cast.owner, good), 201)["id"] == cast.event["id"] + 1


def test_a_batch_holds_one_to_a_hundred_events(cast: Cast) -> None:
    item = {"title": "x", "start_time": "2024-03-20T10:00:00Z", "end_time": "2024-03-20T11:00:00Z"}
    assert cast.send("POST", "/api/events/batch", cast.owner, {"events": []}).status_code == 400
    assert cast.send("POST", "/api/events/batch", cast.owner, {"events": [item] * 101}).status_code == 400
    assert ok(cast.send("POST", "/api/events/batch", cast.owner, {"events": [item] * 100}), 201)["created"] == 100


def test_an_auditor_changes_no_events_and_lists_none_of_the_enterprises(cast: Cast) -> None:
    auditor = create_user(cast.client, cast.world.acme.admin["token"], "auditor@acme.test", "auditor",
                          cast.world.acme.enterprise_id, None)
    refused = cast.send("POST", "/api/events", auditor, MEETING)
    assert refused.status_code == 403 and error_code(refused) == "FORBIDDEN"
    assert ok(cast.send("GET", "/api/events", auditor)) == {"total": 0, "items": []}
    assert cast.send("GET", f"/api/events/{cast.event['id']}", auditor).status_code == 404
    # They read calendar events as entries of the audit history, scoped to the creator's enterprise.
    entries = ok(cast.send("GET", "/api/audit/events?limit=500", auditor))["entries"]
    assert {"calendar_event_created", "calendar_event_shared"} <= {e["type"] for e in entries}
    globex = ok(cast.send("GET", "/api/audit/events?limit=500", cast.world.globex.admin))["entries"]
    assert not [e for e in globex if e["type"].startswith("calendar_event")]
    # The owner and the user a share concerns find those entries in their own history.
    mine = ok(cast.send("GET", "/api/employee/history", cast.owner))["entries"]
    theirs = ok(cast.send("GET", "/api/employee/history", cast.viewer))["entries"]
    assert sorted(e["type"] for e in mine if e["type"].startswith("calendar")) == [
        "calendar_event_created", "calendar_event_shared", "calendar_event_shared"]
    assert [e["summary"] for e in theirs if e["type"] == "calendar_event_shared"] == [
        "Employee shared the event 'Team Meeting' with Colleague as VIEWER"]


def test_events_travel_as_messagepack_both_ways(cast: Cast) -> None:
    response = cast.client.post(
        "/api/events", content=msgspec.msgpack.encode(MEETING),
        headers={**bearer(cast.owner["token"]), "Content-Type": "application/x-msgpack",
                 "Accept": "application/x-msgpack"})
    assert response.status_code == 201 and response.headers["content-type"] == "application/x-msgpack"
    created = msgspec.msgpack.decode(response.content)
    listed = cast.client.get(f"/api/events/{created['id']}",
                             headers={**bearer(cast.owner["token"]), "Accept": "application/x-msgpack"})
    assert msgspec.msgpack.decode(listed.content)["title"] == "Team Meeting"
    assert created == {**msgspec.msgpack.decode(listed.content)}


def test_every_calendar_operation_is_in_the_served_schema(cast: Cast) -> None:
    paths = cast.client.get("/schema/openapi.json").json()["paths"]
    assert {"post", "get"} <= set(paths["/api/events"])
    assert {"get", "put", "delete"} <= set(paths["/api/events/{event_id}"])
    assert "post" in paths["/api/events/{event_id}/share"] and "post" in paths["/api/events/batch"]
    assert "delete" in paths["/api/events/{event_id}/share/{user_id}"]


def test_the_calendar_works_alike_on_every_backend(client: TestClient) -> None:
    world = seed_world(client)
    owner, editor = world.acme.employee, world.acme.manager
    event = ok(client.post("/api/events", json=MEETING, headers=bearer(owner["token"])), 201)
    ok(client.post(f"/api/events/{event['id']}/share", json={"user_id": editor["id"], "role": "EDITOR"},
                   headers=bearer(owner["token"])))
    ok(client.put(f"/api/events/{event['id']}", json={"title": "Moved", "end_time": "2024-03-20T12:00:00Z"},
                  headers=bearer(editor["token"])))
    batch = ok(client.post("/api/events/batch", headers=bearer(editor["token"]), json={"events": [
        {"title": "Own", "start_time": "2024-03-21T10:00:00Z", "end_time": "2024-03-21T11:00:00Z"}]}), 201)
    listed = ok(client.get("/api/events?start_time=2024-03-20T11:30:00Z", headers=bearer(editor["token"])))
    assert [(e["title"], e["version"]) for e in listed["items"]] == [("Moved", 3), ("Own", 1)]
    assert listed["items"][1]["id"] == batch["events"][0]["id"]
    got = ok(client.get(f"/api/events/{event['id']}", headers=bearer(owner["token"])))
    assert got["end_time"].startswith("2024-03-20T12:00:00") and len(got["permissions"]) == 2
    assert client.delete(f"/api/events/{event['id']}", headers=bearer(owner["token"])).status_code == 204
    assert ok(client.get("/api/events", headers=bearer(owner["token"]))) == {"total": 0, "items": []}
    notices = ok(client.get("/api/notifications", headers=bearer(editor["token"])))["items"]
    assert [n["message"] for n in notices if n["type"] == "event.update"] == [
        "Event 'Moved' was deleted", "Event 'Team Meeting' was shared with you as EDITOR"]
