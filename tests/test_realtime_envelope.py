"""socket.io as a browser client uses it: each event's resource under its own name with a
timestamp (and its fields at the top level, as before), a `connected` greeting, every
spelling of `notification_read`'s id, and origins checked as the REST API's CORS checks them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from interfaces.container import build_container
from interfaces.http.app import create_app
from interfaces.realtime.asgi import with_socketio
from interfaces.realtime.envelope import envelope
from interfaces.realtime.messages import Message, decode, encode
from projections.announce import Change
from tests.conftest import settings_for
from tests.live import in_thread
from tests.support import World, ok, seed_world
from tests.test_http_rostering import h, roster, set_status

APP = "http://app.example.test:5173"
EVIL = "http://evil.example.test"


def test_each_server_event_carries_its_resource_under_its_name_and_at_the_top_level() -> None:
    notification = {"id": 9, "type": "roster_published", "read_at": None, "data": {"roster_id": 3}}
    assignment = {"id": 4, "shift_id": 5, "employee_id": 6, "status": "assigned"}
    shift = {"id": 5, "title": "Early"}
    at = "2026-01-31T08:00:00.000Z"
    cases = {
        "new_notification": (notification, {"notification": notification}),
        "roster_updated": ({"id": 3, "status": "published"}, {"roster": {"id": 3, "status": "published"}}),
        "shift_assigned": ({**assignment, "shift": shift}, {"assignment": assignment, "shift": shift}),
        "swap_request": ({"id": 2, "status": "pending"}, {"swap_request": {"id": 2, "status": "pending"}}),
        "scheduling.updated": ({"id": "5", "title": "Early", "start": "s", "end": "e"},
                               {"event": {"id": "5", "title": "Early", "start": "s", "end": "e"}}),
    }
    for event, (resource, named) in cases.items():
        sent = envelope(Message(event, ("user:6",), resource, at))
        assert sent == {**resource, **named, "timestamp": at}, event


def test_the_timestamp_is_stamped_once_when_a_batch_is_announced_and_read_back_by_every_process() -> None:
    messages = decode(encode([Change("roster_updated", ("department:1",), {"id": 1}),
                              Change("new_notification", ("user:2",), {"id": 7})]))
    assert messages[0].at.endswith("Z") and messages[0].at == messages[1].at
    # A message published by a process from before the field: stamped when it is sent on.
    older = decode(b'[{"event":"roster_updated","rooms":["department:1"],"data":{"id":1}}]')[0]
    assert older.at == "" and envelope(older)["timestamp"].endswith("Z")


# -- over a real socket ------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    settings = settings_for("sqlite", tmp_path, request, cors_origins=(APP,))
    container = build_container(settings)
    try:
        with in_thread(with_socketio(create_app(settings, container))) as url:
            yield url
    finally:
        container.close()


class Heard:
    """Every event a socket.io client heard, in order."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._arrived = asyncio.Event()
        self.client.on("*", self._record)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data))
        self._arrived.set()

    async def first(self, name: str, matches: Any = lambda _: True, timeout: float = 5) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [d for e, d in self.events if e == name and matches(d)]
            if found:
                return found[0]
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), deadline - asyncio.get_running_loop().time())


async def connect(url: str, who: dict[str, Any], origin: str | None = None) -> Heard:
    heard = Heard()
    await heard.client.connect(url, auth={"token": who["token"]}, transports=["websocket"],
                               headers={"Origin": origin} if origin else {})
    return heard


def seeded(url: str) -> tuple[httpx.Client, World]:
    http = httpx.Client(base_url=url, timeout=15)
    world = seed_world(http)  # type: ignore[arg-type]
    a = world.acme
    ok(http.put(f"/api/departments/{a.department_id}", json={"manager_id": a.manager["id"]}, headers=h(world.root)))
    return http, world


def test_a_client_is_greeted_with_connected_then_hears_enveloped_events_and_marks_read_by_any_id_spelling(
    served: str,
) -> None:
    http, world = seeded(served)
    a = world.acme

    async def session() -> None:
        employee = await connect(served, a.employee, origin=APP)
        greeting = await employee.first("connected")
        assert employee.events[0][0] == "connected"
        assert (greeting["user_id"], greeting["role"]) == (a.employee["id"], "employee")
        assert f"user:{a.employee['id']}" in greeting["rooms"] and greeting["timestamp"].endswith("Z")
        assert greeting["sid"] == employee.client.get_sid()

        r = await asyncio.to_thread(roster, http, a.manager, a.department_id)
        await asyncio.to_thread(lambda: ok(set_status(http, a.manager, r["id"], "published")))
        note = await employee.first("new_notification")
        assert note["notification"]["id"] == note["id"] and note["notification"]["read_at"] is None
        assert note["notification"]["data"]["roster_id"] == r["id"] and note["timestamp"].endswith("Z")
        assert "notification" not in note["notification"] and "timestamp" not in note["notification"]
        published = await employee.first("roster_updated", lambda d: d["roster"]["status"] == "published")
        assert published["roster"]["id"] == published["id"] == r["id"]

        for spelling in ({"notificationId": note["id"]}, {"notification_id": note["id"]}, note["id"],
                         str(note["id"]), {"id": note["id"]}):
            ack = await employee.client.call("notification_read", spelling, timeout=5)
            assert ack["success"] is True and ack["data"]["id"] == note["id"], (spelling, ack)
            assert ack["data"]["read_at"] is not None
        for wrong in ({"notificationID": note["id"]}, {}, None, [note["id"]]):
            ack = await employee.client.call("notification_read", wrong, timeout=5)
            assert ack["success"] is False and ack["error"] == "validation_error", (wrong, ack)
            assert "notificationId" in ack["message"]
        await employee.client.disconnect()

    try:
        asyncio.run(session())
    finally:
        http.close()


def test_socketio_admits_the_configured_origins_and_refuses_others(served: str) -> None:
    http, world = seeded(served)

    async def attempts() -> None:
        allowed = await connect(served, world.acme.employee, origin=APP)
        await allowed.first("connected")
        await allowed.client.disconnect()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await connect(served, world.acme.employee, origin=EVIL)

    try:
        asyncio.run(attempts())
        handshake = "/socket.io/?EIO=4&transport=polling"
        polling = http.get(handshake, headers={"Origin": APP})
        assert polling.status_code == 200 and polling.headers["access-control-allow-origin"] == APP
        assert "access-control-allow-credentials" not in polling.headers
        refused = http.get(handshake, headers={"Origin": EVIL})
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    finally:
        http.close()


def test_without_configured_origins_socketio_admits_only_its_own_origin(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    app = with_socketio(create_app(settings, container))

    async def handshakes() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.example.test") as client:
            path = "/socket.io/?EIO=4&transport=polling"
            return (await client.get(path, headers={"Origin": "http://api.example.test"}),
                    await client.get(path, headers={"Origin": APP}))

    try:
        own, foreign = asyncio.run(handshakes())
    finally:
        container.close()
    assert own.status_code == 200
    assert foreign.status_code == 400 and "access-control-allow-origin" not in foreign.headers


def test_the_openapi_description_shows_the_socketio_payload_shapes(sqlite_client: Any) -> None:
    description = ok(sqlite_client.get("/schema/openapi.json"))["info"]["description"]
    for shape in ("`{notification, timestamp}`", "`{roster, timestamp}`", "`{assignment, shift, timestamp}`",
                  "`connected`", "`{notificationId}`"):
        assert shape in description, shape
