"""socket.io as a JavaScript client sees it: `tests/js/client.mjs` (socket.io-client 4 on
Node) driven through subprocesses against real API processes.

The client prints one JSON line per happening (`open`, `upgrade`, `connect`, `ready`,
`connected`, each server event, `ack`, `connect_error`, `timeout`) and exits after a given number
of server events other than the `connected` greeting.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrastructure.settings import Settings
from interfaces.container import build_container
from interfaces.http.app import create_app
from interfaces.realtime.asgi import with_socketio
from tests.conftest import POSTGRES_URL
from tests.live import api_process, in_thread, projection_workers, server_env
from tests.node_tools import JS, node  # noqa: F401 - the fixture
from tests.support import PASSWORD, Tenant, bearer, seed_tenant

TIMEOUT = 20  # seconds a Node client waits for what it expects


class NodeClient:
    def __init__(self, node: str, url: str, token: str, *options: str) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [node, str(JS / "client.mjs"), url, "--token", token, "--timeout", str(TIMEOUT), *options],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True,
        )
        self.watchdog = threading.Timer(TIMEOUT + 10, self.process.kill)  # should it ever hang
        self.watchdog.start()
        self.lines: list[dict[str, Any]] = []

    def _line(self, raw: str) -> dict[str, Any]:
        self.lines.append(json.loads(raw))
        return self.lines[-1]

    def wait_ready(self) -> list[dict[str, Any]]:
        """Lines up to `ready` (connected: the server has put it in its rooms)."""
        for raw in self.process.stdout:  # type: ignore[union-attr]
            if self._line(raw)["event"] == "ready":
                return self.lines
        pytest.fail(f"Node client never got ready: {self.lines} {self.errors()}")

    def finish(self) -> list[dict[str, Any]]:
        """Every line, once the client has exited (it has what it waited for, or timed out)."""
        for raw in self.process.stdout:  # type: ignore[union-attr]
            self._line(raw)
        code = self.process.wait(timeout=10)
        assert code == 0, f"exit {code}: {self.lines}\n{self.errors()}"
        return self.lines

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def received(self) -> list[tuple[str, dict[str, Any]]]:
        meta = {"open", "upgrade", "connect", "ready", "connected", "ack"}
        return [(line["event"], line["data"]) for line in self.finish() if line["event"] not in meta]

    def close(self) -> None:
        self.watchdog.cancel()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdout.close()  # type: ignore[union-attr]
        self.stderr.close()


@contextmanager
def clients(node: str) -> Iterator[Any]:
    started: list[NodeClient] = []

    def start(url: str, token: str, *options: str) -> NodeClient:
        started.append(NodeClient(node, url, token, *options))
        return started[-1]

    try:
        yield start
    finally:
        for client in started:
            client.close()


def accepted(response: httpx.Response) -> dict[str, Any]:
    """200, or 202 when the projection workers had not caught up in time."""
    assert response.status_code in (200, 201, 202), f"{response.status_code}: {response.text}"
    return response.json()


def seed(http: httpx.Client) -> Tenant:
    """An enterprise: a department with its manager and employee, and another department
    with an employee (`colleague`); its admin plans both."""
    root = accepted(http.post("/api/auth/create-system-admin", json={
        "full_name": "Root", "email": "root@system.test", "password": PASSWORD}))
    return seed_tenant(http, root["token"], "Acme")  # type: ignore[arg-type]


def publish_roster(http: httpx.Client, planner: dict[str, Any], department_id: int, name: str) -> int:
    created = accepted(http.post("/api/rosters", headers=bearer(planner["token"]), json={
        "name": name, "department_id": department_id, "start_date": "2026-01-01", "end_date": "2026-01-31"}))
    roster_id = int(created["roster"]["id"])
    accepted(http.patch(f"/api/rosters/{roster_id}/status", json={"status": "published"},
                        headers=bearer(planner["token"])))
    return roster_id


@contextmanager
def embedded_server(tmp_path: Path) -> Iterator[str]:
    """The embedded default (SQLite, projections in the process), served in a thread."""
    settings = Settings(data_dir=tmp_path / "data", bcrypt_rounds=4, rate_limit_enabled=False,
                        jwt_secret="node-secret-" + "x" * 32)
    container = build_container(settings)
    try:
        with in_thread(with_socketio(create_app(settings, container))) as url:
            yield url
    finally:
        container.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_a_roster_published_through_one_api_process_reaches_its_department_on_another_and_no_other_department(
    node: str, tmp_path: Path, pg_schema: str, redis_url: str
) -> None:
    env = server_env(tmp_path, database_url=POSTGRES_URL, database_schema=pg_schema,
                     redis_url=redis_url, jwt_secret="node-secret-" + "x" * 32)
    with ExitStack() as stack:
        stack.enter_context(projection_workers(env, tmp_path / "workers.log"))
        a = stack.enter_context(api_process(env, tmp_path / "a.log"))
        b = stack.enter_context(api_process(env, tmp_path / "b.log"))
        http = stack.enter_context(httpx.Client(base_url=b, timeout=15))
        start = stack.enter_context(clients(node))
        acme = seed(http)
        employee = start(a, acme.employee["token"], "--events", "2")
        colleague = start(a, acme.colleague["token"], "--events", "2")
        assert employee.wait_ready() == [{"event": "open", "transport": "websocket"},
                                         {"event": "connect", "transport": "websocket"}, {"event": "ready"}]
        colleague.wait_ready()

        ops = publish_roster(http, acme.manager, acme.department_id, "Ops January")
        heard = employee.received()
        # Its first two events: the draft (planners only) came before and was not heard.
        assert sorted(event for event, _ in heard) == ["new_notification", "roster_updated"], heard
        roster = dict(heard)["roster_updated"]
        assert (roster["id"], roster["status"], roster["department_id"]) == (ops, "published", acme.department_id)
        notification = dict(heard)["new_notification"]
        assert notification["type"] == "roster_published" and notification["data"]["roster_id"] == ops
        assert notification["is_read"] is False and notification["read_at"] is None

        # Ordering proof: had the colleague heard of `ops`, it would have before this.
        sales = publish_roster(http, acme.admin, acme.other_department_id, "Sales January")
        heard = colleague.received()
        assert sorted(event for event, _ in heard) == ["new_notification", "roster_updated"], heard
        assert (dict(heard)["roster_updated"]["id"], dict(heard)["roster_updated"]["status"]) == (sales, "published")
        assert dict(heard)["new_notification"]["type"] == "roster_published"
        assert dict(heard)["new_notification"]["data"]["roster_id"] == sales


def test_a_bad_or_missing_token_is_refused_with_a_connect_error_that_names_the_token(
    node: str, tmp_path: Path
) -> None:
    with embedded_server(tmp_path) as url, clients(node) as start:
        forged = start(url, "not.a.jwt")
        missing = start(url, "", "--transport", "default")  # polling's handshake too
        for client, reason in [(forged, "Invalid token"), (missing, "Authentication required")]:
            lines = [json.loads(line) for line in client.process.stdout]  # type: ignore[union-attr]
            assert client.process.wait(timeout=10) == 2, lines
            # engine.io let it in (polling may upgrade meanwhile); socket.io's CONNECT did not.
            lines = [line for line in lines if line["event"] != "upgrade"]
            assert [line["event"] for line in lines] == ["open", "connect_error"], lines
            assert reason in lines[1]["message"] and "token" in lines[1]["message"].lower()


def test_notification_read_sent_from_node_marks_the_notification_read_for_the_rest_api(
    node: str, tmp_path: Path
) -> None:
    with embedded_server(tmp_path) as url, clients(node) as start, httpx.Client(base_url=url, timeout=15) as http:
        acme = seed(http)
        # The default transport: long-polling first, then the upgrade to a websocket.
        employee = start(url, acme.employee["token"], "--transport", "default", "--events", "1",
                         "--read", "auto")
        lines = {line["event"]: line for line in employee.wait_ready()}
        assert set(lines) == {"open", "connect", "upgrade", "ready"}  # connect and upgrade race
        assert (lines["open"]["transport"], lines["upgrade"]["transport"]) == ("polling", "websocket")

        publish_roster(http, acme.manager, acme.department_id, "Ops January")
        lines = employee.finish()
        notification = next(line["data"] for line in lines if line["event"] == "new_notification")
        # What a browser client reads: the envelope, and the same fields at the top level.
        assert notification["notification"]["read_at"] is None and notification["timestamp"].endswith("Z")
        assert notification["notification"]["id"] == notification["id"]
        greeting = next(line["data"] for line in lines if line["event"] == "connected")
        assert greeting["user_id"] == acme.employee["id"]
        ack = next(line["data"] for line in lines if line["event"] == "ack")
        assert ack["success"] is True, ack
        assert ack["data"]["id"] == notification["id"] and ack["data"]["read_at"]

        inbox = accepted(http.get("/api/notifications", headers=bearer(acme.employee["token"])))
        listed = {n["id"]: n for n in inbox["notifications"]}
        assert listed[notification["id"]]["read_at"] == ack["data"]["read_at"]
        assert listed[notification["id"]]["is_read"] is True
