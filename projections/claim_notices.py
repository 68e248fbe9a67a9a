"""Who hears of shift claims and drops (a part of the notifications projection).

A claim waiting for approval: the department's manager (high). A claim carried out at once:
the manager, and the holder who offered the place up. A decision: the claimant, and on
approval the holder who offered the place up. A withdrawn claim: the manager (low). The
assignment a claim made or took over tells nobody itself (`shift_assigned` would repeat the
claim's own notice); realtime `shift_assigned` still announces it. Nobody is told of their
own action.
"""

from __future__ import annotations

from typing import Any

from domain.inbox import NotificationType, Priority

from projections.base import uuid_of
from projections.sql import Cursor, Row, one

T = NotificationType


def _words(shift: Row | None, shift_id: int) -> str:
    if shift is None:
        return f"shift {shift_id}"
    return f"{shift['title']} on {shift['date']} ({shift['start_time']}-{shift['end_time']})"


class ClaimNotices:
    """Handlers mixed into `NotificationsProjection` (which provides `_deliver`, `_shift` and
    `_managers_of`)."""

    _deliver: Any
    _shift: Any
    _managers_of: Any

    def claim_made(self, e: Any, cur: Cursor) -> None:
        cur.execute(
            "INSERT INTO nt_claims (uuid, id, roster_id, shift_id, employee_id, dropper_id) VALUES (?, ?, ?, ?, ?, ?)",
            (uuid_of(e), e.claim_id, e.roster_id, e.shift_id, e.employee_id, e.dropper_id),
        )
        shift = self._shift(cur, e.shift_id)
        words, url = _words(shift, e.shift_id), f"/shift-claims/{e.claim_id}"
        data = {"claim_id": e.claim_id, "shift_id": e.shift_id, "roster_id": e.roster_id,
                "employee_id": e.employee_id, "assignment_id": e.assignment_id, "status": e.status}
        offered = " offered up by a colleague" if e.dropper_id is not None else ""
        managers = self._managers_of(cur, e.roster_id)
        if e.status == "pending":
            self._deliver(cur, e, managers, T.SHIFT_CLAIM, "Shift Claim Awaiting Approval",
                          f"Employee {e.employee_id} claims the place{offered} on {words}", url, data,
                          Priority.HIGH)
            return
        self._deliver(cur, e, managers, T.SHIFT_CLAIM, "Shift Claimed",
                      f"Employee {e.employee_id} took the place{offered} on {words}", url, data)
        self._tell_dropper(cur, e, e.dropper_id, e.employee_id, words, data)

    def claim_decided(self, e: Any, cur: Cursor) -> None:
        claim = one(cur, "SELECT * FROM nt_claims WHERE uuid = ?", uuid_of(e))
        if claim is None:
            return
        words = _words(self._shift(cur, claim["shift_id"]), claim["shift_id"])
        data = {"claim_id": claim["id"], "shift_id": claim["shift_id"], "roster_id": claim["roster_id"],
                "assignment_id": e.assignment_id, "status": e.status, "note": e.note}
        url = f"/shift-claims/{claim['id']}"
        if e.status in ("approved", "rejected"):
            because = f": {e.note}" if e.note else ""
            self._deliver(cur, e, [claim["employee_id"]], T.SHIFT_CLAIM_DECIDED,
                          f"Shift Claim {e.status.capitalize()}",
                          f"Your claim of {words} was {e.status}{because}", url, data)
        if e.status == "approved":
            self._tell_dropper(cur, e, claim["dropper_id"], claim["employee_id"], words, data)
        elif e.status == "cancelled":
            self._deliver(cur, e, self._managers_of(cur, claim["roster_id"]), T.SHIFT_CLAIM,
                          "Shift Claim Withdrawn", f"Employee {claim['employee_id']} withdrew their claim of {words}",
                          url, data, Priority.LOW)

    def _tell_dropper(self, cur: Cursor, e: Any, dropper_id: int | None, claimant: int, words: str,
                      data: dict[str, Any]) -> None:
        if dropper_id is None:
            return
        self._deliver(cur, e, [dropper_id], T.SHIFT_TAKEN_OVER, "Your Shift Was Taken Over",
                      f"Employee {claimant} took over {words}; it is no longer yours", "/my-schedule", data)

    def assignment_taken_over(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE nt_assignments SET employee_id = ? WHERE uuid = ?", (e.employee_id, uuid_of(e)))
