"""A private in-memory SQLite read store, for read models that live as long as one request.

As-of replays a roster's events into one: nothing to write to disk, nothing left behind,
and SQLite in memory costs a function call per statement. The tables are created once per
process into a template and copied into each new store (`deserialize`), which is several
times faster than running the DDL again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from infrastructure.readstore import SqliteReadStore


class MemoryReadStore(SqliteReadStore):
    """One connection, used by one thread at a time (the request's), gone when closed."""

    def __init__(self, image: bytes | None = None) -> None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        if image is not None:
            conn.deserialize(image)
        conn.row_factory = lambda cur, row: {d[0]: v for d, v in zip(cur.description, row)}
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        self._durable = False
        self._conn = conn

    def _connection(self) -> sqlite3.Connection:
        return self._conn

    def image(self) -> bytes:
        """The whole database, to start another store from."""
        return self._conn.serialize()

    def close(self) -> None:
        self._conn.close()


class MemoryStores:
    """Opens empty in-memory stores already holding the tables `prepare` creates (a `Scratch`)."""

    def __init__(self, prepare: Callable[[MemoryReadStore], None]) -> None:
        self._prepare = prepare
        self._image: bytes | None = None
        self._lock = threading.Lock()

    def _template(self) -> bytes:
        with self._lock:
            if self._image is None:
                store = MemoryReadStore()
                try:
                    self._prepare(store)
                    self._image = store.image()
                finally:
                    store.close()
            return self._image

    @contextmanager
    def __call__(self) -> Iterator[MemoryReadStore]:
        store = MemoryReadStore(self._template())
        try:
            yield store
        finally:
            store.close()
