"""Which projection workers are alive: each holds a session advisory lock on its LISTEN connection.

A lock rather than a heartbeat: PostgreSQL releases it the moment the worker's connection
ends (the process killed, the network lost, the server restarted), with no clock, no
writes and no extra connection, and it is read from `pg_locks` in one statement. A
heartbeat would write every few seconds and need a staleness threshold to tell a dead
worker from a slow one. A worker that is alive but stuck still holds its lock; the lag
check of /health catches that one. The lock is shared, so two workers of one projection
(a second host during a deploy) both show as alive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def lock_prefix(schema: str) -> str:
    """Advisory locks are per database: the schema keeps deployments that share one apart."""
    return f"schedulax-worker:{schema}:"


def hold(conn: Any, schema: str, projection: str) -> None:
    """Take the worker's lock on `conn` (a session lock: it lasts as long as the connection)."""
    conn.execute("SELECT pg_advisory_lock_shared(hashtextextended(%s, 0))", (lock_prefix(schema) + projection,))


ALIVE = (
    "SELECT n.name FROM unnest(?::text[]) AS n(name) WHERE EXISTS ("
    " SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    # A bigint key shows as its high half in classid and its low half in objid.
    " AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(? || n.name, 0))"
)


def alive(cur: Any, schema: str, projections: Sequence[str]) -> set[str]:
    """The projections of `schema` whose worker holds its lock now (`cur`: a read-store cursor)."""
    cur.execute(ALIVE, (list(projections), lock_prefix(schema)))
    return {row["name"] for row in cur.fetchall()}
