"""Read your writes when separate worker processes keep the read models."""

from __future__ import annotations

import time
from collections.abc import Sequence

from application.ports import ReadModelsBehind

from projections.sql import ReadStore


class TrackingWaiter:
    """Waits, bounded, until the workers' tracking positions reach a command's event.

    Polls with a short, growing delay: a worker woken by NOTIFY usually gets there
    within a few milliseconds, so the first polls are the ones that answer. A projection
    parked before the event will not get there: that answers at once.
    """

    def __init__(self, store: ReadStore, names: Sequence[str], timeout: float) -> None:
        self._store = store
        self._names = list(names)
        self._timeout = timeout
        self._sql = (
            "SELECT position, error FROM projection_tracking WHERE name IN ("
            + ", ".join("?" for _ in self._names) + ")"
        )

    def wait_for(self, position: int) -> None:
        deadline = time.monotonic() + self._timeout
        delay = 0.001
        while True:
            reached, parked = self._state()
            if reached >= position:
                return
            if parked is not None and parked < position:
                raise ReadModelsBehind(position, 0.0)
            if time.monotonic() >= deadline:
                raise ReadModelsBehind(position, self._timeout)
            time.sleep(delay)
            delay = min(delay * 2, 0.02)

    def position(self) -> int:
        return self._state()[0]

    def _state(self) -> tuple[int, int | None]:
        """The lowest position of the waited projections, and the lowest of the parked ones."""
        with self._store.read() as cur:
            cur.execute(self._sql, self._names)
            rows = cur.fetchall()
        parked = min((int(r["position"]) for r in rows if r["error"] is not None), default=None)
        if len(rows) < len(self._names):
            return 0, parked  # a projection no worker has set up yet is at the start
        return min((int(r["position"]) for r in rows), default=0), parked
