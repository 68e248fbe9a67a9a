"""socket.io at /socket.io/ (002's WebSocket Events), on python-socketio's ASGI server.

Connect with the access token as `auth: {token}` (or `?token=`); a refused connection
gets `connect_error` with the reason. Rooms come from who the caller is now (see
`application.audience`). Server events: `new_notification`, `roster_updated`,
`shift_assigned`, `swap_request`, and 000's `scheduling.updated` (shifts and calendar
events); client event `notification_read` (`{notification_id}` or the bare id) answers,
as an acknowledgement, what `PATCH /api/notifications/:id/read` would. When the token
expires the server emits `unauthorized` and disconnects.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio.to_thread
import msgspec
import socketio

from application.audience import rooms_for
from application.ports import ReadModelsBehind
from domain.errors import DomainError
from interfaces.container import Container
from interfaces.http.dto import MAX_ID
from interfaces.realtime.auth import Refused, authenticate, token_from
from interfaces.realtime.messages import Message

SERVER_EVENTS = frozenset({"new_notification", "roster_updated", "shift_assigned", "swap_request",
                           "scheduling.updated"})


class SocketIOFanout:
    def __init__(self, container: Container, queue_size: int) -> None:
        self.container = container
        self.queue_size = queue_size
        self.server = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins="*", ping_interval=20, ping_timeout=20,
            max_http_buffer_size=64 * 1024,
        )
        self._expiry: dict[str, asyncio.TimerHandle] = {}
        self.server.on("connect", self._connect)
        self.server.on("disconnect", self._disconnect)
        self.server.on("notification_read", self._notification_read)

    def __len__(self) -> int:
        return len(self._expiry)

    async def send(self, message: Message) -> None:
        await self._drop_slow(message.rooms)
        await self.server.emit(message.event, message.data, to=list(message.rooms))

    async def _drop_slow(self, rooms: tuple[str, ...]) -> None:
        """A client whose engine.io send queue is full is not reading: let it go."""
        slow = []
        for sid, eio_sid in self.server.manager.get_participants("/", list(rooms)):
            socket = self.server.eio.sockets.get(eio_sid)
            queue = getattr(socket, "queue", None)
            if queue is not None and queue.qsize() >= self.queue_size:
                slow.append(sid)
        for sid in slow:
            await self.server.disconnect(sid)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        token = token_from(environ.get("QUERY_STRING", ""), headers, auth)
        try:
            principal, expires = await anyio.to_thread.run_sync(authenticate, self.container, token)
        except Refused as refused:
            raise socketio.exceptions.ConnectionRefusedError(str(refused)) from refused
        await self.server.save_session(sid, {"principal": principal})
        for room in rooms_for(principal):
            await self.server.enter_room(sid, room)
        loop = asyncio.get_running_loop()
        self._expiry[sid] = loop.call_later(
            max(expires - time.time(), 0), lambda: asyncio.ensure_future(self._expired(sid))
        )

    async def _expired(self, sid: str) -> None:
        await self.server.emit("unauthorized", {"message": "Token has expired"}, to=sid)
        await self.server.disconnect(sid)

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        timer = self._expiry.pop(sid, None)
        if timer is not None:
            timer.cancel()

    async def _notification_read(self, sid: str, data: Any) -> dict[str, Any]:
        session = await self.server.get_session(sid)
        raw = data.get("notification_id", data.get("id")) if isinstance(data, dict) else data
        notification_id = _id_of(raw)
        if notification_id is None:
            return {"success": False, "error": "validation_error",
                    "message": "notification_read needs {\"notification_id\": <integer from 1 to 2^63-1>}"}
        try:
            view = await anyio.to_thread.run_sync(
                self.container.notifications.mark_read, session["principal"], notification_id
            )
        except DomainError as error:
            return {"success": False, "error": type(error).__name__, "message": error.message}
        except ReadModelsBehind:
            # Recorded, but the inbox has not caught up yet: as HTTP's 202.
            return {"success": True, "message": "Notification marked as read; the inbox is catching up"}
        return {"success": True, "message": "Notification marked as read",
                "data": msgspec.to_builtins(view)}


def _id_of(raw: Any) -> int | None:
    """An id as the HTTP API takes them (1 to 2^63-1), from a number or a string of digits."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        return None
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None
