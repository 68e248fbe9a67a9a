"""What every command handler does: load by integer id, save atomically, wait for the read side."""

from __future__ import annotations

from typing import Any, TypeVar

from domain.errors import Conflict, NotFound
from domain.ids import aggregate_uuid
from domain.schedule import EmployeeSchedule

from application.events import ConcurrentWrite, SchedulaX
from application.ports import Directory, IdAllocator, ProjectionSync, RosterQueries

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


class RosteringHandler(CommandHandler):
    """Use cases over rosters: they also read the directory and the rostering read model."""

    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        queries: RosterQueries,
    ) -> None:
        super().__init__(events, ids, sync)
        self._directory = directory
        self._queries = queries

    def _schedule(self, employee_id: int) -> EmployeeSchedule:
        """The employee's schedule, opened on first use."""
        schedule = self._events.find(EmployeeSchedule.id_for(employee_id), EmployeeSchedule)
        return schedule or EmployeeSchedule(employee_id=employee_id)
