"""What a projection is: a name, its tables, and a handler per event topic."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from projections.sql import Cursor, iso

Handler = Callable[[Any, Cursor], None]

_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")
_CREATE_INDEX = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+)")
_INTEGER_KEY = re.compile(r"\bBIGINT PRIMARY KEY\b")


class Projection:
    """Subclasses list their DDL and map event classes to handler methods.

    A handler writes rows only through the cursor it is given, inside the same
    transaction as the projection's tracking record.
    """

    name: str = ""
    ddl: list[str] = []
    version: int = 1
    """Raise it whenever `ddl` or what a handler writes changes: a deploy then rebuilds the tables."""
    answers_commands: bool = True
    """Whether command responses read its tables, so that commands wait for it (read your writes)."""
    rebuild_cost: int = 1
    """Its share of a rebuild's CPU, relative to the others (measured with `bench.rebuild_rate`);
    a parallel rebuild uses it to give each process an even load."""

    raw: bool = False
    """Whether it reads the log as stored rather than as events: every topic, undecoded.
    The runner then hands `handle_stored` each row (`id`, `originator_id`, `originator_version`,
    `topic` and `state`, the bytes as the recorder holds them) and reads every topic of the log
    for it; `handlers()` is not used."""

    query_indexes: frozenset[str] = frozenset()
    """Indexes that only the API's queries use, never a handler's own lookups: a staged rebuild
    leaves them out of its scratch tables (each would cost a write per row there) and builds
    them once, after the rows, on the real ones. A handler reading several rows orders them,
    so which indexes exist never changes what it writes."""

    def tables(self) -> list[str]:
        """The tables this projection owns, dropped and recreated by a rebuild."""
        return [m.group(1) for s in self.ddl if (m := _CREATE_TABLE.search(s))]

    def table_ddl(self) -> list[str]:
        """The statements of `ddl` that create its tables; the rest create indexes."""
        return [s for s in self.ddl if _CREATE_TABLE.search(s)]

    def staging_ddl(self) -> list[str]:
        """`ddl` for a scratch SQLite stage: without the statements creating `query_indexes`,
        and with single-column integer keys as the rowid.

        SQLite makes only `INTEGER PRIMARY KEY` the table's own key; a `BIGINT PRIMARY KEY`
        is a second b-tree beside the table that every insert also writes. The values, their
        types and the uniqueness check are the same (ids are always given, never NULL), and
        the swap copies the rows into the real tables as declared."""
        return [_INTEGER_KEY.sub("INTEGER PRIMARY KEY", s) for s in self.ddl
                if not ((m := _CREATE_INDEX.search(s)) and m.group(1) in self.query_indexes)]

    def drop_tables(self, cur: Cursor) -> None:
        for table in self.tables():
            cur.execute(f"DROP TABLE IF EXISTS {table}")

    def handlers(self) -> dict[type, Handler]:
        raise NotImplementedError

    def handle_stored(self, stored: Any, cur: Cursor) -> None:
        """A `raw` projection's one handler: a stored event of any topic, with its position."""
        raise NotImplementedError

    def begin_batch(self) -> None:
        """A batch starts, its lock held: drop whatever an earlier (perhaps failed) batch deferred.

        Batches of one projection never overlap (the runner holds the tracking rows' lock),
        so per-batch state may live on the projection.
        """

    def end_batch(self, cur: Cursor) -> None:
        """After the batch's last event, in its transaction: write what the handlers deferred.

        Deferred work must give the same rows whatever the batch size: either it depends only
        on the tables as they end up (a recount), or the projection keeps its order, writing it
        before any later event writes the same columns (rostering's roster times, analytics' bookings).
        """

    def topics(self) -> dict[str, Handler]:
        return {get_topic(cls): handler for cls, handler in self.handlers().items()}


_last: tuple[Any, str, int, str] = (None, "", 0, "")
"""The last event `stamp` or `uuid_of` saw, with both: the runner hands each event to every
projection in turn, and each would otherwise format the same time and UUID again."""


def _remembered(event: Any) -> tuple[Any, str, int, str]:
    global _last
    last = _last  # one read: another thread may replace it meanwhile, never half of it
    if last[0] is not event:
        last = _last = (event, iso(event.timestamp), event.originator_version, str(event.originator_id))
    return last


class _HandedOver(threading.local):
    event: Any = None
    position: int = 0


_handed_over = _HandedOver()


def hand_over(event: Any, position: int) -> None:
    """The runner is about to hand `event`, read at `position` of the log, to the handlers."""
    _handed_over.event, _handed_over.position = event, position


def position_of(event: Any) -> int:
    """The log position (notification id) of the event being applied in this thread."""
    if _handed_over.event is not event:
        raise LookupError("the event is not being applied by a projection runner")
    return _handed_over.position


def stamp(event: Any) -> tuple[str, int]:
    """The event's time as the read models store it, and the aggregate version it made."""
    last = _remembered(event)
    return last[1], last[2]


def uuid_of(event: Any) -> str:
    """The event's aggregate id as the read models store it."""
    return _remembered(event)[3]


def changed_row(
    table: str, values: Callable[[Any], dict[str, Any]], stamps: tuple[str, ...] = ("updated_at",)
) -> Handler:
    """A handler writing `values(event)` onto the event's aggregate row, with its time and version."""

    def handle(e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        changes = values(e)
        sets = "".join(f"{column} = ?, " for column in (*changes, *stamps))
        cur.execute(
            f"UPDATE {table} SET {sets}version = ? WHERE uuid = ?",
            (*changes.values(), *(at for _ in stamps), version, uuid_of(e)),
        )

    return handle


def copied(table: str, *fields: str) -> Handler:
    """A handler copying the named event attributes onto the aggregate's row."""
    return changed_row(table, lambda e: {f: getattr(e, f) for f in fields})
