"""socket.io at /socket.io/ (002's WebSocket Events), on python-socketio's ASGI server.

Connect with the access token as `auth: {token}` (or `?token=`); a refused connection
gets `connect_error` with the reason. Rooms come from who the caller is now (see
`application.audience`). Server events: `new_notification`, `roster_updated`,
`shift_assigned`, `swap_request`, and 000's `scheduling.updated` (shifts and calendar
events), each in its envelope (`interfaces.realtime.envelope`); `connected` once a connection
is accepted. Client event `notification_read` (`{notificationId}`, `{notification_id}` or the
bare id) answers, as an acknowledgement, what `PATCH /api/notifications/:id/read` would. When
the token expires the server emits `unauthorized` and disconnects. Browsers on other origins
connect when `SCHEDULAX_CORS_ORIGINS` lets their pages call the REST API (`interfaces.http.cors`).
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
from interfaces.http.cors import socketio_origins
from interfaces.http.dto import MAX_ID
from interfaces.realtime.auth import Refused, authenticate, token_from
from interfaces.realtime.envelope import envelope, now
from interfaces.realtime.messages import Message

SERVER_EVENTS = frozenset({"new_notification", "roster_updated", "shift_assigned", "swap_request",
                           "scheduling.updated"})
ID_KEYS = ("notificationId", "notification_id", "id")
"""Where `notification_read` finds the id in an object: the browser client's spelling, the API's, or plain."""
CONNECTED_WAIT = 5.0
"""Seconds `connected` waits for socket.io to finish accepting a connection before giving up on it."""


class SocketIOFanout:
    def __init__(self, container: Container, queue_size: int) -> None:
        self.container = container
        self.queue_size = queue_size
        settings = container.settings
        self.server = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=socketio_origins(settings),
            cors_credentials=settings.cors_allow_credentials, ping_interval=20, ping_timeout=20,
            max_http_buffer_size=64 * 1024,
        )
        self._expiry: dict[str, asyncio.TimerHandle] = {}
        self._greetings: set[asyncio.Task[None]] = set()
        self.server.on("connect", self._connect)
        self.server.on("disconnect", self._disconnect)
        self.server.on("notification_read", self._notification_read)

    def __len__(self) -> int:
        return len(self._expiry)

    async def send(self, message: Message) -> None:
        await self._drop_slow(message.rooms)
        await self.server.emit(message.event, envelope(message), to=list(message.rooms))

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
        greeting = asyncio.create_task(self._greet(sid, principal))
        self._greetings.add(greeting)
        greeting.add_done_callback(self._greetings.discard)

    async def _greet(self, sid: str, principal: Any) -> None:
        """`connected`, once socket.io has sent the client its CONNECT: emitted from inside the
        connect handler it would reach the client before that, and be dropped."""
        deadline = asyncio.get_running_loop().time() + CONNECTED_WAIT
        while not self.server.manager.is_connected(sid, "/"):
            if asyncio.get_running_loop().time() > deadline or sid not in self._expiry:
                return  # refused meanwhile, or gone
            await asyncio.sleep(0.01)
        await self.server.emit("connected", {
            "sid": sid, "user_id": principal.id, "role": principal.role.value,
            "rooms": rooms_for(principal), "timestamp": now(),
        }, to=sid)

    async def _expired(self, sid: str) -> None:
        await self.server.emit("unauthorized", {"message": "Token has expired"}, to=sid)
        await self.server.disconnect(sid)

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        timer = self._expiry.pop(sid, None)
        if timer is not None:
            timer.cancel()

    async def _notification_read(self, sid: str, data: Any = None) -> dict[str, Any]:
        # `data` defaults: an emit with no argument must still get its validation_error ack.
        session = await self.server.get_session(sid)
        notification_id = _id_of(_raw_id(data))
        if notification_id is None:
            return {"success": False, "error": "validation_error",
                    "message": "notification_read needs {\"notificationId\": <integer from 1 to 2^63-1>}"
                    " (or notification_id, or the bare id)"}
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


def _raw_id(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    return next((data[key] for key in ID_KEYS if key in data), None)


def _id_of(raw: Any) -> int | None:
    """An id as the HTTP API takes them (1 to 2^63-1), from a number or a string of digits."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        return None
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None
