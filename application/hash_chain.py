"""The hash chain over the event log: one link per stored event, each binding every one before it.

The layout, defined here once (docs/audit.md shows it to auditors, who may recompute it
with their own tools). A link is 32 bytes, shown as 64 lowercase hex digits:

    link before the first event = 32 zero bytes
    link of an event = SHA-256 of
        the link of the event before it       32 bytes
        position (its notification id)        8 bytes, big-endian, signed
        aggregate id                          16 bytes, the UUID's bytes
        aggregate version                     8 bytes, big-endian, signed
        length of the topic in bytes          4 bytes, big-endian, unsigned
        topic                                 UTF-8
        length of the state in bytes          8 bytes, big-endian, unsigned
        state                                 the bytes as the event store holds them

The state is hashed as stored, never decoded and encoded again, so the link does not
depend on the code that reads events, and every reader of the same store (the recorder's
`select_notifications`, the PostgreSQL binary reader) gives the same bytes. Every event of
every topic is linked, in the order of the log.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from application.event_log import LoggedEvent

GENESIS = bytes(32)
"""The link before the first event."""

FLOOR = -(2**63)
"""Below every position a store can hold: verification reads from here, so that a row slipped
in with an id the store never hands out (0, or negative) is read too."""

_HEADER = struct.Struct(">32sqQQq").pack  # the aggregate id as two halves: UUID.int is a slot, .bytes a call
_LENGTH = struct.Struct(">Q").pack
_LOW = (1 << 64) - 1


def link(previous: bytes, stored: Any) -> bytes:
    """The link of `stored` (with `id`, `originator_id`, `originator_version`, `topic`, `state`)
    after the link `previous`: the chain projection's, one event at a time."""
    topic = stored.topic.encode()
    state = stored.state
    number = _id_number(stored.originator_id)
    return hashlib.sha256(b"".join((
        _HEADER(previous, stored.id, number >> 64, number & _LOW, stored.originator_version),
        len(topic).to_bytes(4, "big"), topic, _LENGTH(len(state)), state,
    ))).digest()


def _id_number(originator_id: Any) -> int:
    return originator_id.int if type(originator_id) is UUID else UUID(str(originator_id)).int


def links(rows: Sequence[Any], previous: bytes) -> list[tuple[int, bytes]]:
    """(position, link) of each of `rows`, in order, the first after `previous`: `link` in one
    loop over a batch, for verifying millions of events (the SHA-256 of a few hundred bytes costs
    about 0.5 us, a third of the loop)."""
    if rows and type(rows[0]) is not LoggedEvent:  # the recorder's Notification: fields by name
        rows = [(r.id, r.originator_id, r.originator_version, r.topic, r.state) for r in rows]
    found: list[tuple[int, bytes]] = []
    add = found.append
    header, length, sha256, join, uuid, low = _HEADER, _LENGTH, hashlib.sha256, b"".join, UUID, _LOW
    topics: dict[str, bytes] = {}
    for position, originator_id, version, topic, state in rows:
        block = topics.get(topic)
        if block is None:  # the topic with its length before it
            encoded = topic.encode()
            block = topics[topic] = len(encoded).to_bytes(4, "big") + encoded
        number = originator_id.int if type(originator_id) is uuid else _id_number(originator_id)
        previous = sha256(join((
            header(previous, position, number >> 64, number & low, version), block, length(len(state)), state,
        ))).digest()
        add((position, previous))
    return found
