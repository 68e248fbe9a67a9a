"""The wire form of change messages on the bus: a JSON array per committed batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from projections.announce import Change


class Message(msgspec.Struct, frozen=True):
    event: str
    rooms: tuple[str, ...]
    data: dict[str, Any]


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(list[Message])


def encode(changes: Sequence[Change]) -> bytes:
    return _encoder.encode([Message(c.event, c.rooms, c.data) for c in changes])


def decode(payload: bytes) -> list[Message]:
    return _decoder.decode(payload)
