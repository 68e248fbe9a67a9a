"""`schedulax migrate`: the schema, the event store's tables and the read models' tables,
created once per deploy rather than by every process at every start.

On PostgreSQL the migration runs under a session advisory lock (one per schema), so two
processes never run DDL together, and records a fingerprint of the schema it built in
`schedulax_schema`. `serve` runs it before starting anything; every other process reads
the fingerprint with one SELECT when it starts and migrates only when it differs from
its own code's (a deploy whose `migrate` has not run yet, a fresh schema in a test).
A projection whose `version` changed is not migrated here: its workers rebuild it,
staged, and swap it in (a rebuild, not start-up DDL).

The embedded default (SQLite, `memory://`) migrates in-process when its container is
built, as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib.metadata import version

import psycopg
from psycopg import sql

from application.events import SchedulaX
from infrastructure.budget import Pools
from infrastructure.blob_postgres import BLOBS_DDL
from infrastructure.kept_responses import IDEMPOTENT_RESPONSES_DDL
from infrastructure.readstore import PostgresReadStore, SqliteReadStore
from infrastructure.settings import PostgresTarget, Settings
from interfaces.container import all_projections, open_event_store, read_store
from projections.parking import PARK_COLUMNS
from projections.runner import CatchUpRunner
from projections.schema import TRACKING
from projections.webhook_outbox import DELIVERIES_DDL

EXTRA_DDL: tuple[Sequence[str], ...] = (IDEMPOTENT_RESPONSES_DDL, BLOBS_DDL, DELIVERIES_DDL)
"""Read-store DDL of features that are not projections (each statement idempotent: IF NOT
EXISTS), run in order by every migration after the projections' tables; a change to any of
them changes the fingerprint, so the next start of any process migrates."""

SCHEMA_TABLE = (
    "CREATE TABLE IF NOT EXISTS schedulax_schema (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " fingerprint TEXT NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)

# The tracking table is the read side's anchor: a schema whose read models were dropped by
# hand (`projections_tracking` with them) reads as never migrated.
RECORDED = "SELECT fingerprint FROM schedulax_schema WHERE to_regclass('projection_tracking') IS NOT NULL"

MIGRATION_POOLS = Pools(read_models=1, event_store=1)


def fingerprint() -> str:
    """A digest of every statement a migration runs, as this code would run them."""
    # "snapshots": the event store's snapshot table (application.snapshots) came with it.
    parts = [f"eventsourcing {version('eventsourcing')}", SchedulaX.name, "snapshots", TRACKING, repr(PARK_COLUMNS), SCHEMA_TABLE]
    for projection in all_projections():
        parts += [projection.name, str(projection.version), *projection.ddl]
    for statements in EXTRA_DDL:
        parts += list(statements)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def recorded(store: PostgresReadStore) -> str | None:
    """The fingerprint of the schema's last migration; None when it was never migrated."""
    try:
        with store.read() as cur:
            cur.execute(RECORDED)
            row = cur.fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return str(row["fingerprint"]) if row else None


def ensure_migrated(settings: Settings, store: PostgresReadStore | SqliteReadStore) -> bool:
    """One SELECT; the migration only when the schema is behind this code. Whether it ran."""
    if settings.backend != "postgres" or recorded(store) == fingerprint():  # type: ignore[arg-type]
        return False
    return migrate(settings)


def migrate(settings: Settings, force: bool = False) -> bool:
    """Create whatever is missing, under the lock; whether any DDL ran.

    `force`: run every statement again even if the recorded fingerprint is current (an index
    dropped by hand). On the embedded default, the tables of the SQLite files.
    """
    if settings.backend != "postgres":
        return _migrate_embedded(settings)
    target = PostgresTarget.parse(settings.database_url)
    wanted = fingerprint()
    with psycopg.connect(target.conninfo(), autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                     (f"schedulax-migrate:{settings.database_schema}",))
        store = read_store(settings, MIGRATION_POOLS)
        try:
            if not force and recorded(store) == wanted:
                return False  # another process migrated while this one waited for the lock
            lock.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(settings.database_schema)))
            events = open_event_store(settings, MIGRATION_POOLS, create_tables=True)
            try:
                CatchUpRunner(events, store, all_projections()).setup(reset=False)
            finally:
                events.close()
            with store.write() as cur:
                _extra_ddl(cur)
                cur.execute(SCHEMA_TABLE)
                cur.execute("INSERT INTO schedulax_schema (id, fingerprint) VALUES (1, ?) ON CONFLICT (id)"
                            " DO UPDATE SET fingerprint = excluded.fingerprint, migrated_at = now()", (wanted,))
        finally:
            store.close()
    return True


def _migrate_embedded(settings: Settings) -> bool:
    if settings.backend == "memory":
        return False  # nothing outlives the process: each builds its own at start
    store = read_store(settings)
    events = open_event_store(settings, create_tables=True)
    try:
        migrate_in_process(settings, store, CatchUpRunner(events, store, all_projections()))
    finally:
        store.close()
        events.close()
    return True


def migrate_in_process(settings: Settings, store: SqliteReadStore | PostgresReadStore,
                       runner: CatchUpRunner) -> list[str]:
    """The embedded default migrates its own store when its container is built (memory:// has
    no other); the projections it reset for a changed version, as `CatchUpRunner.setup`."""
    reset = runner.setup(reset=not settings.uses_projection_workers)
    with store.write() as cur:
        _extra_ddl(cur)
    return reset


def _extra_ddl(cur: object) -> None:
    for statements in EXTRA_DDL:
        for statement in statements:
            cur.execute(statement)  # type: ignore[attr-defined]
