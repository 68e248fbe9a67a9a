"""Open shifts and claims: what an employee may pick up, claiming it, and a manager's decision.

A claim books the claimant through the one booking path of every assignment
(`assignments.place`, or `EmployeeSchedule.book` with the roster's rules for a place offered
up), in one save with the shift, so every rule holds for claims as for assignment, and two
employees claiming the last place at once cannot both succeed: the second save meets a newer
version of the shift (409).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec

from domain.assignment import Assignment, NotOffered
from domain.claim import (
    AlreadyClaimed,
    NoPlaceToClaim,
    OwnOffer,
    ShiftClaim,
    check_note,
    check_open_for_claims,
    check_upcoming,
)
from domain.errors import Conflict, NotFound, PermissionDenied
from domain.roles import Role
from domain.roster import Roster
from domain.schedule import EmployeeSchedule, Rules
from domain.shift import AlreadyOnShift, Shift, ShiftFull, ShiftRemoved

from application import policy
from application.assignments import booking_of, place
from application.hours_rules import rules_for
from application.base import RosteringHandler
from application.claim_views import ClaimView, OpenShiftFilter, OpenShiftView, Refusal
from application.events import SchedulaX
from application.ports import ClaimQueries, Directory, IdAllocator, ProjectionSync, RosterQueries
from application.principal import Principal
from application.views import Page, Paged

RACE = "The shift or a schedule changed at the same time; retry"
WORKERS = (Role.EMPLOYEE, Role.MANAGER)
"""The roles that work shifts, and so may claim them (as auto-assign considers them)."""
FILLED = "The place went to another claim"


def minute(now: datetime) -> str:
    """`now` as the read models keep shift starts (UTC, to the minute)."""
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")


def code_of(error: Conflict) -> str:
    """`DoubleBooked` -> `double_booked`: the rule's name, for clients to tell refusals apart."""
    name = type(error).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def check_claimant(schedule: EmployeeSchedule, shift: Shift, roster: Roster, employee_id: int, rules: Rules) -> None:
    """Raise the rule that placing the employee on the shift would break; the same checks
    `place` and `EmployeeSchedule.book` make (with the roster's `rules`), without booking anything."""
    if employee_id in shift.slots.values():
        raise AlreadyOnShift(employee_id)
    schedule.check(booking_of(shift, roster), rules)


class ClaimService(RosteringHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        queries: RosterQueries, claims: ClaimQueries,
    ) -> None:
        super().__init__(events, ids, sync, directory, queries)
        self._claims = claims

    # -- what is open --------------------------------------------------------------

    def open_shifts(
        self, principal: Principal, roster_id: int | None, start_date: str | None, end_date: str | None,
        page: Page, now: datetime,
    ) -> Paged[OpenShiftView]:
        """Upcoming open and offered-up places of the caller's department, each with whether the
        caller may claim it now. Callers who work no shifts there see none."""
        if principal.role not in WORKERS or principal.department_id is None:
            return Paged(items=[], total=0, page=page)
        found = self._claims.open_shifts(OpenShiftFilter(
            department_id=principal.department_id, after=minute(now), roster_id=roster_id,
            start_date=start_date, end_date=end_date,
        ), principal.id, page)
        schedule = self._schedule(principal.id)
        rosters: dict[int, tuple[Roster, Rules] | None] = {}
        items = []
        for view in found.items:
            why = self._refusal(principal.id, view, schedule, rosters)
            items.append(msgspec.structs.replace(view, can_claim=why is None, reason=why))
        return Paged(items=items, total=found.total, page=page)

    def _refusal(self, employee_id: int, view: OpenShiftView, schedule: EmployeeSchedule,
                 rosters: dict[int, tuple[Roster, Rules] | None]) -> Refusal | None:
        if view.my_claim is not None:
            refused: Conflict = AlreadyClaimed(view.my_claim.id)
        elif view.open_places <= 0 and all(o.employee.id == employee_id for o in view.offered):
            refused = OwnOffer()
        else:
            shift = self._events.find(Shift.create_id(view.id), Shift)
            if view.roster.id not in rosters:
                found = self._events.find(Roster.create_id(view.roster.id), Roster)
                rosters[view.roster.id] = (found, rules_for(self._events, found)) if found is not None else None
            known = rosters[view.roster.id]
            if shift is None or known is None:
                return Refusal(code="shift_removed", message=ShiftRemoved().message)
            roster, rules = known
            try:
                check_claimant(schedule, shift, roster, employee_id, rules)
                return None
            except Conflict as error:
                refused = error
        return Refusal(code=code_of(refused), message=refused.message)

    # -- claiming ------------------------------------------------------------------------

    def claim(
        self, principal: Principal, shift_id: int, assignment_id: int | None, note: str | None, now: datetime
    ) -> ClaimView:
        """Take an open place (or the offered-up one named): at once, or pending a manager."""
        policy.require_may_change(principal)
        check_note(note)
        shift, roster = self._claimable(principal, shift_id, now)
        offer = self._offer(shift, assignment_id, principal.id)
        for pending in self._claims.pending_claims(shift.shift_id):
            if pending.employee_id == principal.id:
                raise AlreadyClaimed(pending.id)
        claim_id = self._ids.next_id("shift_claim")
        filed = dict(
            claim_id=claim_id, shift_id=shift.shift_id, roster_id=roster.roster_id,
            enterprise_id=roster.enterprise_id, department_id=roster.department_id, employee_id=principal.id,
            dropper_id=offer.employee_id if offer else None, note=note, by=principal.id,
        )
        if roster.settings.get("require_claim_approval", True):
            check_claimant(self._schedule(principal.id), shift, roster, principal.id, rules_for(self._events, roster))
            claim = ShiftClaim.file(**filed, assignment_id=offer.assignment_id if offer else None,
                                    needs_approval=True)
            self._commit(claim, conflict=RACE)
        else:
            taken, touched = self._take(shift, roster, offer, principal.id, claim_id, principal.id)
            claim = ShiftClaim.file(**filed, assignment_id=taken, needs_approval=False)
            self._commit(claim, *touched, *self._moot(claim, shift, principal.id), conflict=RACE)
        return self._view(claim_id)

    def _claimable(self, principal: Principal, shift_id: int, now: datetime) -> tuple[Shift, Roster]:
        shift = self._events.find(Shift.create_id(shift_id), Shift)
        roster = shift and self._events.find(Roster.create_id(shift.roster_id), Roster)
        if shift is None or roster is None or shift.is_deleted or not policy.can_view_roster(
            principal, roster.enterprise_id, roster.department_id, roster.status
        ):
            raise NotFound("Shift not found")
        if principal.role not in WORKERS or principal.department_id != roster.department_id:
            raise PermissionDenied("Only employees and managers of the roster's department can claim its shifts")
        check_open_for_claims(roster.settings, roster.status, roster.is_deleted)
        check_upcoming(shift.interval.start, now)
        return shift, roster

    def _offer(self, shift: Shift, assignment_id: int | None, claimant: int) -> Assignment | None:
        """The offered-up assignment to claim; None for an open place (taken first when no
        assignment is named)."""
        if assignment_id is not None:
            offer = self._events.find(Assignment.create_id(assignment_id), Assignment)
            if offer is None or offer.shift_id != shift.shift_id:
                raise NotFound("Assignment not found on this shift")
            if not offer.is_offered:
                raise NotOffered()
            if offer.employee_id == claimant:
                raise OwnOffer()
            return offer
        if shift.open_places > 0:
            return None
        held = [self._events.find(Assignment.create_id(a), Assignment) for a in sorted(shift.slots)]
        offered = [a for a in held if a is not None and a.is_offered]
        others = [a for a in offered if a.employee_id != claimant]
        if others:
            return others[0]
        raise OwnOffer() if offered else NoPlaceToClaim()

    def _take(
        self, shift: Shift, roster: Roster, offer: Assignment | None, employee_id: int, claim_id: int, by: int
    ) -> tuple[int, list[Any]]:
        """Give the claimant the place: a new assignment on an open place, or the offered one
        handed over (the holder's booking released, the claimant's booked). The assignment it
        gave, and the aggregates to save."""
        schedule = self._schedule(employee_id)
        rules = rules_for(self._events, roster)
        if offer is None:
            made = place(shift, roster, schedule, self._ids.next_id("assignment"), employee_id, by, rules, claim_id)
            return made.assignment_id, [shift, schedule, made]
        holder = self._schedule(offer.employee_id)
        holder.release(offer.assignment_id, by=by)
        shift.hand_over(offer.assignment_id, employee_id, by=by)
        schedule.book(offer.assignment_id, booking_of(shift, roster), rules, by=by)
        offer.take_over(employee_id, claim_id, by=by)
        return offer.assignment_id, [shift, offer, holder, schedule]

    def _moot(self, taken: ShiftClaim, shift: Shift, by: int) -> list[ShiftClaim]:
        """Other pending claims of the place `taken` filled, closed in the same save: the last
        open place of the shift, or the offered-up assignment."""
        closed = []
        for pending in self._claims.pending_claims(shift.shift_id):
            same = (pending.assignment_id == taken.assignment_id if taken.is_drop
                    else pending.kind == "open_place" and shift.open_places <= 0)
            if pending.id == taken.claim_id or not same:
                continue
            other = self._events.find(ShiftClaim.create_id(pending.id), ShiftClaim)
            if other is not None and other.is_pending:
                other.reject(by=by, note=FILLED)
                closed.append(other)
        return closed

    # -- deciding ------------------------------------------------------------------------

    def approve(self, principal: Principal, claim_id: int, note: str | None, now: datetime) -> ClaimView:
        """Carry the claim out, every rule checked again now."""
        claim, roster = self._decidable(principal, claim_id)
        check_note(note)
        roster.check_writable()
        shift = self._events.find(Shift.create_id(claim.shift_id), Shift)
        if shift is None or shift.is_deleted:
            raise ShiftRemoved()
        check_upcoming(shift.interval.start, now)
        self._check_claimant_member(roster, claim.employee_id)
        offer = None
        if claim.is_drop:
            offer = self._events.find(Assignment.create_id(claim.assignment_id or 0), Assignment)
            if offer is None or not offer.is_offered or offer.employee_id != claim.dropper_id:
                raise Conflict("The place is no longer offered up")
        elif shift.open_places <= 0:
            raise ShiftFull(shift.required_staff)
        taken, touched = self._take(shift, roster, offer, claim.employee_id, claim.claim_id, principal.id)
        claim.approve(taken, by=principal.id, note=note)
        self._commit(claim, *touched, *self._moot(claim, shift, principal.id), conflict=RACE)
        return self._view(claim_id)

    def reject(self, principal: Principal, claim_id: int, note: str | None) -> ClaimView:
        claim, _ = self._decidable(principal, claim_id)
        claim.reject(by=principal.id, note=note)
        self._commit(claim)
        return self._view(claim_id)

    def cancel(self, principal: Principal, claim_id: int) -> ClaimView:
        """The claimant withdraws a pending claim."""
        policy.require_may_change(principal)
        claim = self._load(ShiftClaim, "shift_claim", claim_id, "Shift claim")
        if claim.employee_id != principal.id and not self._may_see(principal, claim.enterprise_id,
                                                                   claim.department_id, claim.dropper_id):
            raise NotFound("Shift claim not found")
        claim.cancel(by=principal.id)
        self._commit(claim)
        return self._view(claim_id)

    def _decidable(self, principal: Principal, claim_id: int) -> tuple[ShiftClaim, Roster]:
        claim = self._load(ShiftClaim, "shift_claim", claim_id, "Shift claim")
        policy.require_department_manager(principal, claim.enterprise_id, claim.department_id, "Shift claim")
        roster = self._events.find(Roster.create_id(claim.roster_id), Roster)
        if roster is None:
            raise NotFound("Shift claim not found")
        return claim, roster

    def _check_claimant_member(self, roster: Roster, employee_id: int) -> None:
        user = self._directory.user(employee_id)
        if (user is None or not user.is_active or user.enterprise_id != roster.enterprise_id
                or user.department_id != roster.department_id or user.role not in {r.value for r in WORKERS}):
            raise Conflict("The claimant is no longer an active member of the roster's department",
                           employee_id=employee_id)

    # -- reading claims --------------------------------------------------------------------

    def get(self, principal: Principal, claim_id: int) -> ClaimView:
        view = self._claims.claim(claim_id)
        if view is None or (view.employee_id != principal.id and not self._may_see(
                principal, view.enterprise_id, view.department_id, view.dropper_id)):
            raise NotFound("Shift claim not found")
        return view

    def mine(self, principal: Principal, status: str | None) -> list[ClaimView]:
        return self._claims.claims(principal.id, None, status)

    def of_department(self, principal: Principal, department_id: int, status: str | None) -> list[ClaimView]:
        department = self._directory.department(department_id)
        if department is None:
            raise NotFound("Department not found")
        policy.require_department_overseer(principal, department.enterprise_id, department.id, "Department")
        return self._claims.claims(None, department_id, status)

    @staticmethod
    def _may_see(principal: Principal, enterprise_id: int, department_id: int, dropper_id: int | None) -> bool:
        """Beyond the claimant: the holder who offered the place up, and the department's overseers."""
        return principal.id == dropper_id or policy.can_oversee_department(principal, enterprise_id, department_id)

    def _view(self, claim_id: int) -> ClaimView:
        view = self._claims.claim(claim_id)
        if view is None:
            raise NotFound("Shift claim not found")
        return view
