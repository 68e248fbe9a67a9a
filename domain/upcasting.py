"""Versions of event classes, so that events stored before a field existed still replay.

eventsourcing stores an event class's `class_version` with each event and, reading an older
one, calls the class's `upcast_v1_v2(state)` (then `_v2_v3`, ...) on its stored state before
building the event. Our events are declared by `@event("Name")` on the aggregate's methods,
which makes the classes; `upgrade` gives one of them its next version after the fact, so the
aggregate keeps reading as its commands and the upgrade sits next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.zones import DEFAULT_ZONE, UTC

State = dict[str, Any]


def upgrade(event_class: type, version: int, upcast: Callable[[State], None]) -> None:
    """Declare that `event_class` is now at `version`, and how a state of `version - 1` becomes one."""
    current = getattr(event_class, "class_version", 1)
    if current != version - 1:
        raise TypeError(f"{event_class.__qualname__} is at version {current}, not {version - 1}")
    event_class.class_version = version  # type: ignore[attr-defined]
    setattr(event_class, f"upcast_v{version - 1}_v{version}", staticmethod(upcast))


def zone_was_utc(state: State) -> None:
    """Before zones, everything was read in UTC (the wall clock and UTC were the same)."""
    state.setdefault("timezone", DEFAULT_ZONE)


def instants_were_utc(*names: str) -> Callable[[State], None]:
    """Before zones, periods were stored as naive wall-clock datetimes, which were UTC."""

    def upcast(state: State) -> None:
        for name in names:
            moment = state.get(name)
            if isinstance(moment, datetime) and moment.tzinfo is None:
                state[name] = moment.replace(tzinfo=UTC)

    return upcast
