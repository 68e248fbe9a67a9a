"""In-process catch-up: pull the notification log from the tracked position.

Every batch writes read-model rows and the tracking positions in one transaction,
under a lock on the tracking rows, so that several threads or API processes can
all call `catch_up` and each event is still applied exactly once, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.events import SchedulaX

from projections.base import Handler, Projection
from projections.schema import TRACKING
from projections.sql import Cursor, ReadStore


class CatchUpRunner:
    def __init__(
        self,
        events: SchedulaX,
        store: ReadStore,
        projections: Sequence[Projection],
        batch_size: int = 1000,
    ) -> None:
        self._events = events
        self._store = store
        self._projections = list(projections)
        self._batch_size = batch_size
        self._handlers: dict[str, dict[str, Handler]] = {p.name: p.topics() for p in projections}
        self._topics = sorted({t for h in self._handlers.values() for t in h})
        self._names = sorted(self._handlers)
        self._known_position = 0  # a lower bound on every projection's position

    def setup(self) -> None:
        with self._store.write() as cur:
            if self._store.dialect == "postgres":
                # Processes starting together would race on CREATE ... IF NOT EXISTS.
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('schedulax-ddl'))")
            cur.execute(TRACKING)
            for projection in self._projections:
                for statement in projection.ddl:
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO projection_tracking (name, position) VALUES (?, 0)"
                    " ON CONFLICT (name) DO NOTHING",
                    (projection.name,),
                )

    def wait_for(self, position: int) -> None:
        """Read your writes: return once every projection has processed `position`."""
        while self._known_position < position:
            if self._run_batch() == 0:
                # No event of our topics is left up to the head, and the head is at
                # least `position`, which the caller saw committed.
                self._known_position = max(self._known_position, position)

    def catch_up(self) -> int:
        """Apply everything recorded so far; the number of notifications read."""
        total = 0
        while count := self._run_batch():
            total += count
        return total

    def position(self) -> int:
        with self._store.read() as cur:
            cur.execute(
                "SELECT MIN(position) AS position FROM projection_tracking WHERE name IN ("
                + ", ".join("?" for _ in self._names) + ")",
                self._names,
            )
            row = cur.fetchone()
        return int(row["position"] or 0) if row else 0

    def _run_batch(self) -> int:
        with self._store.write() as cur:
            positions = self._lock_positions(cur)
            start = min(positions.values())
            notifications = self._events.recorder.select_notifications(
                start=start,
                limit=self._batch_size,
                topics=self._topics,
                inclusive_of_start=False,
            )
            last = start
            for notification in notifications:
                last = notification.id
                self._apply(notification, positions, cur)
            if notifications:
                # Tracking moves to the last id read, past events no projection wants.
                for name in self._names:
                    if positions[name] < last:
                        cur.execute(
                            "UPDATE projection_tracking SET position = ? WHERE name = ?",
                            (last, name),
                        )
        self._known_position = max(self._known_position, last)
        return len(notifications)

    def _apply(self, notification: Any, positions: dict[str, int], cur: Cursor) -> None:
        event = None
        for name in self._names:
            handler = self._handlers[name].get(notification.topic)
            if handler is None or positions[name] >= notification.id:
                continue
            if event is None:
                event = self._events.mapper.to_domain_event(notification)
            handler(event, cur)

    def _lock_positions(self, cur: Cursor) -> dict[str, int]:
        lock = " FOR UPDATE" if self._store.dialect == "postgres" else ""
        cur.execute(
            "SELECT name, position FROM projection_tracking WHERE name IN ("
            + ", ".join("?" for _ in self._names) + ") ORDER BY name" + lock,
            self._names,
        )
        return {row["name"]: int(row["position"]) for row in cur.fetchall()}
