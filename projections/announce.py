"""Change messages: what the projections tell realtime subscribers after each batch commits.

While a batch runs, an announcer only notes which resources the batch's events touched
(the ids, no payloads). After the read-model transaction commits, it reads those
resources back through the same queries the REST API uses, so a message carries the
resource exactly as `GET` would return it, and a client reacting to it finds the
change already readable. Rebuilds announce nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import msgspec

from application import audience
from domain.assignment import Assignment
from domain.roster import Roster
from domain.shift import Shift
from domain.swap import SwapRequest

from projections.notification_queries import SqlInboxes
from projections.rostering_queries import SqlRosterQueries
from projections.sql import Cursor, ReadStore


@dataclass(frozen=True)
class Change:
    event: str
    """`new_notification`, `roster_updated`, `shift_assigned`, `swap_request` or `scheduling.updated`."""
    rooms: tuple[str, ...]
    """Who may hear of it (see `application.audience`)."""
    data: dict[str, Any]


Publish = Callable[[Sequence[Change]], None]


class BatchAnnouncement(Protocol):
    def saw(self, event: Any) -> None:
        """Called inside the transaction after the projection applied `event`."""

    def close(self, cur: Cursor) -> None:
        """Called inside the transaction after the last event of the batch."""

    def changes(self) -> list[Change]:
        """Called after commit: the messages, read from the committed tables."""


class Announcer(Protocol):
    def begin(self, cur: Cursor) -> BatchAnnouncement: ...


def _plain(view: Any) -> dict[str, Any]:
    return msgspec.to_builtins(view)


# -- rosters, shifts, assignments, swaps ------------------------------------------

_ROSTER_EVENTS = (Roster.Planned, Roster.StatusChanged, Roster.Revised, Roster.Deleted)
_SHIFT_EVENTS = (Shift.Planned, Shift.Revised, Shift.PlaceTaken, Shift.PlaceFreed,
                 Shift.HandedOver, Shift.Deleted)
_ASSIGNED_EVENTS = (Assignment.Made, Assignment.HandedOver, Assignment.TakenOver)
_SWAP_EVENTS = (SwapRequest.Proposed, SwapRequest.Decided)


class RosteringAnnouncer:
    def __init__(self, store: ReadStore) -> None:
        self._store = store
        self._queries = SqlRosterQueries(store)

    def begin(self, cur: Cursor) -> _RosteringBatch:
        return _RosteringBatch(self._store, self._queries)


@dataclass
class _RosteringBatch:
    store: ReadStore
    queries: SqlRosterQueries
    rosters: dict[str, None] = field(default_factory=dict)  # insertion-ordered sets of uuids
    shifts: dict[str, None] = field(default_factory=dict)
    assignments: dict[str, None] = field(default_factory=dict)
    swaps: dict[str, None] = field(default_factory=dict)

    def saw(self, event: Any) -> None:
        uuid = str(event.originator_id)
        if isinstance(event, _ROSTER_EVENTS):
            self.rosters[uuid] = None
        elif isinstance(event, _SHIFT_EVENTS):
            self.shifts[uuid] = None
        elif isinstance(event, _ASSIGNED_EVENTS):
            self.assignments[uuid] = None
        elif isinstance(event, _SWAP_EVENTS):
            self.swaps[uuid] = None

    def close(self, cur: Cursor) -> None:
        pass

    def changes(self) -> list[Change]:
        shifts = self._ids("rm_shifts", self.shifts, "roster_id")
        rosters = self._ids("rm_rosters", self.rosters, "id")
        roster_ids = list(dict.fromkeys([*(r for _, r in rosters), *(r for _, r in shifts)]))
        found: list[Change] = []
        for roster_id in roster_ids:
            found.extend(self._roster(roster_id, [s for s, r in shifts if r == roster_id]))
        for assignment_id, _ in self._ids("rm_assignments", self.assignments, "id"):
            found.extend(self._assigned(assignment_id))
        for swap_id, _ in self._ids("rm_swaps", self.swaps, "id"):
            found.extend(self._swap(swap_id))
        return found

    def _ids(self, table: str, uuids: dict[str, None], other: str) -> list[tuple[int, int]]:
        if not uuids:
            return []
        with self.store.read() as cur:
            cur.execute(
                f"SELECT id, {other} AS other FROM {table} WHERE uuid IN ("
                + ", ".join("?" for _ in uuids) + ") ORDER BY id",
                list(uuids),
            )
            return [(int(r["id"]), int(r["other"])) for r in cur.fetchall()]

    def _roster(self, roster_id: int, shift_ids: list[int]) -> list[Change]:
        with self.store.read() as cur:
            cur.execute(
                "SELECT enterprise_id, department_id, status, is_deleted FROM rm_rosters WHERE id = ?",
                (roster_id,),
            )
            row = cur.fetchone()
        if row is None:
            return []
        rooms = tuple(audience.roster_audience(
            int(row["enterprise_id"]), int(row["department_id"]), row["status"]
        ))
        summary = self.queries.roster_summary(roster_id)
        data = _plain(summary) if summary else {"id": roster_id, "is_deleted": True}
        found = [Change("roster_updated", rooms, data)]
        for shift_id in shift_ids:
            shift = self.queries.shift(shift_id)
            if shift is not None:
                found.append(Change("scheduling.updated", rooms, scheduling_payload(shift)))
        return found

    def _assigned(self, assignment_id: int) -> list[Change]:
        assignment = self.queries.assignment(assignment_id)
        shift = assignment and self.queries.shift(assignment.shift_id)
        if assignment is None or shift is None:
            return []
        rooms = audience.personal_audience(shift.enterprise_id, shift.department_id, assignment.employee_id)
        data = {**_plain(assignment), "shift": _plain(shift)}
        return [Change("shift_assigned", tuple(rooms), data)]

    def _swap(self, swap_id: int) -> list[Change]:
        swap = self.queries.swap(swap_id)
        shift = swap and self.queries.shift(swap.shift_id)
        if swap is None or shift is None:
            return []
        rooms = audience.personal_audience(
            shift.enterprise_id, shift.department_id, swap.requester_id, swap.target_employee_id
        )
        return [Change("swap_request", tuple(rooms), _plain(swap))]


def scheduling_payload(shift: Any) -> dict[str, Any]:
    """A shift as the minimal scheduling API's `scheduling.updated` names it."""
    return {
        "id": str(shift.id),
        "title": shift.title,
        "start": f"{shift.date}T{shift.start_time}:00",
        "end": _end(shift),
    }


def _end(shift: Any) -> str:
    day = date.fromisoformat(shift.date)
    if shift.end_time <= shift.start_time:  # overnight: ends the next day
        day += timedelta(days=1)
    return f"{day.isoformat()}T{shift.end_time}:00"


# -- notifications -------------------------------------------------------------------


class InboxAnnouncer:
    """New notifications, found by id range: ids follow event order within the batch."""

    def __init__(self, store: ReadStore) -> None:
        self._inboxes = SqlInboxes(store)

    def begin(self, cur: Cursor) -> _InboxBatch:
        return _InboxBatch(self._inboxes, _last_notification(cur))


@dataclass
class _InboxBatch:
    inboxes: SqlInboxes
    before: int
    after: int = 0

    def saw(self, event: Any) -> None:
        pass

    def close(self, cur: Cursor) -> None:
        self.after = _last_notification(cur)

    def changes(self) -> list[Change]:
        if self.after <= self.before:
            return []
        return [
            Change("new_notification", (audience.user_room(user_id),), _plain(view))
            for user_id, view in self.inboxes.created_between(self.before, self.after)
        ]


def _last_notification(cur: Cursor) -> int:
    cur.execute("SELECT COALESCE(MAX(id), 0) AS last FROM rm_notifications")
    row = cur.fetchone()
    return int(row["last"]) if row else 0
