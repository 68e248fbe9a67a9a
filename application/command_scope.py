"""The request a command runs for: its id, its idempotency key, and what it saved.

The HTTP layer opens one scope per command request; `SchedulaX.commit` reads it, so no use
case passes it along. Commands run in worker threads, which get a *copy* of the context:
the scope is therefore one mutable object, shared by reference, that `commit` fills in and
the HTTP layer reads after the handler answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.idempotency import IdempotencyKey


@dataclass(frozen=True)
class KeyedRequest:
    """A request that carried an `Idempotency-Key`."""

    caller: str
    key: str
    fingerprint: str
    at: datetime

    @property
    def id(self) -> Any:
        return IdempotencyKey.id_for(self.caller, self.key)


@dataclass
class CommandScope:
    keyed: KeyedRequest | None = None
    key_saved: bool = False
    """Whether a save of this request recorded the key (only the first successful one does)."""
    position: int | None = None
    """The last notification id this request saved; None while it saved nothing."""
    saved: list[Any] = field(default_factory=list)
    """The aggregates of its first save, those it created first: they locate the result."""
    request_id: str | None = None
    """The request's `X-Request-ID`, which `commit` stamps on every event it saves."""

    def key_to_save(self) -> IdempotencyKey | None:
        """A new registry aggregate for the key, until a save recorded it.

        New at each attempt: a failed save has already taken the pending events of the last.
        """
        if self.keyed is None or self.key_saved:
            return None
        k = self.keyed
        return IdempotencyKey(caller=k.caller, key=k.key, fingerprint=k.fingerprint, at=k.at)

    def record_save(self, position: int, created_first: list[Any], with_key: bool) -> None:
        self.key_saved = self.key_saved or with_key
        self.position = max(self.position or 0, position)
        if not self.saved:
            self.saved = created_first


def created_first(aggregates: tuple[Any, ...]) -> list[Any]:
    """`aggregates` with those this save creates first; call it before the save takes their events."""
    def new(aggregate: Any) -> bool:
        pending = getattr(aggregate, "pending_events", None)
        return bool(pending) and pending[0].originator_version == 1
    return sorted(aggregates, key=lambda a: not new(a))


_current: ContextVar[CommandScope | None] = ContextVar("schedulax_command_scope", default=None)


def current() -> CommandScope | None:
    return _current.get()


@contextmanager
def opened(scope: CommandScope) -> Iterator[CommandScope]:
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
