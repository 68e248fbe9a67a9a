"""The read-model database as the projections see it (SQLite or PostgreSQL behind it).

SQL is written once with `?` placeholders and portable syntax; the store adapts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from domain.timeslots import iso

__all__ = ["Cursor", "ReadStore", "Row", "add_given", "iso", "like_pattern", "many", "one"]


Row = Mapping[str, Any]
"""A row read by column name: a dict, or on a SQLite write cursor an `sqlite3.Row`
(no `.get` or `.items`; index it by name, or copy it with `dict(row)`)."""


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...


class ReadStore(Protocol):
    dialect: str
    """`sqlite` or `postgres`."""

    def write(self, bulk: bool = False) -> AbstractContextManager[Cursor]:
        """A write transaction, committed on success, serialised with other writers.

        `bulk`: one that calls `insert_rows`."""
        ...

    def insert_rows(self, cur: Cursor, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> None:
        """Many rows at once (COPY on PostgreSQL), inside a `write(bulk=True)`."""
        ...

    def read(self, tuples: bool = False) -> AbstractContextManager[Cursor]:
        """A read: one snapshot on SQLite; on PostgreSQL each statement sees what is committed
        when it starts (projections commit whole batches, so never half of one). Rows are dicts,
        or with `tuples` plain tuples in the order of the SELECT (cheaper for many rows)."""
        ...

    def is_connection_error(self, error: BaseException) -> bool:
        """Whether `error` is the database's (a lost connection, a locked file), not the SQL's:
        a projection is not parked for it, the batch is retried."""
        ...


def like_pattern(term: str) -> str:
    """A case-insensitive `contains` pattern for `lower(col) LIKE ? ESCAPE '\\'`."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def one(cur: Cursor, sql: str, *params: Any) -> Row | None:
    """The first row the statement returns, or None."""
    cur.execute(sql, params)
    return cur.fetchone()


def many(cur: Cursor, sql: str, *params: Any) -> list[Row]:
    """Every row the statement returns."""
    cur.execute(sql, params)
    return cur.fetchall()


def add_given(where: list[str], params: list[Any], *clauses: tuple[str, Any]) -> None:
    """Append each `(condition with one ?, value)` whose value was given (not None or empty)."""
    for condition, value in clauses:
        if value is not None and value != "":
            where.append(condition)
            params.append(value)
