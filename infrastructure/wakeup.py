"""How a projection worker learns that new events were recorded.

PostgreSQL: the event store's recorder runs NOTIFY on its channel in every insert
transaction; a dedicated connection LISTENs on it. Elsewhere there is nothing to
listen to, so the worker polls.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import psycopg

from infrastructure import liveness
from infrastructure.settings import PostgresTarget


class Wakeup(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until events may have been recorded (True) or `timeout` passes (False)."""
        ...

    def close(self) -> None: ...


class ListenWakeup:
    def __init__(self, target: PostgresTarget, channel: str, schema: str = "",
                 alive: Sequence[str] = ()) -> None:
        """`alive`: the projections this connection vouches for (`infrastructure.liveness`)."""
        self._conn = psycopg.connect(target.conninfo(), autocommit=True)
        # LISTEN before the first catch-up, so a NOTIFY sent meanwhile is queued, not lost.
        self._conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))
        for name in alive:
            liveness.hold(self._conn, schema, name)

    def wait(self, timeout: float) -> bool:
        woken = False
        for _ in self._conn.notifies(timeout=timeout, stop_after=1):
            woken = True
        if woken:  # drain what queued meanwhile: one catch-up covers them all
            for _ in self._conn.notifies(timeout=0):
                pass
        return woken

    def close(self) -> None:
        self._conn.close()


class PollWakeup:
    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def wait(self, timeout: float) -> bool:
        self._stop.wait(timeout)
        return False

    def close(self) -> None:
        pass
