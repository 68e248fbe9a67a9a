"""Read models rebuilt from chosen events alone: the past as the product's own code builds it.

The chosen events run through the product's `CatchUpRunner` and projections into a private
scratch store (one per replay, discarded afterwards), and are read through the live
`SqlRosterQueries`. Nothing here knows what a roster looks like: a projection's change
reaches the live GET and the as-of GET alike.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from application.as_of import PastUnavailable
from application.events import SchedulaX
from application.roster_events import SelectedEvent
from projections.base import Projection
from projections.rostering_queries import SqlRosterQueries
from projections.runner import CatchUpRunner
from projections.staging import STAGE_BATCH_SIZE, Scratch


class ReplayFailed(PastUnavailable):
    """A projection could not apply a chosen event: the live one is parked on it too."""


class _Chosen:
    """An `EventLog` holding only the chosen events (decoded already)."""

    def __init__(self, events: Sequence[SelectedEvent]) -> None:
        self._events = events
        self._ids = [e.id for e in events]

    def select(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[SelectedEvent]:
        start = bisect_right(self._ids, after)
        wanted = set(topics)
        return [e for e in self._events[start:start + limit] if e.id <= stop and (not wanted or e.topic in wanted)]


def _passed_through(selected: SelectedEvent) -> Any:
    return selected.event


class ProjectedPast:
    """`PastReadModels` (application.as_of): the projections that the roster GETs read,
    applied to the chosen events in a scratch store."""

    def __init__(self, events: SchedulaX, scratch: Scratch, projections: Callable[[], list[Projection]],
                 prepared: bool = False) -> None:
        """`projections`: fresh instances for each replay (a projection keeps per-batch state).
        `prepared`: the scratch stores hold their tables and tracking rows already (`setup`)."""
        self._events = events
        self._scratch = scratch
        self._projections = projections
        self._prepared = prepared

    @contextmanager
    def replayed(self, events: Sequence[SelectedEvent]) -> Iterator[SqlRosterQueries]:
        with self._scratch() as store:
            runner = CatchUpRunner(self._events, store, self._projections(), STAGE_BATCH_SIZE,
                                   log=_Chosen(events), staging=True, decode=_passed_through)
            if not self._prepared:
                runner.setup()
            runner.catch_up()
            with store.read() as cur:
                cur.execute("SELECT name, failed_position, error FROM projection_tracking WHERE error IS NOT NULL")
                parked = cur.fetchall()
            if parked:
                row = parked[0]
                raise ReplayFailed(f"projection {row['name']} cannot apply event {row['failed_position']}:"
                                   f" {row['error']}")
            yield SqlRosterQueries(store)
