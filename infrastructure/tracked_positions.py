"""Read your writes against separate projection workers, waited on the event loop.

One per API process: one connection LISTENs on the schema's tracking channel, where the
workers NOTIFY each position they commit (in the committing transaction, so a notification
means the rows are visible). The positions are kept here, in memory, and one notification
wakes every command waiting for a position it reached. A command checks the memory first
(no query at all when the workers are already there); otherwise it suspends its thread
(`infrastructure.suspend`) and awaits here. A NOTIFY can be lost (the listener reconnecting,
a worker's notification queue full): while commands wait, the table is also read every
`poll_interval`, so a lost one delays a command by at most that, and its bound (202 after
`timeout`) stands either way.

Callers that are not on the suspending pool (jobs, the CLI) wait the old way, blocking.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from application.ports import ProjectionSync, ReadModelsBehind
from infrastructure import suspend

log = logging.getLogger("schedulax.tracking")

State = tuple[dict[str, int], dict[str, int]]
"""Each projection's position, and the positions of the parked ones."""


class TrackedPositions:
    def __init__(self, conninfo: str, channel: str, names: Sequence[str], timeout: float,
                 read: Callable[[], State], blocking: ProjectionSync, poll_interval: float = 0.1) -> None:
        """`read`: the tracking table now (blocking, run on a pool thread); `blocking`: how
        callers off the pool wait."""
        self._conninfo = conninfo
        self._channel = channel
        self._names = list(names)
        self._timeout = timeout
        self._read = read
        self._blocking = blocking
        self._poll_interval = poll_interval
        self._positions: dict[str, int] = {}
        self._parked: dict[str, int] = {}
        self.position = 0
        """The lowest position of the waited projections, as last heard (read from any thread)."""
        self._parked_at: int | None = None
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = False
        self.notifications = 0
        """How many tracking notifications this process received (the tests read it)."""

    # -- the command's side (a pool thread) --------------------------------------------------

    def wait_for(self, position: int) -> None:
        if self._answered(position):
            return
        loop = self._loop
        if loop is not None and not loop.is_closed() and suspend.can_suspend():
            suspend.suspend(loop, lambda: self.wait(position))
        else:
            self._blocking.wait_for(position)

    def _answered(self, position: int) -> bool:
        """True when reached; raises when a waited projection is parked before it."""
        if self.position >= position:
            return True
        if self._parked_at is not None and self._parked_at < position:
            raise ReadModelsBehind(position, 0.0)
        return False

    # -- the loop's side ---------------------------------------------------------------------

    async def wait(self, position: int) -> None:
        if self._answered(position):
            return
        waiter = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (position, next(self._order), waiter))
        try:
            await asyncio.wait_for(waiter, self._timeout)
        except TimeoutError:
            raise ReadModelsBehind(position, self._timeout) from None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._poll())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._loop = None

    async def _listen(self) -> None:
        delay = 0.05
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                async with conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    self.listening = True
                    delay = 0.05
                    await self.refresh()  # what was committed before the LISTEN took
                    async for notify in conn.notifies():
                        await self._notified(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - any failure: poll, and listen again
                log.warning("tracking listener lost (%s); polling until it is back", error)
            finally:
                self.listening = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval if self.listening else min(self._poll_interval, 0.1))
            if any(not w.done() for _, _, w in self._waiters):
                try:
                    await self.refresh()
                except Exception as error:  # noqa: BLE001 - the read models away: the waiters' bound answers
                    log.debug("tracking poll failed: %s", error)

    async def refresh(self) -> None:
        positions, parked = await asyncio.get_running_loop().run_in_executor(None, self._read)
        self._update(positions, parked)

    async def _notified(self, payload: str) -> None:
        self.notifications += 1
        head, _, names = payload.partition(" ")
        if head.startswith("!"):  # a projection parked: its error is in the table
            await self.refresh()
            return
        position = int(head)
        moved = {name: position for name in names.split(",") if name}
        # A projection whose batch committed is not parked (a worker retried it): forget the park.
        self._update({**self._positions, **moved}, {n: p for n, p in self._parked.items() if n not in moved})

    def _update(self, positions: dict[str, int], parked: dict[str, int]) -> None:
        # Taken as they come, not as a maximum: a projection reset to rebuild goes back to 0,
        # and a late poll's older value only makes a command wait for the next one.
        self._positions = positions
        self._parked = parked
        waited = [positions.get(name, 0) for name in self._names]  # a projection with no row is at 0
        self.position = min(waited, default=0)
        self._parked_at = min((p for n, p in parked.items() if n in self._names), default=None)
        while self._waiters and (self._waiters[0][2].done() or self._waiters[0][0] <= self.position):
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                waiter.set_result(None)
        if self._parked_at is not None:
            for position, _, waiter in self._waiters:
                if not waiter.done() and self._parked_at < position:
                    waiter.set_exception(ReadModelsBehind(position, 0.0))


def tracking_reader(store: Any, names: Sequence[str]) -> Callable[[], State]:
    """`TrackedPositions.read` over a read store's `projection_tracking`."""
    query = ("SELECT name, position, error FROM projection_tracking WHERE name IN ("
             + ", ".join("?" for _ in names) + ")")

    def read() -> State:
        with store.read() as cur:
            cur.execute(query, list(names))
            rows = cur.fetchall()
        return ({r["name"]: int(r["position"]) for r in rows},
                {r["name"]: int(r["position"]) for r in rows if r["error"] is not None})

    return read
