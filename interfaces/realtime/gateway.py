"""One gateway per API process: listens to the bus and fans messages out to this
process's own socket.io and plain-websocket clients."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from infrastructure.pubsub import Bus
from interfaces.container import Container
from interfaces.realtime.hub import Hub
from interfaces.realtime.messages import Message, decode
from interfaces.realtime.socketio_server import SERVER_EVENTS, SocketIOFanout

log = logging.getLogger("schedulax.realtime")

BACKLOG = 10_000
"""Messages waiting for the socket.io sender before new ones are dropped (a stuck process)."""


class Gateway:
    def __init__(self, container: Container, bus: Bus, queue_size: int) -> None:
        self.container = container
        self.queue_size = queue_size
        self.hub = Hub()
        self.socketio = SocketIOFanout(container, queue_size)
        self.state = "starting"
        self._bus = bus
        self._backlog: asyncio.Queue[Message] = asyncio.Queue(maxsize=BACKLOG)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        settings = self.container.settings
        if settings.uses_projection_workers and not settings.redis_url:
            # The projections run in other processes, and only Redis would carry their news.
            self.state = "not configured"
            log.warning("projection workers without SCHEDULAX_REDIS_URL: realtime clients hear nothing")
            return
        self._tasks = [
            asyncio.create_task(self._bus.listen(self._deliver, self._set_state)),
            asyncio.create_task(self._emit_socketio()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    def _set_state(self, state: str) -> None:
        if state != self.state:
            log.info("realtime gateway: %s", state)
        self.state = state

    def _deliver(self, payload: bytes) -> None:
        try:
            messages = decode(payload)
        except Exception:  # noqa: BLE001 - a foreign or corrupt payload must not stop the listener
            log.warning("undecodable realtime payload dropped", exc_info=True)
            return
        for message in messages:
            self.hub.dispatch(message)
            if message.event not in SERVER_EVENTS:
                continue
            try:
                self._backlog.put_nowait(message)
            except asyncio.QueueFull:
                log.warning("socket.io backlog full; %s dropped", message.event)

    async def _emit_socketio(self) -> None:
        while True:
            message = await self._backlog.get()
            try:
                await self.socketio.send(message)
            except Exception:  # noqa: BLE001 - one bad emit must not end delivery for everyone
                log.warning("socket.io emit of %s failed", message.event, exc_info=True)
