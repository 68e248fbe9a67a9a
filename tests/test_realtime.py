"""Realtime in one process: who hears what on the plain websockets and socket.io, how
bad tokens are refused, and when the projections announce (after commit, never on rebuild)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from litestar.testing import TestClient
from litestar.exceptions import WebSocketDisconnect

from infrastructure.readstore import SqliteReadStore
from interfaces.container import Container, all_projections, announcers, build_container
from interfaces.http.app import create_app
from interfaces.realtime.asgi import with_socketio
from projections.announce import Change
from projections.runner import CatchUpRunner
from tests.conftest import settings_for
from tests.live import in_thread
from tests.support import PASSWORD, World, ok, seed_world
from interfaces.realtime.hub import Hub, Subscriber, notification_frame
from interfaces.realtime.messages import Message
from tests.test_http_rostering import assigned, day, h, propose, roster, set_status, shift, staff, swap_setup


@pytest.fixture
def w(sqlite_client: TestClient) -> World:
    world = seed_world(sqlite_client)
    for tenant in (world.acme, world.globex):
        ok(sqlite_client.put(f"/api/departments/{tenant.department_id}",
                             json={"manager_id": tenant.manager["id"]}, headers=h(world.root)))
    return world


@contextmanager
def seeded(tmp_path: Path, request: pytest.FixtureRequest, **overrides: Any) -> Iterator[tuple[TestClient, Container, World]]:
    """A seeded embedded-default app with some settings changed."""
    settings = settings_for("sqlite", tmp_path, request, **overrides)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as c:
            yield c, container, seed_world(c)
    finally:
        container.close()


def socket_of(c: TestClient, path: str, who: dict[str, Any]) -> Any:
    return c.websocket_connect(f"{path}?token={who['token']}")


def publish_roster(c: TestClient, who: dict[str, Any], department_id: int, name: str) -> dict[str, Any]:
    r = roster(c, who, department_id, name=name)
    ok(set_status(c, who, r["id"], "published"))
    return r


# -- the plain websockets ---------------------------------------------------------------


def test_a_published_roster_reaches_its_department_on_the_notification_socket_and_nobody_else(w: World) -> None:
    c, a, g = w.client, w.acme, w.globex
    with socket_of(c, "/api/notifications/ws", a.employee) as mine, \
            socket_of(c, "/api/notifications/ws", a.colleague) as other_department, \
            socket_of(c, "/api/notifications/ws", g.employee) as other_tenant:
        january = publish_roster(c, a.manager, a.department_id, "January Ops")
        message = mine.receive_json(timeout=5)
        assert message["type"] == "notification"
        assert message["data"]["type"] == "roster_published"
        assert message["data"]["data"] == {"roster_id": january["id"], "roster_name": "January Ops"}
        # The socket carries the notification exactly as the inbox lists it, with 001's `timestamp`.
        [listed] = ok(c.get("/api/notifications", headers=h(a.employee)))["notifications"]
        assert message["data"] == {**listed, "timestamp": listed["created_at"]}
        # The others' first messages are about their own rosters: they never heard of January.
        sales = publish_roster(c, a.admin, a.other_department_id, "Sales week")
        assert other_department.receive_json(timeout=5)["data"]["data"]["roster_id"] == sales["id"]
        theirs = publish_roster(c, g.manager, g.department_id, "Globex week")
        assert other_tenant.receive_json(timeout=5)["data"]["data"]["roster_id"] == theirs["id"]


def test_the_scheduling_socket_shows_draft_shifts_to_planners_and_published_ones_to_the_department(
    w: World,
) -> None:
    c, a = w.client, w.acme
    with socket_of(c, "/api/scheduling/ws", a.manager) as planner, \
            socket_of(c, "/api/scheduling/ws", a.employee) as employee:
        r = roster(c, a.manager, a.department_id)
        draft_shift = shift(c, a.manager, r["id"], day(5), "22:00", "06:00")
        assert planner.receive_json(timeout=5) == {
            "event": "scheduling.updated",
            "data": {"id": str(draft_shift["id"]), "title": "Shift",
                     "start": f"{day(5)}T22:00:00", "end": f"{day(6)}T06:00:00"},
        }
        ok(set_status(c, a.manager, r["id"], "published"))
        later = shift(c, a.manager, r["id"], day(6))
        # The employee's first message is the shift made after publishing, not the draft one.
        assert employee.receive_json(timeout=5)["data"]["id"] == str(later["id"])
        assert planner.receive_json(timeout=5)["data"]["id"] == str(later["id"])


def closed_with(c: TestClient, path: str) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as closed:
        with c.websocket_connect(path) as ws:
            ws.receive_json(timeout=5)
    return closed.value.code, closed.value.detail


@pytest.mark.parametrize("path", ["/api/notifications/ws", "/api/scheduling/ws"])
def test_missing_invalid_and_revoked_tokens_are_refused_with_4401_and_the_reason(w: World, path: str) -> None:
    c, a = w.client, w.acme
    assert closed_with(c, path) == (4401, "Authentication required: pass the access token as"
                                    " ?token=<access_token>")
    assert closed_with(c, f"{path}?token=not-a-jwt") == (4401, "Invalid token")
    ok(c.put(f"/api/users/{a.colleague['id']}", json={"is_active": False}, headers=h(a.admin)))
    assert closed_with(c, f"{path}?token={a.colleague['token']}") == (
        4401, "User no longer exists or is deactivated")


def test_an_expired_token_is_refused_and_a_connection_is_closed_when_its_token_expires(
    tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    with seeded(tmp_path, request, token_ttl_seconds=2) as (c, container, world):
        user = container.identity.principal(world.acme.employee["id"])
        issued = int(time.time())
        expired = container.tokens.issue(_Claims(user, world.acme.employee["email"]), now=issued - 10)
        assert closed_with(c, f"/api/notifications/ws?token={expired}") == (4401, "Token has expired")
        fresh = container.tokens.issue(_Claims(user, world.acme.employee["email"]), now=issued)
        started = time.monotonic()
        assert closed_with(c, f"/api/notifications/ws?token={fresh}") == (4401, "Token has expired")
        assert 0.5 < time.monotonic() - started < 5


class _Claims:
    """What the token issuer reads off a user."""

    def __init__(self, principal: Any, email: str) -> None:
        self.id = principal.id
        self.email = email
        self.role = principal.role.value
        self.enterprise_id = principal.enterprise_id
        self.department_id = principal.department_id


# -- when projections announce -------------------------------------------------------


def test_changes_are_announced_after_their_batch_commits_and_never_by_a_rebuild(
    w: World, tmp_path: Path,
) -> None:
    c, a = w.client, w.acme
    january = publish_roster(c, a.manager, a.department_id, "January Ops")
    container: Container = c.app.state.container
    store = SqliteReadStore(tmp_path / "replica.sqlite3")
    heard: list[tuple[Change, bool]] = []

    def publish(changes: Any) -> None:
        # Read from another thread (another connection): only committed rows are visible.
        seen: list[bool] = []
        reader = threading.Thread(target=lambda: seen.append(_roster_row_exists(store, january["id"])))
        reader.start()
        reader.join()
        heard.extend((change, seen[0]) for change in changes)

    runner = CatchUpRunner(container.events, store, all_projections(),
                           announcers=announcers(store, container.events), publish=publish)
    runner.setup()
    runner.catch_up()
    events = {change.event for change, _ in heard}
    assert {"roster_updated", "new_notification"} <= events
    assert all(committed for _, committed in heard)
    [published] = [ch for ch, _ in heard if ch.event == "roster_updated" and ch.data["id"] == january["id"]]
    assert published.data == ok(c.get("/api/rosters", headers=h(a.employee)))["rosters"][0]
    assert f"department:{a.department_id}" in published.rooms

    heard.clear()
    runner.rebuild()
    assert heard == []
    stale = CatchUpRunner(container.events, SqliteReadStore(tmp_path / "stale.sqlite3"), all_projections(),
                          announcers=announcers(store, container.events), publish=publish, announce_within=0.0)
    stale.setup()
    stale.catch_up()
    assert heard == []  # a backlog is not news
    store.close()


def _roster_row_exists(store: SqliteReadStore, roster_id: int) -> bool:
    with store.read() as cur:
        cur.execute("SELECT status FROM rm_rosters WHERE id = ?", (roster_id,))
        row = cur.fetchone()
    store.close()
    return row is not None and row["status"] == "published"


def test_with_redis_down_commands_still_work_and_health_reports_the_gateway_reconnecting(
    tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    with seeded(tmp_path, request, redis_url="redis://127.0.0.1:1/0") as (c, _, world):
        january = roster(c, world.root, world.acme.department_id)
        ok(set_status(c, world.root, january["id"], "published"))
        deadline = time.monotonic() + 5
        while (health := c.get("/health")).json()["checks"]["realtime"] != "reconnecting":
            assert time.monotonic() < deadline, health.json()
            time.sleep(0.05)
        assert health.status_code == 503


# -- socket.io with a real client over a real socket -------------------------------------


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    app = create_app(settings, container)
    with in_thread(with_socketio(app)) as url:
        yield url
    container.close()


def test_socketio_clients_hear_the_four_server_events_and_can_mark_a_notification_read(served: str) -> None:
    with httpx.Client(base_url=served) as c:
        world = seed_world(c)  # type: ignore[arg-type]
        a = world.acme
        ok(c.put(f"/api/departments/{a.department_id}", json={"manager_id": a.manager["id"]},
                 headers=h(world.root)))
        asyncio.run(_socketio_session(c, served, world))


async def _socketio_session(c: httpx.Client, url: str, world: World) -> None:
    a = world.acme
    employee, manager, outsider = [await _listener(url, who) for who in (a.employee, a.manager, a.colleague)]
    r = await asyncio.to_thread(roster, c, a.manager, a.department_id)
    s = await asyncio.to_thread(shift, c, a.manager, r["id"], day(5))
    await manager.wait_for("roster_updated", lambda d: d["id"] == r["id"] and d["status"] == "draft")
    await asyncio.to_thread(lambda: ok(set_status(c, a.manager, r["id"], "published")))
    seen = await employee.wait_for("roster_updated", lambda d: d["id"] == r["id"])
    assert seen["status"] == "published"
    assert not [d for d in employee.events["roster_updated"] if d["status"] == "draft"]  # drafts are for planners
    note = await employee.wait_for("new_notification", lambda d: d["type"] == "roster_published")
    taken = await asyncio.to_thread(assigned, c, a.manager, s["id"], a.employee)
    mine = await employee.wait_for("shift_assigned", lambda d: d["id"] == taken["id"])
    assert mine["shift"]["id"] == s["id"] and mine["employee_id"] == a.employee["id"]
    await manager.wait_for("shift_assigned", lambda d: d["id"] == taken["id"])
    ack = await employee.client.call("notification_read", {"notification_id": note["id"]}, timeout=5)
    assert ack["success"] is True and ack["data"]["is_read"] is True
    inbox = await asyncio.to_thread(lambda: ok(c.get("/api/notifications", headers=h(a.employee))))
    assert [n["read_at"] is not None for n in inbox["notifications"] if n["id"] == note["id"]] == [True]
    for bad in ("x", 2**63, "9" * 5000, -1):
        refused = await employee.client.call("notification_read", {"notification_id": bad}, timeout=5)
        assert refused["success"] is False and refused["error"] == "validation_error", (bad, refused)
    assert outsider.events == {}  # another department heard nothing of it
    for listener in (employee, manager, outsider):
        await listener.client.disconnect()


class _Listener:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._arrived = asyncio.Event()
        for name in ("new_notification", "roster_updated", "shift_assigned", "swap_request"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: dict[str, Any]) -> None:
            self.events.setdefault(name, []).append(data)
            self._arrived.set()
        return record

    async def wait_for(self, name: str, matches: Any, timeout: float = 5) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [d for d in self.events.get(name, []) if matches(d)]
            if found:
                return found[-1]
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), deadline - asyncio.get_running_loop().time())


async def _listener(url: str, who: dict[str, Any]) -> _Listener:
    listener = _Listener()
    await listener.client.connect(url, auth={"token": who["token"]}, transports=["websocket"])
    return listener


def test_socketio_refuses_a_bad_token_with_the_reason(served: str) -> None:
    async def attempt() -> list[Any]:
        client = socketio.AsyncClient(reconnection=False)
        reasons: list[Any] = []
        client.on("connect_error", reasons.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(served, auth={"token": "forged"}, transports=["websocket"])
        return reasons

    assert asyncio.run(attempt()) == [{"message": "Invalid token"}]


def test_a_swap_request_notifies_its_target_and_not_the_rest_of_the_team(w: World) -> None:
    c, a = w.client, w.acme
    r, peer, mine, theirs = swap_setup(w)
    bystander = staff(c, w, "bystander")
    ok(set_status(c, a.manager, r["id"], "published"))
    with c.websocket_connect(f"/api/notifications/ws?token={peer['token']}") as target, \
            c.websocket_connect(f"/api/notifications/ws?token={bystander['token']}") as other:
        swap = ok(propose(c, a.employee, mine["id"], peer, theirs["id"]), 201)["swap_request"]
        note = target.receive_json(timeout=5)["data"]
        assert (note["type"], note["data"]["swap_request_id"]) == ("swap_request", swap["id"])
        # The bystander's first message is the roster published afterwards, not the swap.
        later = roster(c, a.manager, a.department_id, day(20), day(26), name="Later")
        ok(set_status(c, a.manager, later["id"], "published"))
        assert other.receive_json(timeout=5)["data"]["data"]["roster_id"] == later["id"]


def test_a_client_that_cannot_keep_up_is_disconnected_with_1013(
    tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    with seeded(tmp_path, request, realtime_queue_size=2) as (c, _, world):
        with pytest.raises(WebSocketDisconnect) as closed:
            with c.websocket_connect(f"/api/scheduling/ws?token={world.root['token']}") as ws:
                # One command, one batch: a week of generated shifts arrives at once, more
                # than the two messages this client may have waiting.
                roster(c, world.root, world.acme.department_id, auto_generate_shifts=True,
                       shift_template="standard_8hour", required_staff=1)
                while True:
                    ws.receive_json(timeout=5)
        assert (closed.value.code, closed.value.detail) == (
            1013, "Too slow: messages could not be delivered in time")


# -- the hub ---------------------------------------------------------------------------


def test_the_hub_offers_a_message_once_to_a_subscriber_in_several_of_its_rooms_and_flags_overflow() -> None:
    async def scenario() -> None:
        hub = Hub()
        manager, employee, stranger = (Subscriber(notification_frame, 2) for _ in range(3))
        hub.join(manager, ["user:1", "department:7", "department:7:planners"])
        hub.join(employee, ["user:2", "department:7"])
        hub.join(stranger, ["user:3", "department:8"])
        note = Message("new_notification", ("department:7", "department:7:planners"), {"id": 1})
        assert hub.dispatch(note) == 2
        assert (manager.queue.qsize(), employee.queue.qsize(), stranger.queue.qsize()) == (1, 1, 0)
        assert hub.dispatch(Message("scheduling.updated", ("department:7",), {})) == 0  # not this socket's event
        hub.dispatch(note)
        assert not manager.overflowed.is_set()
        hub.dispatch(note)
        assert manager.overflowed.is_set() and manager.queue.qsize() == 2
        hub.leave(manager)
        assert hub.dispatch(note) == 1 and len(hub) == 2

    asyncio.run(scenario())


def test_socketio_tells_a_client_its_token_expired_and_disconnects_it(
    tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    settings = settings_for("sqlite", tmp_path, request, token_ttl_seconds=2)
    container = build_container(settings)
    with in_thread(with_socketio(create_app(settings, container))) as url:
        with httpx.Client(base_url=url) as c:
            world = seed_world(c)  # type: ignore[arg-type]

        async def session() -> tuple[list[Any], float]:
            client = socketio.AsyncClient(reconnection=False)
            told: list[Any] = []
            gone = asyncio.Event()
            client.on("unauthorized", told.append)
            client.on("disconnect", lambda *_: gone.set())
            # Seeding took a moment of the token's two seconds: log in afresh.
            token = httpx.post(url + "/api/auth/login",
                               json={"email": world.acme.employee["email"], "password": PASSWORD}
                               ).json()["token"]
            started = time.monotonic()
            await client.connect(url, auth={"token": token}, transports=["websocket"])
            await asyncio.wait_for(gone.wait(), 10)
            return told, time.monotonic() - started

        told, lasted = asyncio.run(session())
    container.close()
    assert told == [{"message": "Token has expired"}]
    assert 0.5 < lasted < 6


def test_metrics_show_the_projections_lag_and_this_process_s_realtime_connections(w: World) -> None:
    c, a = w.client, w.acme
    with socket_of(c, "/api/notifications/ws", a.employee), socket_of(c, "/api/scheduling/ws", a.manager):
        text = c.get("/metrics").text
    gauges = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    assert gauges['schedulax_realtime_connections{kind="websocket"}'] == "2"
    assert gauges['schedulax_realtime_connections{kind="socketio"}'] == "0"
    head = int(gauges["schedulax_event_log_head"])
    assert head > 0
    assert gauges['schedulax_projection_position{projection="rostering"}'] == str(head)
    assert gauges['schedulax_projection_lag_events{projection="notifications"}'] == "0"
