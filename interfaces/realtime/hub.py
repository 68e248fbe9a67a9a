"""Rooms of plain-websocket subscribers in one API process, each with a bounded queue.

A message is rendered once per kind of socket and offered to every subscriber in any of
its rooms; a subscriber whose queue is full is flagged to be disconnected rather than
letting it hold memory or slow the others.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable

import msgspec

from interfaces.realtime.messages import Message

Render = Callable[[Message], "bytes | None"]
"""What a kind of socket sends for a message, or None when it does not carry that event."""


class Subscriber:
    def __init__(self, render: Render, queue_size: int) -> None:
        self.render = render
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=queue_size)
        self.overflowed = asyncio.Event()

    def offer(self, frame: bytes) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed.set()


class Hub:
    def __init__(self) -> None:
        self._rooms: dict[str, set[Subscriber]] = defaultdict(set)
        self._joined: dict[Subscriber, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._joined)

    def join(self, subscriber: Subscriber, rooms: Iterable[str]) -> None:
        self._joined[subscriber] = tuple(rooms)
        for room in self._joined[subscriber]:
            self._rooms[room].add(subscriber)

    def leave(self, subscriber: Subscriber) -> None:
        for room in self._joined.pop(subscriber, ()):
            members = self._rooms.get(room)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._rooms[room]

    def dispatch(self, message: Message) -> int:
        """Offer the message to everyone in its rooms, once each; how many were offered it."""
        targets: set[Subscriber] = set()
        for room in message.rooms:
            targets.update(self._rooms.get(room, ()))
        frames: dict[Render, bytes | None] = {}
        offered = 0
        for subscriber in targets:
            if subscriber.render not in frames:
                frames[subscriber.render] = subscriber.render(message)
            frame = frames[subscriber.render]
            if frame is not None:
                subscriber.offer(frame)
                offered += 1
        return offered


_json = msgspec.json.Encoder()


def notification_frame(message: Message) -> bytes | None:
    """001's notification socket: `{"type": "notification", "data": <notification>}`; the data
    holds 001's `type, event_id, message, timestamp` beside the rest of the inbox's row."""
    if message.event != "new_notification":
        return None
    data = {**message.data, "timestamp": message.data.get("created_at")}
    data.setdefault("event_id", None)
    return _json.encode({"type": "notification", "data": data})


def scheduling_frame(message: Message) -> bytes | None:
    """000's event: `{"event": "scheduling.updated", "data": {id, title, start, end}}`."""
    if message.event != "scheduling.updated":
        return None
    return _json.encode({"event": message.event, "data": message.data})
