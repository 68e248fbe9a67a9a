"""Read your writes when separate worker processes keep the read models."""

from __future__ import annotations

import time
from collections.abc import Sequence

from application.ports import ReadModelsBehind

from projections.sql import ReadStore


class TrackingWaiter:
    """Waits, bounded, until the workers' tracking positions reach a command's event.

    Polls with a short, growing delay: a worker woken by NOTIFY usually gets there
    within a few milliseconds, so the first polls are the ones that answer.
    """

    def __init__(self, store: ReadStore, names: Sequence[str], timeout: float) -> None:
        self._store = store
        self._names = list(names)
        self._timeout = timeout
        self._sql = (
            "SELECT MIN(position) AS position, COUNT(*) AS n FROM projection_tracking WHERE name IN ("
            + ", ".join("?" for _ in self._names) + ")"
        )

    def wait_for(self, position: int) -> None:
        deadline = time.monotonic() + self._timeout
        delay = 0.001
        while self.position() < position:
            if time.monotonic() >= deadline:
                raise ReadModelsBehind(position, self._timeout)
            time.sleep(delay)
            delay = min(delay * 2, 0.02)

    def position(self) -> int:
        with self._store.read() as cur:
            cur.execute(self._sql, self._names)
            row = cur.fetchone()
        if not row or int(row["n"]) < len(self._names):
            return 0  # a projection no worker has set up yet is at the start
        return int(row["position"] or 0)
