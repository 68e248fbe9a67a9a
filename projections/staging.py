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
from typing import Any

from projections.base import Projection
from projections.sql import Cursor, ReadStore

Scratch = Callable[[], AbstractContextManager[ReadStore]]
"""Opens an empty private database for one rebuild and discards it afterwards."""

STAGE_BATCH_SIZE = 10_000
"""Events per staged transaction: nobody waits on the scratch database, so batches are large."""


def copy_tables(scratch: ReadStore, store: ReadStore, cur: Cursor, projection: Projection) -> int:
    """Replace the projection's tables in `store` (in `cur`'s transaction) with the scratch
    database's; the number of rows copied."""
    tables = projection.table_ddl()
    others = [s for s in projection.ddl if s not in tables]
    projection.drop_tables(cur)
    for statement in tables:
        cur.execute(statement)
    copied = [0]
    with scratch.read() as source:
        for table in projection.tables():
            columns, rows = _all_rows(source, table, copied)
            store.insert_rows(cur, table, columns, rows)
    # Indexes after the rows: one sort per index instead of an insert per row into it.
    for statement in others:
        cur.execute(statement)
    return copied[0]


def _all_rows(source: Cursor, table: str, counter: list[int]) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """The table's columns and a stream of its rows (not a list: tables may be large)."""
    source.execute(f"SELECT * FROM {table}")
    columns = [d[0] for d in source.description]  # type: ignore[attr-defined]

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in source:  # type: ignore[attr-defined]
            counter[0] += 1
            yield tuple(row.values())

    return columns, rows()
