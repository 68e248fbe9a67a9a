"""Stored events by position or by aggregate (`application.stored_events.StoredEvents`).

On PostgreSQL and SQLite one statement each, on the event table's own indexes (the unique
index on `notification_id`, the rowid, and the primary key on the aggregate id); on the
in-memory store, which has no such query, a scan of the log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from application.event_log import EventLog, LoggedEvent
from application.stored_events import StoredEvents
from infrastructure.event_log import event_log

SQLITE_CHUNK = 900
"""Positions or ids per SQLite statement, below its limit on bound parameters."""


class PostgresStoredEvents:
    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        table = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        columns = SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {}").format(table)
        self._at = columns + SQL(" WHERE notification_id = ANY(%s) ORDER BY notification_id")
        self._of = columns + SQL(" WHERE originator_id = ANY(%s) AND notification_id <= %s ORDER BY notification_id")

    def at(self, positions: Sequence[int]) -> Sequence[LoggedEvent]:
        return self._fetch(self._at, (list(positions),)) if positions else []

    def of(self, aggregates: Collection[UUID], stop: int) -> Sequence[LoggedEvent]:
        return self._fetch(self._of, (list(aggregates), stop)) if aggregates else []

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the recorder's
    def _fetch(self, statement: Any, params: tuple[Any, ...]) -> list[LoggedEvent]:
        with self._datastore.get_connection() as conn, conn.cursor(binary=True, row_factory=_logged) as cur:
            cur.execute(statement, params)
            return cur.fetchall()


def _logged(_cursor: Any) -> Any:
    return LoggedEvent._make


class SqliteStoredEvents:
    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self._recorder = recorder
        self._columns = f"SELECT rowid, originator_id, originator_version, topic, state FROM {recorder.events_table_name}"

    def at(self, positions: Sequence[int]) -> Sequence[LoggedEvent]:
        return self._chunked("rowid IN ({})", list(positions), ())

    def of(self, aggregates: Collection[UUID], stop: int) -> Sequence[LoggedEvent]:
        return self._chunked("originator_id IN ({}) AND rowid <= ?", [a.hex for a in aggregates], (stop,))

    def _chunked(self, where: str, values: list[Any], tail: tuple[Any, ...]) -> list[LoggedEvent]:
        found: list[LoggedEvent] = []
        convert = self._recorder.convert_originator_id
        ids: dict[str, UUID] = {}  # an aggregate's events share its id: parse it once
        with self._recorder.datastore.transaction(commit=False) as cur:
            for start in range(0, len(values), SQLITE_CHUNK):
                chunk = values[start:start + SQLITE_CHUNK]
                cur.execute(f"{self._columns} WHERE {where.format(', '.join('?' * len(chunk)))}",
                            (*chunk, *tail))
                for row in cur.fetchall():
                    originator = ids.get(row[1]) or ids.setdefault(row[1], convert(row[1]))
                    found.append(LoggedEvent(row[0], originator, row[2], row[3], row[4]))
        return sorted(found, key=lambda e: e.id)


class ScannedStoredEvents:
    """Any store: a read of the log over the span asked for, filtered."""

    def __init__(self, log: EventLog, batch_size: int = 5000) -> None:
        self._log = log
        self._batch_size = batch_size

    def at(self, positions: Sequence[int]) -> Sequence[Any]:
        if not positions:
            return []
        wanted = set(positions)
        return [e for e in self._read(min(wanted) - 1, max(wanted)) if e.id in wanted]

    def of(self, aggregates: Collection[UUID], stop: int) -> Sequence[Any]:
        wanted = set(aggregates)
        return [e for e in self._read(0, stop) if e.originator_id in wanted] if wanted else []

    def _read(self, after: int, stop: int) -> list[Any]:
        found: list[Any] = []
        while after < stop:
            batch = self._log.select(after, self._batch_size, stop, ())
            found += batch
            if len(batch) < self._batch_size:
                break
            after = batch[-1].id
        return found


def stored_events(recorder: Any) -> StoredEvents:
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresStoredEvents(recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SqliteStoredEvents(recorder)
    return ScannedStoredEvents(event_log(recorder))
