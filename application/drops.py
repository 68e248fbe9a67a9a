"""Drops: an employee offers up their assignment, and may withdraw the offer.

An offered-up assignment stays its holder's (still counted on the shift, still booked on
their schedule) until a colleague's claim takes it over (`application.claims`).
"""

from __future__ import annotations

from datetime import datetime

from domain.assignment import Assignment
from domain.claim import ShiftClaim, check_open_for_claims, check_upcoming
from domain.errors import NotFound, PermissionDenied
from domain.roster import Roster
from domain.shift import Shift, ShiftRemoved

from application import policy
from application.base import RosteringHandler
from application.events import SchedulaX
from application.ports import ClaimQueries, Directory, IdAllocator, ProjectionSync, RosterQueries
from application.principal import Principal
from application.rostering_views import AssignmentView

RACE = "The assignment changed at the same time; retry"
WITHDRAWN = "The offer was withdrawn"


class DropService(RosteringHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        queries: RosterQueries, claims: ClaimQueries,
    ) -> None:
        super().__init__(events, ids, sync, directory, queries)
        self._claims = claims

    def offer(self, principal: Principal, assignment_id: int, now: datetime) -> AssignmentView:
        policy.require_may_change(principal)
        assignment, shift, roster = self._held(principal, assignment_id)
        roster.check_writable()
        check_open_for_claims(roster.settings, roster.status, roster.is_deleted)
        check_upcoming(shift.interval.start, now)
        assignment.offer_up(by=principal.id)
        self._commit(assignment, conflict=RACE)
        return self._view(assignment_id)

    def withdraw(self, principal: Principal, assignment_id: int) -> AssignmentView:
        """Take the offer back while nobody took the place over; claims waiting for it are closed."""
        policy.require_may_change(principal)
        assignment, _, roster = self._held(principal, assignment_id)
        roster.check_writable()
        assignment.withdraw_offer(by=principal.id)
        closed = []
        for pending in self._claims.pending_claims(assignment.shift_id):
            claim = self._events.find(ShiftClaim.create_id(pending.id), ShiftClaim)
            if claim is not None and claim.is_pending and claim.is_drop and claim.assignment_id == assignment_id:
                claim.reject(by=principal.id, note=WITHDRAWN)
                closed.append(claim)
        self._commit(assignment, *closed, conflict=RACE)
        return self._view(assignment_id)

    def _held(self, principal: Principal, assignment_id: int) -> tuple[Assignment, Shift, Roster]:
        """The caller's own assignment, its shift and roster. Someone else's is 404 outside the
        department's view, 403 within it."""
        assignment = self._load(Assignment, "assignment", assignment_id, "Assignment")
        roster = self._events.find(Roster.create_id(assignment.roster_id), Roster)
        shift = self._events.find(Shift.create_id(assignment.shift_id), Shift)
        if roster is None or shift is None:
            raise NotFound("Assignment not found")
        if assignment.employee_id != principal.id:
            if not policy.can_view_department(principal, roster.enterprise_id, roster.department_id):
                raise NotFound("Assignment not found")
            raise PermissionDenied("Only the assigned employee can offer up their assignment")
        if shift.is_deleted:
            raise ShiftRemoved()
        return assignment, shift, roster

    def _view(self, assignment_id: int) -> AssignmentView:
        view = self._queries.assignment(assignment_id)
        if view is None:
            raise NotFound("Assignment not found")
        return view
