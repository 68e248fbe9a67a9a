"""Staged rebuilds: the tables are built in a scratch database, then copied in at once.

On PostgreSQL every statement a handler makes is a round trip; in a private SQLite file
it is a function call, many times cheaper. The same handlers write both (the SQL is
portable), so the staged rows are the rows a live worker writes; the rebuild tests
compare them. The copy drops and recreates the tables and loads them (COPY on
PostgreSQL) inside the caller's transaction, which also moves the tracking position:
readers see the old tables until the new ones are complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from projections.base import Projection
from projections.sql import Cursor, ReadStore


class ScratchStore(ReadStore, Protocol):
    def table_rows(self, table: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """The table's columns and a stream of its rows (not a list: tables may be large)."""
        ...


Scratch = Callable[[], AbstractContextManager[ScratchStore]]
"""Opens an empty private database for one rebuild and discards it afterwards."""

STAGE_BATCH_SIZE = 10_000
"""Events per staged transaction: nobody waits on the scratch database, so batches are large."""


def copy_tables(scratch: ScratchStore, store: ReadStore, cur: Cursor, projection: Projection) -> int:
    """Replace the projection's tables in `store` (in `cur`'s transaction) with the scratch
    database's; the number of rows copied."""
    tables = projection.table_ddl()
    others = [s for s in projection.ddl if s not in tables]
    projection.drop_tables(cur)
    for statement in tables:
        cur.execute(statement)
    copied = 0
    for table in projection.tables():
        columns, rows = scratch.table_rows(table)
        counted = _Counted(rows)
        store.insert_rows(cur, table, columns, counted)
        copied += counted.count
    # Indexes after the rows: one sort per index instead of an insert per row into it.
    for statement in others:
        cur.execute(statement)
    return copied


class _Counted:
    """Passes rows through, counting them."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows, self.count = rows, 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for row in self._rows:
            self.count += 1
            yield row
