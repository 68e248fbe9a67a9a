"""Projection of rosters, shifts, assignments, swaps, templates and time off."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

from domain.assignment import Assignment
from domain.roster import Roster
from domain.schedule import EmployeeSchedule
from domain.shift import Shift
from domain.swap import SwapRequest
from domain.templates import ShiftTemplate
from domain.timeslots import shift_interval
from domain.zones import UTC, wall_clock

from projections import rostering_claims
from projections.base import Handler, Projection, changed_row, stamp, uuid_of
from projections.claims_schema import CLAIMS
from projections.schema import ROSTERING
from projections.sql import Cursor


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def minute(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def utc_minute(moment: Any) -> str:
    """An instant as `rm_shifts.start_at` keeps it: UTC to the minute, so it sorts and compares
    with the dashboards' `now` whatever the zones of the shifts."""
    return minute(moment.astimezone(UTC))


class RosteringProjection(Projection):
    name = "rostering"
    rebuild_cost = 4
    ddl = [*ROSTERING, *CLAIMS]
    version = 3  # 2: offered-up assignments, shift claims; 3: time zones (rosters, shifts, time off),
    # shifts' start_at and end_at in UTC
    query_indexes = frozenset({
        "rm_rosters_department",
        "rm_rosters_enterprise",
        "rm_shifts_department",
        "rm_assignments_shift",
        "rm_assignments_employee",
        "rm_swaps_requester",
        "rm_swaps_target",
        "rm_availability_employee",
        "rm_shift_claims_employee",
        "rm_shift_claims_department",
        "rm_shift_claims_shift",
        "rm_assignments_offered",
    })

    def __init__(self) -> None:
        self._recount: set[int] = set()
        """Rosters whose shift totals the batch may have changed."""
        self._touched: dict[int, str] = {}
        """Rosters' last_modified_at from their shifts' events, not yet written."""
        self._shift_rosters: dict[str, int] = {}

    def begin_batch(self) -> None:
        self._recount, self._touched, self._shift_rosters = set(), {}, {}

    def end_batch(self, cur: Cursor) -> None:
        self._write_touched(cur)
        for roster_id in sorted(self._recount):
            _recount_roster(cur, roster_id)
        self._recount, self._shift_rosters = set(), {}

    def _touch_roster(self, roster_id: int, at: str) -> None:
        """A shift event moves its roster's time. A roster's shifts have many events in a batch,
        so only the latest time is kept and written once, at the end of the batch or before the
        next roster event (which moves it itself). Totals are recounted at the end of the batch."""
        self._touched[roster_id] = at
        self._recount.add(roster_id)

    def _write_touched(self, cur: Cursor) -> None:
        for roster_id, at in sorted(self._touched.items()):
            cur.execute("UPDATE rm_rosters SET last_modified_at = ? WHERE id = ?", (at, roster_id))
        self._touched = {}

    def _shift_roster(self, cur: Cursor, e: Any) -> int:
        """The shift's roster (it never changes), looked up once per shift and batch."""
        uuid = uuid_of(e)
        if uuid not in self._shift_rosters:
            cur.execute("SELECT roster_id FROM rm_shifts WHERE uuid = ?", (uuid,))
            row = cur.fetchone()
            self._shift_rosters[uuid] = int(row["roster_id"]) if row else 0
        return self._shift_rosters[uuid]

    def handlers(self) -> dict[type, Handler]:
        return {
            Roster.Planned: self.roster_planned,
            Roster.StatusChanged: self.roster_changed(lambda e: {"status": e.status}),
            Roster.Revised: self.roster_changed(lambda e: {
                "name": e.name, "description": e.description, "start_date": e.start_date.isoformat(),
                "end_date": e.end_date.isoformat(), "settings": json.dumps(e.settings, sort_keys=True),
                "timezone": e.timezone,
            }),
            Roster.Deleted: self.roster_changed(lambda e: {"is_deleted": True}),
            # No column of their own, but they advance the version clients send back as If-Match.
            Roster.ShiftAdded: self.roster_changed(lambda e: {}),
            Roster.ShiftMoved: self.roster_changed(lambda e: {}),
            Roster.ShiftRemoved: self.roster_changed(lambda e: {}),
            Roster.AutoAssignRecorded: self.roster_changed(
                lambda e: {"auto_assign": json.dumps(e.report, sort_keys=True)}
            ),
            Shift.Planned: self.shift_planned,
            Shift.Revised: self.shift_revised,
            Shift.PlaceTaken: self.shift_staffed(+1),
            Shift.PlaceFreed: self.shift_staffed(-1),
            Shift.HandedOver: self.shift_staffed(0),
            Shift.Deleted: self.shift_deleted,
            Assignment.Made: self.assignment_made,
            Assignment.Answered: self.assignment_changed(lambda e: {"status": e.status, "notes": e.notes}),
            Assignment.Removed: self.assignment_changed(lambda e: {"status": "removed"}),
            Assignment.HandedOver: self.assignment_changed(
                lambda e: {"employee_id": e.employee_id, "status": "pending", "notes": None, "offered": False,
                           "offered_at": None}
            ),
            **rostering_claims.handlers(),
            SwapRequest.Proposed: self.swap_proposed,
            SwapRequest.Decided: self.swap_decided,
            ShiftTemplate.Defined: self.template_defined,
            ShiftTemplate.Revised: self.template_changed(lambda e: {
                "name": e.name, "description": e.description, "shifts": json.dumps(e.shifts),
            }),
            ShiftTemplate.Deleted: self.template_changed(lambda e: {"is_deleted": True}),
            EmployeeSchedule.TimeOffRequested: self.availability_added("time_off"),
            EmployeeSchedule.TimeOffDecided: self.time_off_decided,
            EmployeeSchedule.MarkedUnavailable: self.availability_added("unavailable"),
            EmployeeSchedule.UnavailableCleared: self.unavailable_cleared,
        }

    # -- rosters --------------------------------------------------------------

    def roster_planned(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_rosters (id, uuid, name, description, department_id, enterprise_id,"
            " start_date, end_date, status, created_by, settings, total_shifts, assigned_shifts,"
            " auto_assign, is_deleted, created_at, updated_at, last_modified_at, version, timezone)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?, ?, ?, ?, ?, ?)",
            (e.roster_id, uuid_of(e), e.name, e.description, e.department_id,
             e.enterprise_id, e.start_date.isoformat(), e.end_date.isoformat(), "draft", e.by,
             json.dumps(e.settings, sort_keys=True), False, at, at, at, version, e.timezone),
        )

    def roster_changed(self, values: Any) -> Handler:
        change = changed_row("rm_rosters", values, stamps=("updated_at", "last_modified_at"))

        def handle(e: Any, cur: Cursor) -> None:
            self._write_touched(cur)  # the times of earlier shift events, in order before this one
            change(e, cur)

        return handle

    # -- shifts ---------------------------------------------------------------

    def shift_planned(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        span = shift_interval(e.day, e.start_time, e.end_time, e.timezone)
        cur.execute(
            "INSERT INTO rm_shifts (id, uuid, roster_id, department_id, enterprise_id, date,"
            " start_time, end_time, start_at, end_at, title, description, required_staff,"
            " assigned_staff, location, is_deleted, created_at, updated_at, version, timezone)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
            (e.shift_id, uuid_of(e), e.roster_id, e.department_id, e.enterprise_id,
             e.day.isoformat(), hhmm(e.start_time), hhmm(e.end_time), utc_minute(span.start),
             utc_minute(span.end), e.title, e.description, e.required_staff, e.location, False,
             at, at, version, e.timezone),
        )
        self._shift_rosters[uuid_of(e)] = e.roster_id
        self._touch_roster(e.roster_id, at)

    def shift_revised(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        span = shift_interval(e.day, e.start_time, e.end_time, e.timezone)
        cur.execute(
            "UPDATE rm_shifts SET date = ?, start_time = ?, end_time = ?, start_at = ?, end_at = ?,"
            " title = ?, description = ?, required_staff = ?, location = ?, timezone = ?, updated_at = ?,"
            " version = ? WHERE uuid = ?",
            (e.day.isoformat(), hhmm(e.start_time), hhmm(e.end_time), utc_minute(span.start),
             utc_minute(span.end), e.title, e.description, e.required_staff, e.location, e.timezone, at,
             version, uuid_of(e)),
        )
        self._touch_roster(self._shift_roster(cur, e), at)

    def shift_staffed(self, delta: int) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            at, version = stamp(e)
            cur.execute(
                "UPDATE rm_shifts SET assigned_staff = assigned_staff + ?, updated_at = ?, version = ?"
                " WHERE uuid = ?",
                (delta, at, version, uuid_of(e)),
            )
            self._touch_roster(self._shift_roster(cur, e), at)
        return handle

    def shift_deleted(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "UPDATE rm_shifts SET is_deleted = ?, assigned_staff = 0, updated_at = ?, version = ?"
            " WHERE uuid = ?",
            (True, at, version, uuid_of(e)),
        )
        self._touch_roster(self._shift_roster(cur, e), at)

    # -- assignments ----------------------------------------------------------

    def assignment_made(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_assignments (id, uuid, shift_id, roster_id, employee_id, status, notes,"
            " assigned_at, updated_at, version, offered, offered_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL)",
            (e.assignment_id, uuid_of(e), e.shift_id, e.roster_id, e.employee_id,
             made_status(e), at, at, version, False),
        )

    def assignment_changed(self, values: Any) -> Handler:
        return changed_row("rm_assignments", values)

    # -- swaps ----------------------------------------------------------------

    def swap_proposed(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_swaps (id, uuid, roster_id, requester_id, target_employee_id, shift_id,"
            " target_shift_id, status, reason, message, needs_approval, created_at, updated_at,"
            " version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.swap_id, uuid_of(e), e.roster_id, e.requester_id, e.target_employee_id,
             e.shift_id, e.target_shift_id, "pending", e.reason, e.message, e.needs_approval,
             at, at, version),
        )

    def swap_decided(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "UPDATE rm_swaps SET status = ?, updated_at = ?, version = ? WHERE uuid = ?",
            (e.status, at, version, uuid_of(e)),
        )

    # -- templates ------------------------------------------------------------

    def template_defined(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_templates (id, uuid, department_id, enterprise_id, name, description,"
            " shifts, is_deleted, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.template_id, uuid_of(e), e.department_id, e.enterprise_id, e.name,
             e.description, json.dumps(e.shifts), False, at, at, version),
        )

    def template_changed(self, values: Any) -> Handler:
        return changed_row("rm_templates", values)

    # -- time off and availability -----------------------------------------------

    def availability_added(self, kind: str) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            at, _ = stamp(e)
            entry_id = e.time_off_id if kind == "time_off" else e.entry_id
            reason = e.reason if kind == "time_off" else e.note
            status = "requested" if kind == "time_off" else "active"
            # Shown on the clocks it was given on, as the employee entered it.
            cur.execute(
                "INSERT INTO rm_availability (id, kind, employee_id, start_at, end_at, timezone, status,"
                " reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry_id, kind, e.employee_id, minute(wall_clock(e.start, e.timezone)),
                 minute(wall_clock(e.end, e.timezone)), e.timezone, status, reason, at, at),
            )
        return handle

    def time_off_decided(self, e: Any, cur: Cursor) -> None:
        at, _ = stamp(e)
        cur.execute(
            "UPDATE rm_availability SET status = ?, updated_at = ? WHERE kind = ? AND id = ?",
            (e.status, at, "time_off", e.time_off_id),
        )

    def unavailable_cleared(self, e: Any, cur: Cursor) -> None:
        at, _ = stamp(e)
        cur.execute(
            "UPDATE rm_availability SET status = ?, updated_at = ? WHERE kind = ? AND id = ?",
            ("cleared", at, "unavailable", e.entry_id),
        )



def made_status(e: Any) -> str:
    """An assignment a claim made is confirmed at once (events before claims name none)."""
    return "pending" if getattr(e, "claim_id", None) is None else "confirmed"


def _recount_roster(cur: Cursor, roster_id: int) -> None:
    """Recount the roster's shifts and fully staffed shifts from its shift rows."""
    cur.execute(
        "UPDATE rm_rosters SET"
        " total_shifts = (SELECT COUNT(*) FROM rm_shifts s WHERE s.roster_id = rm_rosters.id"
        "     AND s.is_deleted = ?),"
        " assigned_shifts = (SELECT COUNT(*) FROM rm_shifts s WHERE s.roster_id = rm_rosters.id"
        "     AND s.is_deleted = ? AND s.assigned_staff >= s.required_staff)"
        " WHERE id = ?",
        (False, False, roster_id),
    )

