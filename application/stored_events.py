"""Reading chosen stored events, with their positions: by position, or by aggregate.

The notification log (`application.event_log`) is read in order from a position; an index
of the log (the audit projection's `au_entries`) names positions instead, and a roster's
people are named by their aggregates. Both reads go straight to the event store's indexes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Protocol
from uuid import UUID


class StoredEvents(Protocol):
    def at(self, positions: Sequence[int]) -> Sequence[Any]:
        """The stored events at `positions`, in log order; each has `id` (its position),
        `originator_id`, `originator_version`, `topic` and `state`."""
        ...

    def of(self, aggregates: Collection[UUID], stop: int) -> Sequence[Any]:
        """Every stored event of `aggregates` at a position up to `stop`, in log order."""
        ...
