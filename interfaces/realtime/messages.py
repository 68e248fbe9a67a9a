"""The wire form of change messages on the bus: a JSON array per committed batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import msgspec

from domain.timeslots import iso
from projections.announce import Change


class Message(msgspec.Struct, frozen=True):
    event: str
    rooms: tuple[str, ...]
    data: dict[str, Any]
    at: str = ""
    """When the batch was announced (just after its commit), the same for every API process;
    empty in a message from a process that predates the field."""


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(list[Message])


def encode(changes: Sequence[Change]) -> bytes:
    at = iso(datetime.now(timezone.utc))
    return _encoder.encode([Message(c.event, c.rooms, c.data, at) for c in changes])


def decode(payload: bytes) -> list[Message]:
    return _decoder.decode(payload)
