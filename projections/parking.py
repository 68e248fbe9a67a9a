"""Parking: a projection that cannot apply an event stops there, alone, and says why.

A batch applies every projection in one transaction. When a handler raises, the batch
is rolled back and done again projection by projection, each in a transaction of its own
(`settle`): the projections that can apply it commit, and the one that cannot commits the
events before the failing one and is *parked*: its tracking row keeps the position just
before that event, with the error and the event's position. Later batches skip it, so it
holds back nobody, and it never skips the event either: clearing the park (`unpark`, done
when its process starts and by `schedulax projections retry`) makes it try the event again.

Only the projection's own failures park it (a handler, its deferred end-of-batch work, its
announcer). A lost connection or a locked database is no fault of the event: it is raised,
and the worker restarts with backoff as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from projections.base import Projection
from projections.sql import Cursor

log = logging.getLogger("schedulax.projections")

PARK_COLUMNS = {"error": "TEXT", "failed_position": "BIGINT"}
"""Columns of `projection_tracking` that record a park; NULL while the projection is healthy."""

ERROR_LENGTH = 1000
"""The error is recorded as `Type: message`, cut to this many characters."""


class HandlerFailed(Exception):
    """A projection could not apply the event at `position` (None: its end-of-batch work failed,
    for an event not yet known)."""

    def __init__(self, name: str, position: int | None, error: BaseException) -> None:
        where = f"at event {position}" if position is not None else "in its end-of-batch work"
        super().__init__(f"projection {name} failed {where}: {describe(error)}")
        self.name = name
        self.position = position
        self.error = error


def describe(error: BaseException) -> str:
    """`OverflowError: date value out of range`, on one line (PostgreSQL's DETAIL joined to it)."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return " ".join(text.split())[:ERROR_LENGTH]


def record_park(cur: Cursor, name: str, failed_position: int, error: BaseException) -> None:
    """Park `name` just before the event at `failed_position` (in the caller's transaction)."""
    cur.execute(
        "UPDATE projection_tracking SET position = ?, error = ?, failed_position = ? WHERE name = ?",
        (failed_position - 1, describe(error), failed_position, name),
    )


def unpark(cur: Cursor, names: Sequence[str]) -> list[tuple[str, int, str]]:
    """Clear the parks of the named projections; (name, failed position, error) of each cleared."""
    if not names:
        return []
    where = " WHERE error IS NOT NULL AND name IN (" + ", ".join("?" for _ in names) + ")"
    cur.execute("SELECT name, failed_position, error FROM projection_tracking" + where + " ORDER BY name", names)
    cleared = [(row["name"], int(row["failed_position"] or 0), row["error"]) for row in cur.fetchall()]
    if cleared:
        cur.execute("UPDATE projection_tracking SET error = NULL, failed_position = NULL" + where, names)
    return cleared


RunAlone = Callable[[Projection, Sequence[Any], int, "HandlerFailed | None"], None]
"""Applies notifications to one projection in a transaction of its own and moves its position
to the given one (recording the park, when given), or raises HandlerFailed, rolled back."""


def settle(run_alone: RunAlone, projection: Projection, handles: Callable[[Any], bool],
           notifications: Sequence[Any], last: int) -> HandlerFailed | None:
    """Apply a batch that failed together to one projection alone: all of it, or the events
    before the one it fails on, parking it there. The failure it parked on, or None."""
    found = _first_failure(run_alone, projection, handles, notifications, last)
    if found is not None:
        log.error("projection %s parked at event %s: %s; the others go on. Once the cause is fixed:"
                  " schedulax projections retry %s", projection.name, found.position, describe(found.error),
                  projection.name, exc_info=found.error)
    return found


def _first_failure(run_alone: RunAlone, projection: Projection, handles: Callable[[Any], bool],
                   notifications: Sequence[Any], last: int) -> HandlerFailed | None:
    try:
        run_alone(projection, notifications, last, None)
        return None
    except HandlerFailed as failure:
        found = failure
    if found.position is not None:
        try:
            run_alone(projection, [n for n in notifications if n.id < found.position], found.position - 1, found)
            return found
        except HandlerFailed as earlier:  # the deferred work of the events before it failed too
            found = earlier
    # Which event fails is not known (deferred work failed): one event per transaction, until one does.
    for notification in notifications:
        if not handles(notification):
            continue
        try:
            run_alone(projection, [notification], notification.id, None)
        except HandlerFailed as failure:
            found = HandlerFailed(projection.name, notification.id, failure.error)
            run_alone(projection, [], notification.id - 1, found)
            return found
    run_alone(projection, [], last, None)  # each applies alone: nothing to park
    return None
