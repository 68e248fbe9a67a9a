"""Per-user notifications derived from domain events, and what users do with them.

Who hears of what: a roster published, to its department; a shift assigned or
removed, to the employee; a declined assignment, to the department's manager; a swap
request, to its target and the manager; a swap decided, to both employees; time off,
to the manager and back to the employee; shift claims and drops, see `claim_notices`;
calendar events (001's `event.update`), see `calendar_notices`.
Nobody is told of their own action.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from domain.assignment import Assignment
from domain.calendar_event import CalendarEvent
from domain.claim import ShiftClaim
from domain.inbox import Inbox, NotificationType, Priority
from domain.identity import User
from domain.organisation import Department
from domain.roster import Roster
from domain.schedule import EmployeeSchedule
from domain.shift import Shift
from domain.swap import SwapRequest
from domain.webhook import Webhook
from domain.zones import wall_clock

from projections.base import Handler, Projection, stamp, uuid_of
from projections.calendar_notices import CalendarNotices
from projections.claim_notices import ClaimNotices
from projections.notifications_schema import NOTIFICATIONS
from projections.rostering import hhmm, minute
from projections.sql import Cursor, Row, iso, many, one

LIFETIME = timedelta(days=30)
"""Notifications expire from the inbox a month after they were made."""

T = NotificationType

_sorted_json = json.JSONEncoder(sort_keys=True).encode
"""`json.dumps(data, sort_keys=True)`, without building an encoder for every notification."""


class NotificationsProjection(ClaimNotices, CalendarNotices, Projection):
    name = "notifications"
    rebuild_cost = 3
    ddl = NOTIFICATIONS
    version = 5  # 2: shift claims and drops; 3: time off told on the clocks of the zone it was asked in;
    # 4: calendar events (001's event.update); 5: webhooks disabled after failed deliveries

    def __init__(self) -> None:
        self._next_id: int | None = None
        """The next notification id, read once per batch: ids follow event order."""
        self._muted: dict[int, Sequence[str]] = {}
        """Users' muted types as read or written in this batch."""
        self._shifts: dict[int, Row] = {}
        """`nt_shifts` rows planned or read in this batch: a shift's assignments mostly follow it."""

    def begin_batch(self) -> None:
        self._next_id, self._muted, self._shifts = None, {}, {}

    def _shift(self, cur: Cursor, shift_id: int) -> Row | None:
        if shift_id not in self._shifts:
            row = one(cur, "SELECT * FROM nt_shifts WHERE id = ?", shift_id)
            if row is None:
                return None
            self._shifts[shift_id] = row
        return self._shifts[shift_id]

    def handlers(self) -> dict[type, Handler]:
        return {
            Webhook.Disabled: self.webhook_disabled,
            User.Registered: self.user_registered,
            User.Placed: self.user_placed,
            User.ActivationChanged: self.user_activation,
            Department.Opened: self.department_opened,
            Department.Updated: self.department_updated,
            Roster.Planned: self.roster_planned,
            Roster.Revised: self.roster_revised,
            Roster.StatusChanged: self.roster_status,
            Shift.Planned: self.shift_planned,
            Shift.Revised: self.shift_revised,
            Assignment.Made: self.assignment_made,
            Assignment.Answered: self.assignment_answered,
            Assignment.Removed: self.assignment_removed,
            Assignment.HandedOver: self.assignment_handed_over,
            Assignment.TakenOver: self.assignment_taken_over,
            ShiftClaim.Made: self.claim_made,
            ShiftClaim.Decided: self.claim_decided,
            SwapRequest.Proposed: self.swap_proposed,
            SwapRequest.Decided: self.swap_decided,
            EmployeeSchedule.TimeOffRequested: self.time_off_requested,
            EmployeeSchedule.TimeOffDecided: self.time_off_decided,
            CalendarEvent.Created: self.calendar_event_created,
            CalendarEvent.Changed: self.calendar_event_changed,
            CalendarEvent.Shared: self.calendar_event_shared,
            CalendarEvent.Unshared: self.calendar_event_unshared,
            CalendarEvent.Deleted: self.calendar_event_deleted,
            Inbox.Read: self.read,
            Inbox.AllRead: self.all_read,
            Inbox.Dismissed: self.dismissed,
            Inbox.Muted: self.muted,
        }

    # -- facts kept to address notifications ------------------------------------

    def webhook_disabled(self, e: Any, cur: Cursor) -> None:
        self._deliver(cur, e, e.notify, T.WEBHOOK_DISABLED, "Webhook Disabled",
                      f"The webhook to {e.url} was disabled after {e.failures} failed deliveries in a row",
                      f"/webhooks/{e.webhook_id}", {"webhook_id": e.webhook_id, "failures": e.failures},
                      Priority.HIGH)

    def user_registered(self, e: Any, cur: Cursor) -> None:
        cur.execute(
            "INSERT INTO nt_users (id, uuid, department_id, is_active) VALUES (?, ?, ?, ?)",
            (e.user_id, uuid_of(e), e.department_id, e.is_active),
        )

    def user_placed(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE nt_users SET department_id = ? WHERE uuid = ?",
                    (e.department_id, uuid_of(e)))

    def user_activation(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE nt_users SET is_active = ? WHERE uuid = ?",
                    (e.is_active, uuid_of(e)))

    def department_opened(self, e: Any, cur: Cursor) -> None:
        cur.execute("INSERT INTO nt_departments (id, uuid, manager_id) VALUES (?, ?, ?)",
                    (e.department_id, uuid_of(e), e.manager_id))

    def department_updated(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE nt_departments SET manager_id = ? WHERE uuid = ?",
                    (e.manager_id, uuid_of(e)))

    def roster_planned(self, e: Any, cur: Cursor) -> None:
        cur.execute(
            "INSERT INTO nt_rosters (id, uuid, name, department_id) VALUES (?, ?, ?, ?)",
            (e.roster_id, uuid_of(e), e.name, e.department_id),
        )

    def roster_revised(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE nt_rosters SET name = ? WHERE uuid = ?", (e.name, uuid_of(e)))

    def shift_planned(self, e: Any, cur: Cursor) -> None:
        row = {"id": e.shift_id, "uuid": uuid_of(e), "roster_id": e.roster_id, "date": e.day.isoformat(),
               "start_time": hhmm(e.start_time), "end_time": hhmm(e.end_time), "title": e.title}
        cur.execute(
            "INSERT INTO nt_shifts (id, uuid, roster_id, date, start_time, end_time, title)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            tuple(row.values()),
        )
        self._shifts[e.shift_id] = row

    def shift_revised(self, e: Any, cur: Cursor) -> None:
        self._shifts = {}  # the event names the shift by uuid only; revisions are rare
        cur.execute(
            "UPDATE nt_shifts SET date = ?, start_time = ?, end_time = ?, title = ? WHERE uuid = ?",
            (e.day.isoformat(), hhmm(e.start_time), hhmm(e.end_time), e.title, uuid_of(e)),
        )

    # -- notifications ----------------------------------------------------------

    def roster_status(self, e: Any, cur: Cursor) -> None:
        if e.status != "published":
            return
        roster = one(cur, "SELECT id, name, department_id FROM nt_rosters WHERE uuid = ?",
                     uuid_of(e))
        if roster is None:
            return
        members = [r["id"] for r in many(
            cur, "SELECT id FROM nt_users WHERE department_id = ? AND is_active = ? ORDER BY id",
            roster["department_id"], True,
        )]
        self._deliver(cur, e, members, T.ROSTER_PUBLISHED, "New Roster Published",
                      f"{roster['name']} has been published", f"/rosters/{roster['id']}",
                      {"roster_id": roster["id"], "roster_name": roster["name"]})

    def assignment_made(self, e: Any, cur: Cursor) -> None:
        cur.execute(
            "INSERT INTO nt_assignments (uuid, id, shift_id, employee_id) VALUES (?, ?, ?, ?)",
            (uuid_of(e), e.assignment_id, e.shift_id, e.employee_id),
        )
        if getattr(e, "claim_id", None) is None:  # a claim's own notices tell of one it made
            self._tell_assigned(cur, e, e.assignment_id, self._shift(cur, e.shift_id))

    def assignment_handed_over(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE nt_assignments SET employee_id = ? WHERE uuid = ?",
                    (e.employee_id, uuid_of(e)))
        found = self._assignment(cur, e)
        if found is not None:
            self._tell_assigned(cur, e, found[0]["id"], found[1])

    def _tell_assigned(self, cur: Cursor, e: Any, assignment_id: int, shift: Row | None) -> None:
        if shift is None:
            return
        self._deliver(cur, e, [e.employee_id], T.SHIFT_ASSIGNED, "New Shift Assignment",
                      f"You have been assigned to {_shift_words(shift)}", "/my-schedule",
                      {**_shift_data(shift), "assignment_id": assignment_id})

    def assignment_removed(self, e: Any, cur: Cursor) -> None:
        found = self._assignment(cur, e)
        if found is None:
            return
        assignment, shift = found
        self._deliver(cur, e, [assignment["employee_id"]], T.SHIFT_UNASSIGNED, "Shift Assignment Removed",
                      f"You are no longer assigned to {_shift_words(shift)}", "/my-schedule",
                      {**_shift_data(shift), "assignment_id": assignment["id"]})

    def assignment_answered(self, e: Any, cur: Cursor) -> None:
        if e.status != "declined":
            return
        found = self._assignment(cur, e)
        if found is None:
            return
        assignment, shift = found
        self._deliver(cur, e, _managers(cur, shift["roster_id"]), T.ASSIGNMENT_DECLINED, "Assignment Declined",
                      f"Employee {assignment['employee_id']} declined {_shift_words(shift)}",
                      f"/rosters/{shift['roster_id']}",
                      {**_shift_data(shift), "assignment_id": assignment["id"],
                       "employee_id": assignment["employee_id"], "notes": e.notes},
                      Priority.HIGH)

    def swap_proposed(self, e: Any, cur: Cursor) -> None:
        cur.execute(
            "INSERT INTO nt_swaps (uuid, id, roster_id, requester_id, target_employee_id, shift_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (uuid_of(e), e.swap_id, e.roster_id, e.requester_id, e.target_employee_id,
             e.shift_id),
        )
        shift = self._shift(cur, e.shift_id)
        words = _shift_words(shift) if shift else f"shift {e.shift_id}"
        data = {"swap_request_id": e.swap_id, "shift_id": e.shift_id, "requester_id": e.requester_id,
                "target_employee_id": e.target_employee_id}
        url = f"/swap-requests/{e.swap_id}"
        self._deliver(cur, e, [e.target_employee_id], T.SWAP_REQUEST, "New Swap Request",
                      f"A colleague asks you to take over {words}", url, data)
        self._deliver(cur, e, _managers(cur, e.roster_id), T.SWAP_REQUEST, "Swap Request in Your Team",
                      f"Employee {e.requester_id} asked employee {e.target_employee_id} to swap {words}",
                      url, data)

    def swap_decided(self, e: Any, cur: Cursor) -> None:
        swap = one(cur, "SELECT * FROM nt_swaps WHERE uuid = ?", uuid_of(e))
        if swap is None:
            return
        data = {"swap_request_id": swap["id"], "shift_id": swap["shift_id"], "status": e.status}
        url = f"/swap-requests/{swap['id']}"
        if e.status in ("approved", "rejected"):
            self._deliver(cur, e, [swap["requester_id"], swap["target_employee_id"]], T.SWAP_DECIDED,
                          f"Swap Request {e.status.capitalize()}",
                          f"The swap request #{swap['id']} was {e.status}", url, data)
        elif e.status == "accepted":
            self._deliver(cur, e, [swap["requester_id"]], T.SWAP_DECIDED, "Swap Request Accepted",
                          f"Your swap request #{swap['id']} was accepted and awaits a manager", url, data)
            self._deliver(cur, e, _managers(cur, swap["roster_id"]), T.SWAP_REQUEST,
                          "Swap Awaiting Your Approval",
                          f"Swap request #{swap['id']} was accepted and needs your approval", url, data,
                          Priority.HIGH)
        elif e.status == "cancelled":
            self._deliver(cur, e, [swap["target_employee_id"]], T.SWAP_CANCELLED, "Swap Request Cancelled",
                          f"Swap request #{swap['id']} was cancelled", url, data, Priority.LOW)

    def time_off_requested(self, e: Any, cur: Cursor) -> None:
        start, end = minute(wall_clock(e.start, e.timezone)), minute(wall_clock(e.end, e.timezone))
        cur.execute(
            "INSERT INTO nt_time_off (id, employee_id, start_at, end_at) VALUES (?, ?, ?, ?)",
            (e.time_off_id, e.employee_id, start, end),
        )
        user = one(cur, "SELECT department_id FROM nt_users WHERE id = ?", e.employee_id)
        manager = user and one(cur, "SELECT manager_id FROM nt_departments WHERE id = ?",
                               user["department_id"])
        self._deliver(cur, e, [manager["manager_id"]] if manager and manager["manager_id"] else [],
                      T.TIME_OFF_REQUESTED, "Time Off Requested",
                      f"Employee {e.employee_id} asks for time off from {start} to {end}",
                      "/time-off", {"time_off_id": e.time_off_id, "employee_id": e.employee_id})

    def time_off_decided(self, e: Any, cur: Cursor) -> None:
        if e.status not in ("approved", "rejected"):
            return
        entry = one(cur, "SELECT * FROM nt_time_off WHERE id = ?", e.time_off_id)
        if entry is None:
            return
        self._deliver(cur, e, [entry["employee_id"]], T.TIME_OFF_DECIDED, f"Time Off {e.status.capitalize()}",
                      f"Your time off from {entry['start_at']} to {entry['end_at']} was {e.status}",
                      "/time-off", {"time_off_id": e.time_off_id, "status": e.status})

    # -- what users do with their inbox -----------------------------------------

    def read(self, e: Any, cur: Cursor) -> None:
        cur.execute(
            "UPDATE rm_notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL",
            (iso(e.timestamp), e.notification_id, e.by),
        )

    def all_read(self, e: Any, cur: Cursor) -> None:
        cur.execute(
            "UPDATE rm_notifications SET read_at = ? WHERE user_id = ? AND id <= ? AND read_at IS NULL",
            (iso(e.timestamp), e.by, e.up_to),
        )

    def dismissed(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE rm_notifications SET is_deleted = ? WHERE id = ? AND user_id = ?",
                    (True, e.notification_id, e.by))

    def muted(self, e: Any, cur: Cursor) -> None:
        self._muted[e.by] = list(e.types)
        cur.execute(
            "INSERT INTO rm_notification_preferences (user_id, muted_types, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET muted_types = excluded.muted_types,"
            " updated_at = excluded.updated_at",
            (e.by, json.dumps(e.types), iso(e.timestamp)),
        )

    def _assignment(self, cur: Cursor, e: Any) -> tuple[Row, Row] | None:
        assignment = one(cur, "SELECT * FROM nt_assignments WHERE uuid = ?", uuid_of(e))
        if assignment is None:
            return None
        shift = self._shift(cur, assignment["shift_id"])
        return (assignment, shift) if shift else None

    @staticmethod
    def _managers_of(cur: Cursor, roster_id: int) -> list[int]:
        return _managers(cur, roster_id)

    def _deliver(
        self, cur: Cursor, e: Any, recipients: Iterable[int | None], kind: NotificationType, title: str,
        message: str, action_url: str | None, data: dict[str, Any], priority: Priority = Priority.NORMAL,
    ) -> None:
        """One notification per recipient, skipping the actor and anyone who muted the type."""
        wanted = sorted({r for r in recipients if r is not None and r != getattr(e, "by", None)})
        if not wanted:
            return
        unknown = [user_id for user_id in wanted if user_id not in self._muted]
        if unknown:
            self._muted.update(dict.fromkeys(unknown, ()))
            for row in many(cur, "SELECT user_id, muted_types FROM rm_notification_preferences WHERE user_id IN ("
                            + ", ".join("?" for _ in unknown) + ")", *unknown):
                self._muted[row["user_id"]] = json.loads(row["muted_types"])
        at = stamp(e)[0]
        expires = iso(e.timestamp + LIFETIME)
        payload = _sorted_json(data)
        if self._next_id is None:
            # Ids follow event order, so a rebuild numbers every notification the same way.
            cur.execute("SELECT COALESCE(MAX(id), 0) AS last FROM rm_notifications")
            row = cur.fetchone()
            self._next_id = int(row["last"]) + 1 if row else 1
        for user_id in wanted:
            if kind.value in self._muted[user_id]:
                continue
            cur.execute(
                "INSERT INTO rm_notifications (id, user_id, type, title, message, priority, action_url,"
                " data, read_at, is_deleted, expires_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                (self._next_id, user_id, kind.value, title, message, priority.value, action_url, payload,
                 False, expires, at),
            )
            self._next_id += 1


def _managers(cur: Cursor, roster_id: int) -> list[int]:
    row = one(
        cur, "SELECT d.manager_id FROM nt_rosters r JOIN nt_departments d ON d.id = r.department_id"
        " WHERE r.id = ?", roster_id,
    )
    return [row["manager_id"]] if row and row["manager_id"] is not None else []


def _shift_words(shift: dict[str, Any]) -> str:
    return f"{shift['title']} on {shift['date']} ({shift['start_time']}-{shift['end_time']})"


def _shift_data(shift: dict[str, Any]) -> dict[str, Any]:
    return {"shift_id": shift["id"], "roster_id": shift["roster_id"], "date": shift["date"],
            "start_time": shift["start_time"], "end_time": shift["end_time"], "title": shift["title"]}
