"""Read-model databases: a SQLite file (embedded default) or a PostgreSQL pool."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.rows import dict_row, tuple_row
from infrastructure.pgpool import pool
from infrastructure.settings import PostgresTarget


class SqliteReadStore:
    """One connection per thread (sqlite3 objects are not shared), WAL, explicit transactions."""

    dialect = "sqlite"

    def __init__(self, path: Path, durable: bool = True) -> None:
        """`durable=False`: a private scratch file that nobody else opens and nobody needs after
        a crash (no journal, no fsync)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._durable = durable
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            conn.row_factory = lambda cur, row: {d[0]: v for d, v in zip(cur.description, row)}
            if self._durable:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA synchronous=NORMAL")
            else:
                conn.execute("PRAGMA journal_mode=OFF")
                conn.execute("PRAGMA synchronous=OFF")
                conn.execute("PRAGMA cache_size=-65536")  # 64 MB of pages; the OS caches the rest
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self, bulk: bool = False) -> Iterator[sqlite3.Cursor]:
        conn = self._connection()
        # IMMEDIATE takes the write lock now: writers queue instead of failing late.
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.cursor()
        # Writers are the projections' handlers, which read a few columns of a row by name:
        # sqlite3.Row does that in C, about 2 us a row cheaper than building a dict.
        cur.row_factory = sqlite3.Row
        try:
            yield cur
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def held(self) -> Iterator[None]:
        """As `PostgresReadStore.held`: here every read of a thread has its connection already."""
        yield

    @contextmanager
    def read(self, tuples: bool = False) -> Iterator[sqlite3.Cursor]:
        """`tuples`: rows as plain tuples in the order of the SELECT, not dicts (for readers of
        many rows, such as exports: building a dict per row costs more than reading it)."""
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            cur = conn.cursor()
            if tuples:
                cur.row_factory = None
            yield cur
        finally:
            conn.execute("ROLLBACK")

    def insert_rows(self, cur: sqlite3.Cursor, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> None:
        """Many rows at once, inside a `write()`."""
        marks = ", ".join("?" for _ in columns)
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def table_rows(self, table: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """A table's columns and a stream of its rows as plain tuples, in a read of its own.

        A staged rebuild copies its scratch tables out this way: building a dict per row,
        as `read()` does, cost a third of the time of copying a large table."""
        cur = self._connection().cursor()
        cur.row_factory = None
        cur.execute(f"SELECT * FROM {table}")
        return [d[0] for d in cur.description], cur

    def next_id(self, kind: str) -> int:
        table = _sequence_name(kind)
        with self.write() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY AUTOINCREMENT)"
            )
            cur.execute(f"INSERT INTO {table} DEFAULT VALUES")
            number = int(cur.lastrowid)
            cur.execute(f"DELETE FROM {table} WHERE id < ?", (number,))
        return number

    def ping(self, timeout: float | None = None) -> None:
        with self.read() as cur:
            cur.execute("SELECT 1")

    @staticmethod
    def is_connection_error(error: BaseException) -> bool:
        return isinstance(error, (sqlite3.OperationalError, sqlite3.InterfaceError))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


STAGE_PREFIX = "schedulax-stage-"


@contextmanager
def scratch_store() -> Iterator[SqliteReadStore]:
    """A private SQLite file for one staged rebuild, deleted afterwards (also on failure)."""
    remove_abandoned_stages()
    with tempfile.TemporaryDirectory(prefix=f"{STAGE_PREFIX}{os.getpid()}-") as folder:
        store = SqliteReadStore(Path(folder) / "stage.sqlite3", durable=False)
        try:
            yield store
        finally:
            store.close()


def remove_abandoned_stages(folder: Path | None = None) -> list[Path]:
    """Delete the scratch folders of processes that no longer run; the ones deleted.

    A rebuild killed by SIGKILL or the OOM killer cannot delete its own, and a rebuild's
    scratch file holds every row of its tables: a crash loop would fill the disk.
    """
    removed = []
    for path in (folder or Path(tempfile.gettempdir())).glob(f"{STAGE_PREFIX}*"):
        owner = path.name[len(STAGE_PREFIX):].split("-")[0]
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class _PgCursor:
    """Adapts `?` placeholders to psycopg's `%s`.

    Each statement gets a cursor of its own: in pipeline mode, psycopg 3.3 hands a fetch on
    one cursor the result of an earlier statement once more than a few are queued on it.
    """

    def __init__(self, conn: psycopg.Connection[Any], tuples: bool = False) -> None:
        self._conn = conn
        self._last: Any = None
        self._rows: Any = tuple_row if tuples else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._last = self._conn.cursor(row_factory=self._rows) if self._rows else self._conn.cursor()
        return self._last.execute(_pg_sql(sql), tuple(params))

    def fetchone(self) -> dict[str, Any] | None:
        return self._last.fetchone()

    def fetchall(self) -> list[dict[str, Any]]:
        return self._last.fetchall()

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        # COPY moves a row in a few microseconds, an INSERT in a round trip.
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
        )
        with self._conn.cursor().copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


@lru_cache(maxsize=2048)
def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


_HELD: ContextVar[tuple[object, psycopg.Connection[Any]] | None] = ContextVar("schedulax_held_read", default=None)
"""The store and the connection its reads use inside a `PostgresReadStore.held` block (per greenlet)."""


class PostgresReadStore:
    dialect = "postgres"

    def __init__(self, target: PostgresTarget, schema: str, pool_size: int, timeout: float = 1.0) -> None:
        """No DDL here: `schedulax migrate` creates the schema. `timeout`: seconds to wait for a
        connection before raising PoolTimeout (answered 503)."""
        self._schema = schema
        self._pool = pool(
            target.conninfo(),
            max_size=pool_size,
            timeout=timeout,
            # Autocommit: a read is one round trip per statement, with no BEGIN and COMMIT
            # around it; writes open their transaction explicitly.
            kwargs={"row_factory": dict_row, "options": f"-c search_path={schema}", "autocommit": True},
        )

    @contextmanager
    def write(self, bulk: bool = False) -> Iterator[_PgCursor]:
        """`bulk`: for `insert_rows` (COPY), which pipeline mode does not allow."""
        with self._pool.connection() as conn:
            if bulk:
                with conn.transaction():
                    yield _PgCursor(conn)
                return
            # Pipeline mode: statements whose results nobody fetches go out without waiting for
            # a round trip each; a fetch (or the commit) syncs. A projection batch is mostly such
            # writes, so this cuts its round trips to the reads it really makes.
            with conn.pipeline(), conn.transaction():
                yield _PgCursor(conn)

    def insert_rows(self, cur: _PgCursor, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> None:
        """Many rows at once, inside a `write(bulk=True)`."""
        cur.copy_rows(table, columns, rows)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Every `read()` inside the block takes the same pooled connection, checked out once.

        A hot read reads the caller's row, then its answer: two checkouts of the pool, and each
        return hands a task to the pool's worker thread (its `reset` hook), about 40 us of CPU a
        time. Statements still autocommit one by one, so what each sees is what it saw on two
        connections. Only for blocks that never suspend (`infrastructure.suspend`): reads.
        """
        if _HELD.get() is not None:
            yield
            return
        with self._pool.connection() as conn:
            token = _HELD.set((self, conn))
            try:
                yield
            finally:
                _HELD.reset(token)

    @contextmanager
    def read(self, tuples: bool = False) -> Iterator[_PgCursor]:
        """Each statement sees every committed batch (READ COMMITTED, statement by statement):
        the projections commit whole batches, so a statement never sees half of one.
        `tuples`: rows as plain tuples in the order of the SELECT, not dicts."""
        held = _HELD.get()
        if held is not None and held[0] is self:
            yield _PgCursor(held[1], tuples)
            return
        with self._pool.connection() as conn:
            yield _PgCursor(conn, tuples)

    def next_id(self, kind: str) -> int:
        name = _sequence_name(kind)
        with self._pool.connection() as conn:
            try:
                row = conn.execute(f"SELECT nextval('{name}') AS n").fetchone()
            except psycopg.errors.UndefinedTable:
                conn.rollback()
                with conn.transaction():
                    # Concurrent CREATE ... IF NOT EXISTS can still collide; serialise it.
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext('schedulax-ddl'))")
                    conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")
                row = conn.execute(f"SELECT nextval('{name}') AS n").fetchone()
            conn.commit()
        return int(row["n"])

    def ping(self, timeout: float | None = None) -> None:
        """`timeout`: seconds to wait for a connection, if shorter than the pool's."""
        with self._pool.connection(timeout=timeout) as conn:
            conn.execute("SELECT 1")

    @staticmethod
    def is_connection_error(error: BaseException) -> bool:
        # A statement that failed in a pipeline aborts the rest of it: the SQL's fault, not the link's.
        return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)) and not isinstance(
            error, psycopg.errors.PipelineAborted)

    def close(self) -> None:
        self._pool.close()


def _sequence_name(kind: str) -> str:
    if not re.fullmatch(r"[a-z_]+", kind):
        raise ValueError(f"bad sequence kind {kind!r}")
    return f"seq_{kind}"
