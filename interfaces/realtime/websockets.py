"""Plain websockets: 001's notification socket and 000's `scheduling.updated` socket.

Close codes: 4401 for a missing, invalid, expired or revoked token (at connect, or when
the token expires while connected); 1013 for a client too slow to keep up with its
messages (its bounded queue filled). Heartbeats are the server's websocket pings
(uvicorn's `--ws-ping-interval`/`--ws-ping-timeout`, 20 s each by default).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio.to_thread
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from application.audience import rooms_for
from interfaces.realtime.auth import Refused, authenticate, token_from
from interfaces.realtime.hub import Render, Subscriber, notification_frame, scheduling_frame

CLOSE_UNAUTHORISED = 4401
CLOSE_TOO_SLOW = 1013


@websocket("/api/notifications/ws", summary="New notifications as they arrive (001)")
async def notifications_socket(socket: WebSocket[Any, Any, Any]) -> None:
    await _serve(socket, notification_frame)


@websocket("/api/scheduling/ws", summary="`scheduling.updated` events for shifts and calendar events the caller may read (000)")
async def scheduling_socket(socket: WebSocket[Any, Any, Any]) -> None:
    await _serve(socket, scheduling_frame)


async def _serve(socket: WebSocket[Any, Any, Any], render: Render) -> None:
    gateway = socket.app.state.gateway
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in socket.scope["headers"]}
    token = token_from(socket.scope.get("query_string", b"").decode("latin-1"), headers)
    try:
        principal, expires = await anyio.to_thread.run_sync(authenticate, gateway.container, token)
    except Refused as refused:
        # Accept first: a close before the handshake reaches the client as a bare HTTP 403.
        await socket.accept()
        await socket.close(code=CLOSE_UNAUTHORISED, reason=str(refused)[:120])
        return
    await socket.accept()
    subscriber = Subscriber(render, gateway.queue_size)
    gateway.hub.join(subscriber, rooms_for(principal))
    tasks = {
        asyncio.create_task(_send(socket, subscriber)): None,
        asyncio.create_task(_until_disconnect(socket)): None,
        asyncio.create_task(asyncio.sleep(max(expires - time.time(), 0))): (
            CLOSE_UNAUTHORISED, "Token has expired"),
        asyncio.create_task(subscriber.overflowed.wait()): (
            CLOSE_TOO_SLOW, "Too slow: messages could not be delivered in time"),
    }
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.exception()  # a send to a client that left ends the connection, nothing more
        closing = next((tasks[t] for t in done if tasks[t] is not None), None)
        if closing is not None:
            await _close(socket, *closing)
    finally:
        gateway.hub.leave(subscriber)
        for task in tasks:
            task.cancel()


async def _send(socket: WebSocket[Any, Any, Any], subscriber: Subscriber) -> None:
    while True:
        frame = await subscriber.queue.get()
        await socket.send_text(frame.decode())


async def _until_disconnect(socket: WebSocket[Any, Any, Any]) -> None:
    """Clients have nothing to say here; reading notices when they leave."""
    try:
        while True:
            await socket.receive_data(mode="text")
    except WebSocketDisconnect:
        return


async def _close(socket: WebSocket[Any, Any, Any], code: int, reason: str) -> None:
    try:
        await socket.close(code=code, reason=reason)
    except Exception:  # noqa: BLE001 - the client may already be gone
        pass
