"""000's `/scheduling/events` over HTTP: every operation for the owner, an editor, a viewer,
a stranger of the same enterprise and a user of another; the same events as 001's
`/api/events`; `scheduling.updated` to those who hold an event and nobody else."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from litestar.testing import TestClient

from interfaces.container import build_container
from interfaces.http.app import create_app
from interfaces.realtime.asgi import with_socketio
from tests.conftest import settings_for
from tests.live import in_thread
from tests.support import PASSWORD, World, bearer, create_user, ok, seed_world

MEETING = {"title": "Team Meeting", "start": "2024-03-20T10:00:00Z", "end": "2024-03-20T11:00:00Z"}
SHAPE = {"id", "title", "start", "end"}


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
    """As 000's POST answered it."""

    def send(self, method: str, path: str, who: dict[str, Any], body: Any = None) -> Any:
        return self.client.request(method, path, json=body, headers=bearer(who["token"]))

    @property
    def url(self) -> str:
        return f"/scheduling/events/{self.event['id']}"


@pytest.fixture
def cast(sqlite_client: TestClient) -> Iterator[Cast]:
    c = sqlite_client
    world = seed_world(c)
    acme = world.acme
    owner, editor, viewer, stranger = acme.employee, acme.manager, acme.colleague, acme.admin
    event = ok(c.post("/scheduling/events", json=MEETING, headers=bearer(owner["token"])), 201)
    for who, role in ((editor, "EDITOR"), (viewer, "VIEWER")):
        ok(c.post(f"/api/events/{event['id']}/share", json={"user_id": who["id"], "role": role},
                  headers=bearer(owner["token"])))
    yield Cast(c, world, owner, editor, viewer, stranger, world.globex.employee, event)


def listed(cast: Cast, who: dict[str, Any]) -> list[dict[str, Any]]:
    response = cast.send("GET", "/scheduling/events", who)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_creating_answers_000s_four_fields_with_the_id_as_a_string(cast: Cast) -> None:
    assert cast.event == {"id": cast.event["id"], "title": "Team Meeting", "start": "2024-03-20T10:00:00.000Z",
                          "end": "2024-03-20T11:00:00.000Z"}
    assert isinstance(cast.event["id"], str) and cast.event["id"].isdigit()


def test_a_time_without_a_zone_is_taken_as_utc(cast: Cast) -> None:
    made = ok(cast.send("POST", "/scheduling/events", cast.owner,
                        {"title": "Standup", "start": "2024-03-21T09:00:00", "end": "2024-03-21T10:15:00+01:00"}), 201)
    assert (made["start"], made["end"]) == ("2024-03-21T09:00:00.000Z", "2024-03-21T09:15:00.000Z")


@pytest.mark.parametrize("body, field", [
    ({"start": MEETING["start"], "end": MEETING["end"]}, "title"),
    ({**MEETING, "title": "  "}, "title"),
    ({**MEETING, "end": "2024-03-20T09:00:00Z"}, "end_time"),
    ({**MEETING, "start": "yesterday"}, "start"),
    ({"title": "No times"}, "start"),
])
def test_a_missing_or_bad_field_is_a_400_in_the_envelope_naming_it(
        cast: Cast, body: dict[str, Any], field: str) -> None:
    response = cast.send("POST", "/scheduling/events", cast.owner, body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["error"] and answer["detail"]["code"] == "VALIDATION_ERROR"
    assert field in response.text


def test_everyone_who_holds_the_event_lists_it_and_nobody_else_does(cast: Cast) -> None:
    for who in (cast.owner, cast.editor, cast.viewer):
        assert listed(cast, who) == [cast.event]
    for who in (cast.stranger, cast.outsider):
        assert listed(cast, who) == []


def test_the_listing_is_a_plain_array_of_every_event_in_start_order_with_the_count_in_a_header(cast: Cast) -> None:
    # More than one page of /api/events (100): the 000 listing is not paged.
    ok(cast.send("POST", "/api/events/batch", cast.owner, {"events": [
        {"title": f"Slot {i}", "start_time": f"2024-04-01T{i // 60:02d}:{i % 60:02d}:00Z",
         "end_time": "2024-04-02T00:00:00Z"} for i in range(100)]}), 201)
    ok(cast.send("POST", "/scheduling/events", cast.owner,
                 {"title": "Earliest", "start": "2024-01-01T08:00:00Z", "end": "2024-01-01T09:00:00Z"}), 201)
    response = cast.send("GET", "/scheduling/events", cast.owner)
    events = response.json()
    assert len(events) == 102 and response.headers["X-Total-Count"] == "102"
    assert all(set(e) == SHAPE and isinstance(e["id"], str) for e in events)
    assert events[0]["title"] == "Earliest" and events[1] == cast.event
    assert [e["start"] for e in events] == sorted(e["start"] for e in events)


def test_past_the_bound_the_listing_answers_the_first_events_and_counts_them_all(
        cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("application.calendar_events.MAX_LISTED", 2)
    later = [ok(cast.send("POST", "/scheduling/events", cast.owner,
                          {"title": f"Later {i}", "start": f"2024-05-0{i}T08:00:00Z", "end": f"2024-05-0{i}T09:00:00Z"}),
                201) for i in (1, 2)]
    response = cast.send("GET", "/scheduling/events", cast.owner)
    assert response.json() == [cast.event, later[0]] and response.headers["X-Total-Count"] == "3"


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_the_owner_and_an_editor_change_title_start_and_end(cast: Cast, role: str) -> None:
    body = {"title": f"Changed by the {role}", "start": "2024-03-20T12:00:00Z", "end": "2024-03-20T13:30:00Z"}
    changed = ok(cast.send("PUT", cast.url, getattr(cast, role), body))
    assert changed == {"id": cast.event["id"], "title": body["title"], "start": "2024-03-20T12:00:00.000Z",
                       "end": "2024-03-20T13:30:00.000Z"}
    assert listed(cast, cast.viewer) == [changed]


def test_a_change_of_some_fields_leaves_the_others_and_the_001_fields_as_they_were(cast: Cast) -> None:
    ok(cast.send("PUT", f"/api/events/{cast.event['id']}", cast.owner,
                 {"description": "Weekly sync", "location": "Room 1"}))
    changed = ok(cast.send("PUT", cast.url, cast.owner, {"title": "Renamed"}))
    assert changed == {**cast.event, "title": "Renamed"}
    full = ok(cast.send("GET", f"/api/events/{cast.event['id']}", cast.owner))
    assert (full["description"], full["location"], full["title"]) == ("Weekly sync", "Room 1", "Renamed")


def test_a_viewer_may_not_change_or_delete_and_gets_403(cast: Cast) -> None:
    assert cast.send("PUT", cast.url, cast.viewer, {"title": "Mine now"}).status_code == 403
    response = cast.send("DELETE", cast.url, cast.viewer)
    assert response.status_code == 403 and response.json()["detail"]["code"] == "FORBIDDEN"


def test_an_editor_may_not_delete(cast: Cast) -> None:
    assert cast.send("DELETE", cast.url, cast.editor).status_code == 403
    assert listed(cast, cast.owner) == [cast.event]


@pytest.mark.parametrize("who", ["stranger", "outsider"])
def test_whoever_holds_no_role_gets_404_as_for_an_id_of_nothing(cast: Cast, who: str) -> None:
    person = getattr(cast, who)
    nothing = "/scheduling/events/999999"
    for method, body in (("PUT", {"title": "Hijacked"}), ("DELETE", None)):
        answer, absent = cast.send(method, cast.url, person, body), cast.send(method, nothing, person, body)
        assert (answer.status_code, answer.json()) == (absent.status_code, absent.json())
        assert answer.status_code == 404 and answer.json()["detail"]["code"] == "NOT_FOUND"
    assert listed(cast, cast.owner) == [cast.event]


def test_the_owner_deletes_with_000s_message_and_the_event_is_gone_for_everyone(cast: Cast) -> None:
    assert ok(cast.send("DELETE", cast.url, cast.owner)) == {"message": "Event deleted successfully"}
    for who in (cast.owner, cast.editor, cast.viewer):
        assert listed(cast, who) == []
    assert cast.send("PUT", cast.url, cast.owner, {"title": "Back"}).status_code == 404
    assert cast.send("DELETE", cast.url, cast.owner).status_code == 404


def test_without_a_token_every_operation_answers_401(cast: Cast) -> None:
    c = cast.client
    for response in (c.get("/scheduling/events"), c.post("/scheduling/events", json=MEETING),
                     c.put(cast.url, json={"title": "x"}), c.delete(cast.url)):
        assert response.status_code == 401


def test_an_auditor_lists_nothing_and_changes_nothing(cast: Cast) -> None:
    auditor = create_user(cast.client, cast.world.acme.admin["token"], "auditor@acme.test", "auditor",
                          cast.world.acme.enterprise_id, None)
    assert listed(cast, auditor) == []
    assert cast.send("POST", "/scheduling/events", auditor, MEETING).status_code == 403


# -- one event, two surfaces, and the realtime event -----------------------------------------


def socket(cast: Cast, who: dict[str, Any]) -> Any:
    return cast.client.websocket_connect(f"/api/scheduling/ws?token={who['token']}")


def heard(ws: Any) -> dict[str, Any]:
    message = ws.receive_json(timeout=5)
    assert message["event"] == "scheduling.updated"
    return message["data"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_an_event_made_on_000_is_changed_on_001_seen_on_both_and_its_holders_hear_of_it(
        client: TestClient) -> None:
    c = client
    world = seed_world(c)
    owner, shared, stranger = world.acme.employee, world.acme.manager, world.acme.admin
    with c.websocket_connect(f"/api/scheduling/ws?token={owner['token']}") as mine, \
            c.websocket_connect(f"/api/scheduling/ws?token={shared['token']}") as theirs, \
            c.websocket_connect(f"/api/scheduling/ws?token={stranger['token']}") as nobody:
        made = ok(c.post("/scheduling/events", json=MEETING, headers=bearer(owner["token"])), 201)
        event_id = int(made["id"])
        assert heard(mine) == made
        ok(c.post(f"/api/events/{event_id}/share", json={"user_id": shared["id"], "role": "EDITOR"},
                  headers=bearer(owner["token"])))
        assert heard(mine) == made and heard(theirs) == made  # a share tells every holder
        # Changed on 001: the same number, an int there and a string on 000.
        changed = ok(c.put(f"/api/events/{event_id}", json={"title": "Moved", "end_time": "2024-03-20T12:00:00Z"},
                           headers=bearer(shared["token"])))
        assert changed["id"] == event_id and changed["title"] == "Moved"
        now = {"id": made["id"], "title": "Moved", "start": made["start"], "end": "2024-03-20T12:00:00.000Z"}
        assert heard(mine) == now and heard(theirs) == now
        for who in (owner, shared):
            assert ok(c.get("/scheduling/events", headers=bearer(who["token"]))) == [now]
            assert [e["id"] for e in ok(c.get("/api/events", headers=bearer(who["token"])))["items"]] == [event_id]
        # Deleted on 001: gone on 000, and both holders hear it left their calendar.
        assert c.delete(f"/api/events/{event_id}", headers=bearer(owner["token"])).status_code == 204
        assert heard(mine) == {**now, "deleted": True} and heard(theirs) == {**now, "deleted": True}
        assert ok(c.get("/scheduling/events", headers=bearer(owner["token"]))) == []
        assert c.put(f"/scheduling/events/{event_id}", json={"title": "x"},
                     headers=bearer(owner["token"])).status_code == 404
        # The stranger's first message is about their own event: they heard none of the above.
        own = ok(c.post("/scheduling/events", json={**MEETING, "title": "Stranger's"},
                        headers=bearer(stranger["token"])), 201)
        assert heard(nobody) == own


def test_a_user_whose_role_is_taken_back_hears_the_event_left_their_calendar(cast: Cast) -> None:
    with socket(cast, cast.viewer) as viewer:
        assert cast.client.delete(f"/api/events/{cast.event['id']}/share/{cast.viewer['id']}",
                                  headers=bearer(cast.owner["token"])).status_code == 204
        assert heard(viewer) == {**cast.event, "deleted": True}
        ok(cast.send("PUT", cast.url, cast.owner, {"title": "After the viewer left"}))
        mine = ok(cast.send("POST", "/scheduling/events", cast.viewer, {**MEETING, "title": "Viewer's own"}), 201)
        assert heard(viewer) == mine  # not the change after they lost their role


def test_socketio_clients_hear_scheduling_updated_for_the_calendar_events_they_hold(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    try:
        with in_thread(with_socketio(create_app(settings, container))) as url, \
                httpx.Client(base_url=url) as c:
            world = seed_world(c)  # type: ignore[arg-type]
            asyncio.run(_socketio_session(c, url, world))
    finally:
        container.close()


def _without_envelope(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("event", "timestamp")}


async def _socketio_session(c: httpx.Client, url: str, world: World) -> None:
    owner, stranger = world.acme.employee, world.acme.admin
    heard: dict[str, list[dict[str, Any]]] = {"owner": [], "stranger": []}
    arrived = asyncio.Event()
    clients = []
    for name, who in (("owner", owner), ("stranger", stranger)):
        client = socketio.AsyncClient(reconnection=False)

        async def record(data: dict[str, Any], name: str = name) -> None:
            heard[name].append(data)
            arrived.set()

        client.on("scheduling.updated", record)
        await client.connect(url, auth={"token": who["token"]}, transports=["websocket"])
        clients.append(client)
    made = await asyncio.to_thread(lambda: ok(c.post("/scheduling/events", json=MEETING,
                                                     headers=bearer(owner["token"])), 201))
    await asyncio.wait_for(arrived.wait(), 5)
    # The event's own fields stay at the top level for 000's clients; the envelope names it too.
    [said] = heard["owner"]
    assert said["event"] == made and _without_envelope(said) == made and said["timestamp"].endswith("Z")
    theirs = await asyncio.to_thread(lambda: ok(c.post("/scheduling/events", json={**MEETING, "title": "Theirs"},
                                                       headers=bearer(stranger["token"])), 201))
    for _ in range(50):
        if heard["stranger"]:
            break
        await asyncio.sleep(0.1)
    assert [_without_envelope(m) for m in heard["stranger"]] == [theirs]  # their own, and nothing of the owner's before it
    for client in clients:
        await client.disconnect()


# -- a client that knows only 000 -----------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_client_written_against_000_alone_logs_in_and_keeps_its_calendar(client: TestClient) -> None:
    world = seed_world(client)
    email = world.acme.employee["email"]
    token = ok(client.post("/auth/login", json={"username": email, "password": PASSWORD}))["token"]
    auth = {"Authorization": f"Bearer {token}"}
    made = ok(client.post("/scheduling/events", json=MEETING, headers=auth), 201)
    assert set(made) == SHAPE and isinstance(made["id"], str)
    assert ok(client.get("/scheduling/events", headers=auth)) == [made]
    changed = ok(client.put(f"/scheduling/events/{made['id']}", json={**MEETING, "title": "Retro"}, headers=auth))
    assert changed == {**made, "title": "Retro"}
    assert ok(client.get("/scheduling/events", headers=auth)) == [changed]
    assert ok(client.delete(f"/scheduling/events/{made['id']}", headers=auth)) == {
        "message": "Event deleted successfully"}
    assert ok(client.get("/scheduling/events", headers=auth)) == []
    assert ok(client.post("/auth/logout", json={"token": token})) == {"message": "Successfully logged out"}
    assert client.get("/scheduling/events", headers=auth).status_code == 401
