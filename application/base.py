"""What every command handler does: load by integer id, save atomically, wait for the read side."""

from __future__ import annotations

from typing import Any, TypeVar

from domain.errors import Conflict, NotFound
from domain.ids import aggregate_uuid

from application.events import ConcurrentWrite, SchedulaX
from application.ports import IdAllocator, ProjectionSync

A = TypeVar("A")


class CommandHandler:
    def __init__(self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync) -> None:
        self._events = events
        self._ids = ids
        self._sync = sync

    def _load(self, cls: type[A], kind: str, number: int, what: str) -> A:
        aggregate = self._events.find(aggregate_uuid(kind, number), cls)
        if aggregate is None or getattr(aggregate, "is_deleted", False):
            raise NotFound(f"{what} not found")
        return aggregate

    def _commit(self, *aggregates: Any, conflict: str = "The resource was changed by another request; retry") -> int:
        """Save atomically; a concurrent change to any of them is a 409 and nothing is written."""
        try:
            position = self._events.commit(*aggregates)
        except ConcurrentWrite:
            raise Conflict(conflict) from None
        self._sync.wait_for(position)
        return position
