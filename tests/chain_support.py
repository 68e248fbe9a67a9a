"""The hash chain as an auditor would recompute it, and the event store's rows read and written
straight through the database drivers (as an auditor's tool, or an attacker, would), for the
chain's tests. Nothing here uses the product's readers or its hashing code."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from litestar.testing import TestClient

from infrastructure.settings import PostgresTarget, Settings
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import World, bearer, ok, seed_world

ZERO = bytes(32)


def documented_link(previous: bytes, position: int, aggregate: UUID, version: int, topic: str,
                    state: bytes) -> bytes:
    """docs/audit.md, "Proving the log was not altered", written out byte by byte."""
    topic_bytes = topic.encode("utf-8")
    return hashlib.sha256(
        previous
        + position.to_bytes(8, "big", signed=True)
        + aggregate.bytes
        + version.to_bytes(8, "big", signed=True)
        + len(topic_bytes).to_bytes(4, "big")
        + topic_bytes
        + len(state).to_bytes(8, "big")
        + bytes(state)
    ).digest()


def documented_chain(rows: Sequence[tuple[int, UUID, int, str, bytes]]) -> dict[int, str]:
    """Each position's link (hex), from (position, aggregate id, version, topic, state) rows in order."""
    links, previous = {}, ZERO
    for row in rows:
        previous = documented_link(previous, *row)
        links[row[0]] = previous.hex()
    return links


@contextmanager
def event_table(settings: Settings) -> Iterator[tuple[Any, str, str]]:
    """A connection to the event store's database, the events table's name and its id column;
    committed on leaving."""
    if settings.backend == "postgres":
        target = PostgresTarget.parse(settings.database_url)
        with psycopg.connect(target.conninfo(), autocommit=True) as conn:
            yield conn, f"{settings.database_schema}.schedulax_events", "notification_id"
    else:
        conn = sqlite3.connect(settings.data_dir / "events.sqlite3", isolation_level=None)
        try:
            yield conn, "stored_events", "rowid"
        finally:
            conn.close()


def raw_rows(settings: Settings) -> list[tuple[int, UUID, int, str, bytes]]:
    """Every stored event, in the order of its position, as the database holds it."""
    with event_table(settings) as (conn, table, id_column):
        rows = conn.execute(f"SELECT {id_column}, originator_id, originator_version, topic, state FROM {table}"
                            f" ORDER BY {id_column}").fetchall()
    return [(int(p), a if isinstance(a, UUID) else UUID(a), int(v), t, bytes(s)) for p, a, v, t, s in rows]


def execute(settings: Settings, statement: str, params: Sequence[Any] = ()) -> None:
    """One statement on the events table (`{table}` and `{id}` name it and its id column; `?`
    marks parameters on either database)."""
    with event_table(settings) as (conn, table, id_column):
        sql = statement.format(table=table, id=id_column)
        conn.execute(sql.replace("?", "%s") if settings.backend == "postgres" else sql, tuple(params))


def insert_row(settings: Settings, position: int, aggregate: UUID, version: int, topic: str, state: bytes) -> None:
    """A stored event at `position`, its aggregate id spelt as the store spells it."""
    spelt = aggregate if settings.backend == "postgres" else aggregate.hex
    execute(settings, "INSERT INTO {table} ({id}, originator_id, originator_version, topic, state)"
            " VALUES (?, ?, ?, ?, ?)", (position, spelt, version, topic, state))


def stored_links(container: Container) -> dict[int, str]:
    with container.store.read() as cur:
        cur.execute("SELECT position, hash FROM audit_chain ORDER BY position")
        return {int(row["position"]): row["hash"] for row in cur.fetchall()}


def digest(client: TestClient, token: str) -> dict[str, Any]:
    return ok(client.get("/api/audit/digest", headers=bearer(token)))


def verify(client: TestClient, token: str, sequence: int, hash_: str) -> dict[str, Any]:
    return ok(client.post("/api/audit/verify", json={"sequence": sequence, "hash": hash_}, headers=bearer(token)))


@dataclass
class Audited:
    settings: Settings
    container: Container
    client: TestClient
    world: World

    def caught_up(self) -> None:
        """Logins save events without waiting for the projections: link them too."""
        self.container.runner.catch_up()

    @property
    def root(self) -> str:
        return self.world.root["token"]


def audited(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Audited]:
    settings = settings_for(backend, tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            world = seed_world(client)
            # A command with an idempotency key: its key is an event of its own topic.
            ok(client.post("/api/enterprises", json={"name": "Keyed"},
                           headers={**bearer(world.root["token"]), "Idempotency-Key": "keyed-1"}), 201)
            found = Audited(settings, container, client, world)
            found.caught_up()
            yield found
    finally:
        container.close()
