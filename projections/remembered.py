"""Decoded events by position, the latest few thousand of them.

The log is append-only: the event at a position is the same at every as-of, so an event
decoded once (with its read, most of a selection's cost) need not be read or decoded again
while it is remembered. Auditors look at one roster at several instants, and a diff reads
it twice. One per event store: positions are its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from application.roster_events import SelectedEvent

REMEMBERED = 20_000
"""Events kept (about 1 KB each decoded): some twenty month rosters."""


class RememberedEvents:
    def __init__(self, decode: Callable[[Any], Any], size: int = REMEMBERED) -> None:
        self._decode = decode
        self._size = size
        self._events: OrderedDict[int, SelectedEvent] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, position: int) -> SelectedEvent | None:
        """The event at `position`, if it is remembered."""
        with self._lock:
            event = self._events.get(position)
            if event is not None:
                self._events.move_to_end(position)
            return event

    def found(self, positions: list[int]) -> dict[int, SelectedEvent]:
        """Those of the events at `positions` that are remembered."""
        with self._lock:
            found = {p: e for p in positions if (e := self._events.get(p)) is not None}
            for position in found:
                self._events.move_to_end(position)
        return found

    def __call__(self, stored: Any) -> SelectedEvent:
        """`stored` decoded (`stored.id` is its position), remembered."""
        event = self.get(stored.id)
        if event is None:
            event = SelectedEvent(stored.id, stored.topic, self._decode(stored))
            with self._lock:
                self._events[stored.id] = event
                while len(self._events) > self._size:
                    self._events.popitem(last=False)
        return event
