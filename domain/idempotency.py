"""Idempotency keys: a caller's `Idempotency-Key` is taken once, by the request that saved with it.

A registry aggregate with a fixed id (of the caller and the key), saved in the same
`save()` as the command's events: a repeat after a lost response finds it, and two
concurrent repeats are two "version 1"s of one aggregate, which the event store refuses.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict
from domain.ids import registry_uuid


class IdempotencyKeyTaken(Conflict):
    """Another request with the same key saved first (HTTP 409): the caller retries for its answer."""

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is in progress or done; retry")


class IdempotencyKey(Aggregate):
    """The first request that saved with `key`, by its fingerprint (method, path, query, body)."""

    @staticmethod
    def create_id(caller: str, key: str, **_: object) -> UUID:
        return IdempotencyKey.id_for(caller, key)

    @staticmethod
    def id_for(caller: str, key: str) -> UUID:
        """`caller` is "user:<id>" or "anonymous": keys of different callers never collide."""
        return registry_uuid(f"idempotency:{caller}:{key}")

    @event("Taken")
    def __init__(self, *, caller: str, key: str, fingerprint: str, at: datetime) -> None:
        self.caller = caller
        self.key = key
        self.fingerprint = fingerprint
        self.at = at

    def matches(self, fingerprint: str) -> bool:
        """Whether a repeat asks for the same thing (else the key was reused: 422)."""
        return self.fingerprint == fingerprint
