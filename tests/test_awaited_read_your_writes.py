"""Commands wait for the projection workers on the event loop, woken by their NOTIFY.

The API runs with projection workers; the test plays the worker itself, with the API
container's own runner (which notifies the schema's tracking channel as a worker does),
so it decides when the read models move. A long RYW timeout turns any lost wake-up into
a 202 instead of a 201, which the assertions would catch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient

from infrastructure.channels import channel, tracking_channel
from infrastructure.settings import PostgresTarget
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import POSTGRES_URL, settings_for
from tests.support import PASSWORD, bearer, ok
from tests.test_projection_workers import wait_until

pytestmark = pytest.mark.postgres


def conninfo() -> str:
    return PostgresTarget.parse(POSTGRES_URL).conninfo()


@contextmanager
def worker(container: Container) -> Iterator[None]:
    """A projection worker in a thread: the read models follow every command meanwhile."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            container.runner.catch_up()
            stop.wait(0.01)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class Blocked:
    def wait_for(self, position: int) -> None:
        raise AssertionError("a command blocked its thread to wait for the read models")


@contextmanager
def api(tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
        **overrides: Any) -> Iterator[tuple[TestClient, Container]]:
    settings = settings_for("postgres", tmp_path, request, projection_workers=True,
                            read_your_writes_timeout=30.0, **overrides)
    container = build_container(settings)
    container.runner.setup()
    assert container.tracking is not None
    monkeypatch.setattr(container.tracking, "_blocking", Blocked())  # HTTP commands await on the loop
    try:
        with TestClient(create_app(settings, container)) as client:
            yield client, container
    finally:
        container.close()


def signed_in_root(client: TestClient, container: Container) -> dict[str, str]:
    with worker(container):
        ok(client.post("/api/auth/create-system-admin",
                       json={"full_name": "Root", "email": "root@x.test", "password": PASSWORD}), 201)
        token = ok(client.post("/api/auth/login", json={"email": "root@x.test", "password": PASSWORD}))["token"]
    return bearer(token)


def head(container: Container) -> int:
    return container.events.recorder.max_notification_id() or 0


def create_enterprises(client: TestClient, auth: dict[str, str], names: list[str]) -> tuple[ThreadPoolExecutor, list[Any]]:
    pool = ThreadPoolExecutor(len(names))
    return pool, [pool.submit(client.post, "/api/enterprises", json={"name": n}, headers=auth) for n in names]


def test_a_waiting_command_is_answered_when_the_worker_notifies_with_no_poll_to_help(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with api(tmp_path, request, monkeypatch, read_your_writes_poll=3600.0) as (client, container):
        auth = signed_in_root(client, container)
        before = head(container)
        pool, [answer] = create_enterprises(client, auth, ["Acme"])
        wait_until(lambda: head(container) > before, 10, "the command to be saved")
        assert not answer.done()  # saved, and waiting for the read models
        container.runner.catch_up()
        created = ok(answer.result(), 201)
        pool.shutdown()
        assert container.tracking is not None and container.tracking.notifications > 0
        listed = ok(client.get(f"/api/enterprises/{created['enterprise']['id']}", headers=auth))
        assert listed["enterprise"]["name"] == "Acme"


def test_sixteen_commands_wait_at_once_on_a_pool_of_two_threads_and_all_succeed(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with api(tmp_path, request, monkeypatch, thread_pool_size=2) as (client, container):
        auth = signed_in_root(client, container)
        before = head(container)
        names = [f"Firm {i}" for i in range(16)]
        pool, answers = create_enterprises(client, auth, names)
        # Every one saves while none is answered: none holds one of the two threads as it waits.
        wait_until(lambda: head(container) >= before + 16, 20, "all sixteen commands to be saved")
        assert not any(a.done() for a in answers)
        container.runner.catch_up()
        created = sorted(ok(a.result(), 201)["enterprise"]["name"] for a in answers)
        pool.shutdown()
        assert created == sorted(names)


def test_commands_are_answered_by_the_polling_fallback_when_notifications_are_lost_and_the_listener_dies(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with api(tmp_path, request, monkeypatch, read_your_writes_poll=0.05) as (client, container):
        auth = signed_in_root(client, container)
        monkeypatch.setattr(container.runner, "_notify", None)  # the worker's NOTIFY never arrives
        with psycopg.connect(conninfo(), autocommit=True) as admin:
            listener = f'LISTEN "{tracking_channel(container.settings.database_schema)}"'
            killed = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = %s",
                                   (listener,)).fetchall()
        assert killed == [(True,)]
        with worker(container):
            for name in ("Acme", "Globex"):
                assert ok(client.post("/api/enterprises", json={"name": name}, headers=auth), 201)


def test_each_schema_has_its_own_channels_so_a_save_in_one_wakes_no_listener_of_another(
    tmp_path: Path, request: pytest.FixtureRequest, pg_schema: str
) -> None:
    other = pg_schema + "_b"
    settings = settings_for("postgres", tmp_path, request)  # the API applies its own events, and notifies
    container = build_container(settings)
    try:
        table = container.events.recorder.events_table_name
        assert container.events.recorder.channel_name == channel(pg_schema, table)
        ours = [container.events.recorder.channel_name, tracking_channel(pg_schema)]
        theirs = [channel(other, table), tracking_channel(other)]
        assert not set(ours) & set(theirs)
        with psycopg.connect(conninfo(), autocommit=True) as mine, \
                psycopg.connect(conninfo(), autocommit=True) as elsewhere:
            for conn, names in ((mine, ours), (elsewhere, theirs)):
                for name in names:
                    conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(name)))
            container.identity.create_system_admin("Root", "root@x.test", PASSWORD)
            heard = {n.channel for n in mine.notifies(timeout=2, stop_after=2)}
            assert heard == set(ours)
            assert list(elsewhere.notifies(timeout=0.5)) == []
    finally:
        container.close()


def test_the_schema_stays_in_a_channel_name_too_long_for_postgres() -> None:
    long_a, long_b = "s" * 60 + "_a", "s" * 60 + "_b"
    assert len(tracking_channel(long_a)) <= 63
    assert tracking_channel(long_a) != tracking_channel(long_b)


def test_a_parked_projection_answers_waiting_commands_at_once_until_its_worker_commits_again() -> None:
    import asyncio

    from application.ports import ReadModelsBehind
    from infrastructure.tracked_positions import TrackedPositions

    table = ({"a": 5, "b": 5}, {"b": 5})  # b parked at 5
    positions = TrackedPositions("", "c", ["a", "b"], 30.0, lambda: table, Blocked())

    async def scenario() -> None:
        await positions.refresh()
        await positions.wait(5)  # reached, parked or not
        with pytest.raises(ReadModelsBehind):
            await positions.wait(6)
        await positions._notified("7 a,b")  # b's worker retried it and committed 7
        await positions.wait(7)
        waiting = asyncio.create_task(positions.wait(8))  # waited for again, not refused
        await asyncio.sleep(0)
        assert not waiting.done()
        await positions._notified("8 a,b")
        await waiting

    asyncio.run(scenario())
