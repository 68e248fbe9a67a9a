"""Choosing a roster's events through the audit projection's index (`RosterEvents`, application.as_of).

`au_entries` holds a row per event of the log, with `roster_id` set on the events of a roster
and of its shifts, assignments and swap requests, and an index on (roster_id, position). One
indexed read gives the roster's positions and times; the events are then read at those
positions, and the directory events of the people, department and enterprise they name by
aggregate, both through the event store's own indexes. The index runs behind the log by a
batch at most: the tail past its tracked position is scanned (`projections.roster_scan`).
It applies the same rule as the scan (`application.roster_events`), so both choose the same
events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from application.event_log import EventDecoder
from application.events import SchedulaX
from application.roster_events import (
    SelectedEvent,
    directory_named,
    event_time,
    merged,
    until_first_after,
)
from application.stored_events import StoredEvents
from projections.base import Projection
from projections.remembered import RememberedEvents
from projections.roster_scan import LogScanSelection, directory_as_of, replayed_topics
from projections.sql import ReadStore

INDEX_PROJECTION = "audit"
"""The name the audit projection tracks its position under."""

ROSTER_ENTRIES = (
    "SELECT position, occurred_at FROM au_entries WHERE roster_id = ? AND position <= ? ORDER BY position"
)
INDEXED_UP_TO = "SELECT position FROM projection_tracking WHERE name = ?"


def occurred(row: Any) -> datetime:
    moment = datetime.fromisoformat(row["occurred_at"])
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


class AuditIndexSelection:
    """`RosterEvents` by the audit index, the event store's indexes, and a scan of the tail."""

    def __init__(self, events: SchedulaX, store: ReadStore, stored: StoredEvents, tail: LogScanSelection,
                 projections: Iterable[Projection], decode: RememberedEvents | None = None,
                 index: str = INDEX_PROJECTION) -> None:
        self._events = events
        self._store = store
        self._stored = stored
        self._tail = tail
        self._decode = decode or RememberedEvents(EventDecoder(events.mapper))
        self._topics, self._directory_topics = replayed_topics(projections)
        self._index = index

    def indexed_up_to(self) -> int:
        """The position up to which `au_entries` is complete (0 before the audit projection ran)."""
        with self._store.read() as cur:
            cur.execute(INDEXED_UP_TO, (self._index,))
            row = cur.fetchone()
        return int(row["position"]) if row else 0

    def select(self, roster_id: int, instant: datetime) -> list[SelectedEvent]:
        head = self._events.recorder.max_notification_id() or 0
        indexed = min(self.indexed_up_to(), head)
        with self._store.read() as cur:
            cur.execute(ROSTER_ENTRIES, (roster_id, indexed))
            rows = cur.fetchall()
        kept = until_first_after(rows, instant, occurred)
        roster = [e for e in self._read([int(r["position"]) for r in kept]) if e.topic in self._topics]
        if len(kept) == len(rows) and indexed < head:  # the roster's story may go on past the index
            known = {e.event.originator_id for e in roster}
            roster += self._tail.scan(roster_id, indexed, head, known).roster
        roster = until_first_after(roster, instant, event_time)
        if not roster:
            return []
        wanted = directory_named(roster)
        named = [s for s in self._stored.of(wanted, head) if s.topic in self._directory_topics]
        return merged(roster, directory_as_of(wanted, named, self._decode, instant))

    def _read(self, positions: list[int]) -> list[SelectedEvent]:
        """The events at `positions`, those not remembered read from the event store."""
        found = self._decode.found(positions)
        for stored in self._stored.at([p for p in positions if p not in found]):
            found[stored.id] = self._decode(stored)
        return [found[p] for p in positions if p in found]
