"""Swap requests: propose, respond, manager action, cancel; carried out in one atomic save."""

from __future__ import annotations

from typing import Any

from domain.assignment import Assignment
from domain.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from domain.roles import Role
from domain.roster import Roster
from domain.schedule import Booking
from domain.shift import Shift
from domain.swap import SwapRequest

from application import policy
from application.hours_rules import rules_for
from application.base import RosteringHandler
from application.principal import Principal
from application.rostering_commands import NewSwap
from application.rostering_views import SwapView

STALE = "The shifts changed since the request was made; it can no longer be carried out"


class SwapService(RosteringHandler):
    def propose(self, principal: Principal, new: NewSwap) -> SwapView:
        policy.require_may_change(principal)
        shift = self._load(Shift, "shift", new.shift_id, "Shift")
        if not policy.in_enterprise(principal, shift.enterprise_id):
            raise NotFound("Shift not found")  # as for an absent id: another tenant's shift does not leak
        assignment_id = _held_by(shift, principal.id)
        if assignment_id is None:
            raise RuleViolation("You are not assigned to this shift", field="shift_id")
        roster = self._load(Roster, "roster", shift.roster_id, "Shift")
        roster.check_writable()
        target = self._directory.user(new.target_employee_id)
        if target is None or not target.is_active or target.enterprise_id != roster.enterprise_id:
            raise RuleViolation("The target employee is not an active member of this enterprise",
                                field="target_employee_id")
        if target.role == Role.AUDITOR.value:
            raise RuleViolation("An auditor reads rosters and works no shifts", field="target_employee_id")
        target_assignment_id = None
        if new.target_shift_id is not None:
            target_shift = self._load(Shift, "shift", new.target_shift_id, "Target shift")
            if not policy.in_enterprise(principal, target_shift.enterprise_id):
                raise NotFound("Target shift not found")
            target_assignment_id = _held_by(target_shift, target.id)
            if target_assignment_id is None or target_shift.enterprise_id != roster.enterprise_id:
                raise RuleViolation("The target employee is not assigned to target_shift_id",
                                    field="target_shift_id")
        swap = SwapRequest.propose(
            swap_id=self._ids.next_id("swap_request"), roster_id=roster.roster_id,
            requester_id=principal.id, target_employee_id=target.id, shift_id=shift.shift_id,
            assignment_id=assignment_id, target_shift_id=new.target_shift_id,
            target_assignment_id=target_assignment_id, reason=new.reason, message=new.message,
            needs_approval=bool(roster.settings.get("require_swap_approval", True)),
        )
        self._commit(swap)
        return self._view(swap.swap_id)

    def respond(self, principal: Principal, swap_id: int, accept: bool, note: str | None) -> SwapView:
        policy.require_may_change(principal)
        swap = self._visible(principal, swap_id)
        if swap.respond(accept, by=principal.id, note=note):
            self._commit(*self._carry_out(swap, principal.id, note), conflict=STALE)
        else:
            self._commit(swap)
        return self._view(swap_id)

    def manager_action(self, principal: Principal, swap_id: int, approve: bool, note: str | None) -> SwapView:
        swap = self._load(SwapRequest, "swap_request", swap_id, "Swap request")
        roster = self._load(Roster, "roster", swap.roster_id, "Swap request")
        policy.require_department_manager(principal, roster.enterprise_id, roster.department_id, "Swap request")
        if swap.decide(approve, by=principal.id, note=note):
            self._commit(*self._carry_out(swap, principal.id, note), conflict=STALE)
        else:
            self._commit(swap)
        return self._view(swap_id)

    def cancel(self, principal: Principal, swap_id: int) -> SwapView:
        policy.require_may_change(principal)
        swap = self._visible(principal, swap_id)
        swap.cancel(by=principal.id)
        self._commit(swap)
        return self._view(swap_id)

    def list_for(self, principal: Principal, status: str | None, direction: str | None) -> list[SwapView]:
        return self._queries.swaps(principal.id, status, direction)

    def list_for_department(self, principal: Principal, department_id: int, status: str | None) -> list[SwapView]:
        department = self._directory.department(department_id)
        if department is None:
            raise NotFound("Department not found")
        policy.require_department_overseer(principal, department.enterprise_id, department.id, "Department")
        return self._queries.swaps(None, status, None, department_id=department_id)

    # -- carrying a swap out --------------------------------------------------------

    def _carry_out(self, swap: SwapRequest, by: int, note: str | None) -> list[Any]:
        """Both assignments change hands, and every rule must hold for both employees after."""
        requester = self._schedule(swap.requester_id)
        target = self._schedule(swap.target_employee_id)
        give = self._leg(swap.shift_id, swap.assignment_id, swap.requester_id)
        take = (
            self._leg(swap.target_shift_id, swap.target_assignment_id, swap.target_employee_id)
            if swap.target_shift_id is not None and swap.target_assignment_id is not None else None
        )
        requester.release(swap.assignment_id, by=by)
        leaving = frozenset({swap.target_assignment_id}) if take else frozenset()
        if take:
            target.release(swap.target_assignment_id, by=by)  # type: ignore[arg-type]
        shift, assignment, roster = give
        target.book(assignment.assignment_id, Booking(shift.shift_id, roster.roster_id, shift.interval),
                    rules_for(self._events, roster), ignoring=leaving, by=by)
        shift.hand_over(assignment.assignment_id, swap.target_employee_id, by=by)
        assignment.hand_over(swap.target_employee_id, by=by)
        touched: list[Any] = [shift, assignment]
        if take:
            t_shift, t_assignment, t_roster = take
            requester.book(t_assignment.assignment_id,
                           Booking(t_shift.shift_id, t_roster.roster_id, t_shift.interval),
                           rules_for(self._events, t_roster),
                           by=by)
            t_shift.hand_over(t_assignment.assignment_id, swap.requester_id, by=by)
            t_assignment.hand_over(swap.requester_id, by=by)
            touched += [t_shift, t_assignment]
        swap.complete(by=by, note=note)
        return [swap, requester, target, *touched]

    def _leg(self, shift_id: int, assignment_id: int, holder: int) -> tuple[Shift, Assignment, Roster]:
        shift = self._events.find(Shift.create_id(shift_id), Shift)
        assignment = self._events.find(Assignment.create_id(assignment_id), Assignment)
        if (
            shift is None or shift.is_deleted or assignment is None or not assignment.is_active
            or assignment.employee_id != holder or shift.slots.get(assignment_id) != holder
        ):
            raise Conflict(STALE)
        roster = self._load(Roster, "roster", shift.roster_id, "Roster")
        roster.check_writable()
        return shift, assignment, roster

    def _visible(self, principal: Principal, swap_id: int) -> SwapRequest:
        swap = self._load(SwapRequest, "swap_request", swap_id, "Swap request")
        if principal.id not in (swap.requester_id, swap.target_employee_id):
            roster = self._load(Roster, "roster", swap.roster_id, "Swap request")
            if not policy.can_view_department(principal, roster.enterprise_id, roster.department_id):
                raise NotFound("Swap request not found")
            raise PermissionDenied("Only the requester or the target can do this; managers use manager-action")
        return swap

    def _view(self, swap_id: int) -> SwapView:
        view = self._queries.swap(swap_id)
        if view is None:
            raise NotFound("Swap request not found")
        return view


def _held_by(shift: Shift, employee_id: int) -> int | None:
    return next((a for a, e in shift.slots.items() if e == employee_id), None)
