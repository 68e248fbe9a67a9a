"""Composition of as-of and diff: which events, replayed into what, read by which code.

Two ways to choose a roster's events, with the same answer (`application.roster_events`):
`roster_events_by_log_scan` reads the whole log (linear in it); `roster_events_by_audit_index`
reads the audit projection's `au_entries` (one indexed read, and a scan of only the tail the
audit projection has not reached yet). `roster_as_of` uses the index.
"""

from __future__ import annotations

from datetime import datetime, timezone

from application.as_of import RosterAsOf, RosterEvents
from application.event_log import EventDecoder
from application.events import SchedulaX
from infrastructure.event_log import event_log
from infrastructure.memory_store import MemoryReadStore, MemoryStores
from infrastructure.stored_events import stored_events
from projections.base import Projection
from projections.directory import DirectoryProjection
from projections.remembered import RememberedEvents
from projections.replay import ProjectedPast
from projections.roster_index import AuditIndexSelection
from projections.roster_scan import LogScanSelection
from projections.rostering import RosteringProjection
from projections.runner import CatchUpRunner
from projections.sql import ReadStore


def as_of_projections() -> list[Projection]:
    """The read models the roster GETs read (rosters, shifts, assignments; users' and
    departments' names), which as-of rebuilds from the log: fresh instances each time."""
    return [DirectoryProjection(), RosteringProjection()]


def remembered_events(events: SchedulaX) -> RememberedEvents:
    return RememberedEvents(EventDecoder(events.mapper))


def roster_events_by_log_scan(events: SchedulaX, remembered: RememberedEvents | None = None) -> LogScanSelection:
    return LogScanSelection(events, event_log(events.recorder), as_of_projections(),
                            remembered or remembered_events(events))


def roster_events_by_audit_index(events: SchedulaX, store: ReadStore) -> AuditIndexSelection:
    """Needs the audit projection's `au_entries` in `store` (until it has run, it scans the log)."""
    remembered = remembered_events(events)
    return AuditIndexSelection(events, store, stored_events(events.recorder),
                               roster_events_by_log_scan(events, remembered), as_of_projections(), remembered)


def replay_stores(events: SchedulaX) -> MemoryStores:
    """Private in-memory stores holding the as-of projections' empty tables."""
    def prepare(store: MemoryReadStore) -> None:
        CatchUpRunner(events, store, as_of_projections(), staging=True).setup()
    return MemoryStores(prepare)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def roster_as_of(events: SchedulaX, store: ReadStore, chosen: RosterEvents | None = None) -> RosterAsOf:
    """`chosen`: how the roster's events are chosen; by default through the audit index."""
    return RosterAsOf(chosen or roster_events_by_audit_index(events, store),
                      ProjectedPast(events, replay_stores(events), as_of_projections, prepared=True), utc_now)
