"""`scheduling.updated` for calendar events: 000's realtime event, sent to whoever holds the
event (its owner and the users it is shared with), after the calendar read model commits.

A created, changed or shared event goes to everyone who holds it once the batch is applied,
as `{id, title, start, end}` read back from the committed row (what `GET /scheduling/events`
shows). An event that leaves someone's calendar goes to them with `"deleted": true` beside
its last title and times: on deletion to everyone who held it (the read model drops the
roles with the event, so they are read from the aggregate, which keeps them), on a role taken
back to the user who lost it. Nobody else hears of it, so ids cannot be learnt this way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from uuid import UUID

from application import audience
from domain.calendar_event import CalendarEvent

from projections.announce import Change
from projections.sql import Cursor, ReadStore, Row

A = TypeVar("A")

_SEEN = (CalendarEvent.Created, CalendarEvent.Changed, CalendarEvent.Shared)


class FindsAggregates(Protocol):
    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None: ...


class CalendarAnnouncer:
    def __init__(self, store: ReadStore, aggregates: FindsAggregates) -> None:
        self._store = store
        self._aggregates = aggregates

    def begin(self, cur: Cursor) -> _CalendarBatch:
        return _CalendarBatch(self._store, self._aggregates)


@dataclass
class _CalendarBatch:
    store: ReadStore
    aggregates: FindsAggregates
    touched: dict[str, None] = field(default_factory=dict)  # insertion-ordered set of uuids
    lost: dict[str, set[int]] = field(default_factory=dict)
    """Users whose role on an event was taken back in this batch, by the event's uuid."""

    def saw(self, event: Any) -> None:
        uuid = str(event.originator_id)
        if isinstance(event, (*_SEEN, CalendarEvent.Deleted)):
            self.touched[uuid] = None
        elif isinstance(event, CalendarEvent.Unshared):
            self.touched[uuid] = None
            self.lost.setdefault(uuid, set()).add(event.user_id)

    def close(self, cur: Cursor) -> None:
        pass

    def changes(self) -> list[Change]:
        if not self.touched:
            return []
        rows, holders = self._read()
        found: list[Change] = []
        for row in rows:
            uuid, event_id = str(row["uuid"]), int(row["id"])
            data = scheduling_payload(row)
            if row["is_deleted"]:
                held = self._held_before_deletion(uuid)
                if held:
                    found.append(Change("scheduling.updated", _rooms(held), {**data, "deleted": True}))
                continue
            now = holders.get(event_id, set())
            if now:
                found.append(Change("scheduling.updated", _rooms(now), data))
            gone = self.lost.get(uuid, set()) - now
            if gone:
                found.append(Change("scheduling.updated", _rooms(gone), {**data, "deleted": True}))
        return found

    def _read(self) -> tuple[list[Row], dict[int, set[int]]]:
        uuids = list(self.touched)
        marks = ", ".join("?" for _ in uuids)
        with self.store.read() as cur:
            cur.execute(f"SELECT id, uuid, title, start_at, end_at, is_deleted FROM ce_events"
                        f" WHERE uuid IN ({marks}) ORDER BY id", uuids)
            rows = cur.fetchall()
            ids = [int(r["id"]) for r in rows]
            holders: dict[int, set[int]] = {}
            if ids:
                cur.execute("SELECT event_id, user_id FROM ce_permissions WHERE event_id IN ("
                            + ", ".join("?" for _ in ids) + ")", ids)
                for r in cur.fetchall():
                    holders.setdefault(int(r["event_id"]), set()).add(int(r["user_id"]))
        return rows, holders

    def _held_before_deletion(self, uuid: str) -> set[int]:
        """The aggregate keeps its roles when deleted (only the read model drops them)."""
        event = self.aggregates.find(UUID(uuid), CalendarEvent)
        return {int(u) for u in event.permissions} if event is not None else set()


def scheduling_payload(row: Row) -> dict[str, Any]:
    """A calendar event as 000 names it: the id as a string, UTC instants with a `Z`."""
    return {"id": str(row["id"]), "title": row["title"], "start": row["start_at"], "end": row["end_at"]}


def _rooms(user_ids: set[int]) -> tuple[str, ...]:
    return tuple(audience.user_room(u) for u in sorted(user_ids))
