"""Choosing a roster's events by scanning the notification log (`RosterEvents`, application.as_of).

Correct on every store, and linear in the log: each as-of reads every event of the topics the
replayed projections handle, up to the head. `projections.roster_index` reads the audit
index instead; both apply the rule of `application.roster_events`, and this scan also
covers the tail of the log that the index has not reached yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.event_log import EventDecoder, EventLog
from application.events import SchedulaX
from application.roster_events import (
    SelectedEvent,
    directory_named,
    event_time,
    merged,
    roster_uuid,
    until_first_after,
)
from domain.assignment import Assignment
from domain.claim import ShiftClaim
from domain.identity import User
from domain.organisation import Department, Enterprise
from domain.shift import Shift
from domain.swap import SwapRequest
from projections.base import Projection
from projections.remembered import RememberedEvents

FOUNDING = frozenset(get_topic(cls) for cls in (Shift.Planned, Assignment.Made, SwapRequest.Proposed,
                                                ShiftClaim.Made))
"""The first events of a roster's other aggregates: they name the roster (`roster_id`)."""

DIRECTORY_AGGREGATES = (User, Department, Enterprise)

SCAN_BATCH = 5000


def replayed_topics(projections: Iterable[Projection]) -> tuple[frozenset[str], frozenset[str]]:
    """The topics the replayed projections handle: all of them, and the directory's among them."""
    handled = {cls: get_topic(cls) for p in projections for cls in p.handlers()}
    directory = {topic for cls, topic in handled.items()
                 if any(issubclass(cls, a.Event) for a in DIRECTORY_AGGREGATES)}
    return frozenset(handled.values()), frozenset(directory)


Decode = Callable[[Any], SelectedEvent]
"""A stored event (with `id`, its position) decoded, as `projections.remembered.RememberedEvents`."""


class RosterScan:
    """Walks stored events in log order, keeping the roster's (decoded) and the directory's
    (left encoded until the roster's events say which are wanted)."""

    def __init__(self, roster_id: int, decode: Decode, directory_topics: frozenset[str],
                 known: Iterable[UUID] = ()) -> None:
        self.roster_id = roster_id
        self.known = {roster_uuid(roster_id), *known}
        """The roster's aggregates seen so far."""
        self.roster: list[SelectedEvent] = []
        self.directory: list[Any] = []
        self._decode = decode
        self._directory_topics = directory_topics

    def feed(self, stored: Any) -> None:
        if stored.originator_id in self.known:
            self.roster.append(self._decode(stored))
        elif stored.topic in FOUNDING:
            selected = self._decode(stored)
            if selected.event.roster_id == self.roster_id:
                self.known.add(stored.originator_id)
                self.roster.append(selected)
        elif stored.topic in self._directory_topics:
            self.directory.append(stored)


def directory_as_of(wanted: set[UUID], stored: Iterable[Any], decode: Decode,
                    instant: datetime) -> list[SelectedEvent]:
    """The directory events (among `stored`) of the `wanted` aggregates, as of `instant`."""
    chosen = [decode(s) for s in stored if s.originator_id in wanted]
    return until_first_after(chosen, instant, event_time)


class LogScanSelection:
    """`RosterEvents` by a scan of the whole log up to its head."""

    def __init__(self, events: SchedulaX, log: EventLog, projections: Iterable[Projection],
                 decode: RememberedEvents | None = None, batch_size: int = SCAN_BATCH) -> None:
        self._events = events
        self._log = log
        self._decode = decode or RememberedEvents(EventDecoder(events.mapper))
        self._topics, self._directory_topics = replayed_topics(projections)
        self._batch_size = batch_size

    def select(self, roster_id: int, instant: datetime) -> list[SelectedEvent]:
        head = self._events.recorder.max_notification_id() or 0
        if not self._planned_by(roster_id, instant):
            return []  # no need to read the whole log for a roster that did not exist yet
        scan = self.scan(roster_id, 0, head)
        roster = until_first_after(scan.roster, instant, event_time)
        if not roster:
            return []
        return merged(roster, directory_as_of(directory_named(roster), scan.directory, self._decode, instant))

    def _planned_by(self, roster_id: int, instant: datetime) -> bool:
        """Whether the roster was planned by `instant`: one read of its first event, by its id."""
        first = self._events.recorder.select_events(roster_uuid(roster_id), limit=1)
        if not first:
            return False
        event = self._events.mapper.to_domain_event(first[0])
        return bool(until_first_after([event.timestamp], instant, lambda at: at))

    def scan(self, roster_id: int, after: int, stop: int, known: Iterable[UUID] = ()) -> RosterScan:
        """The events of positions `after < p <= stop` that belong to the roster or may name it."""
        scan = RosterScan(roster_id, self._decode, self._directory_topics, known)
        topics = sorted(self._topics)
        while after < stop:
            batch = self._log.select(after, self._batch_size, stop, topics)
            for stored in batch:
                scan.feed(stored)
            if len(batch) < self._batch_size:
                break
            after = batch[-1].id
        return scan
