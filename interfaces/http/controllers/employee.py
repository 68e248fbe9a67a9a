"""/api/employee: my schedule, answering assignments, swaps, time off and availability."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import Parameter, QueryParameter

from application.principal import Principal
from application.rostering_commands import LocalPeriod, NewSwap
from application.views import CallerView
from domain.assignment import AssignmentStatus
from domain.errors import RuleViolation
from interfaces.http.one_hop import answer, services_of
from interfaces.http.params import IfMatch, PathId, day_filter, expected_version, versioned
from interfaces.http.rostering_dto import (
    AssignmentResponse,
    AssignmentStatusRequest,
    AvailabilityListResponse,
    AvailabilityResponse,
    CreateSwapRequest,
    PeriodRequest,
    Schedule,
    ScheduleEmployee,
    ScheduleResponse,
    ScheduleSummary,
    SwapDecisionRequest,
    SwapResponse,
    SwapResponseRequest,
    SwapsResponse,
    TimeOffDecisionRequest,
    parse_hhmm,
)
from interfaces.http.security import Caller, Me, Services

SwapStatusFilter = Literal["pending", "accepted", "approved", "rejected", "cancelled"]


def period(data: PeriodRequest) -> LocalPeriod:
    """The request's dates and times, on the clocks of the employee's department (the service
    reads them in its zone)."""
    if (data.start_time is None) != (data.end_time is None):
        raise RuleViolation("Give both start_time and end_time, or neither", field="end_time")
    return LocalPeriod(
        start_date=data.start_date, end_date=data.end_date or data.start_date,
        start_time=parse_hhmm(data.start_time) if data.start_time is not None else None,
        end_time=parse_hhmm(data.end_time) if data.end_time is not None else None,
    )


class EmployeeController(Controller):
    path = "/api/employee"
    tags = ["Employee"]

    @get("/my-schedule", summary="The caller's assignments with a summary")
    async def my_schedule(
        self, request: Request[Any, Any, Any],
        start_date: Annotated[date | None, Parameter(description="Shifts on or after")] = None,
        end_date: Annotated[date | None, Parameter(description="Shifts on or before")] = None,
        status: Literal["pending", "confirmed", "declined"] | None = None,
    ) -> Response[ScheduleResponse]:
        container = services_of(request)  # not a dependency: see one_hop.services_of

        def work(principal: Principal, me: CallerView) -> ScheduleResponse:
            entries = container.assignments.my_schedule(
                principal, day_filter(start_date, "start_date"), day_filter(end_date, "end_date"), status,
            )
            working = [e for e in entries if e.status in ("pending", "confirmed")]
            summary = ScheduleSummary(
                total_assignments=len(entries),
                confirmed_assignments=sum(e.status == "confirmed" for e in entries),
                pending_assignments=sum(e.status == "pending" for e in entries),
                declined_assignments=sum(e.status == "declined" for e in entries),
                total_hours=round(sum(e.hours for e in working), 2),
            )
            return ScheduleResponse(
                message="Schedule retrieved successfully",
                schedule=Schedule(employee=ScheduleEmployee(id=me.user.id, full_name=me.user.full_name,
                                                            department=me.department_name),
                                  assignments=entries, summary=summary),
            )

        return await answer(request, container, work)

    @patch("/assignments/{assignment_id:int}/status", sync_to_thread=True,
           summary="Confirm or decline an assignment (the employee, or a manager for them)")
    def answer(self, assignment_id: PathId, data: AssignmentStatusRequest, principal: Caller,
               container: Services, if_match: IfMatch = None) -> Response[AssignmentResponse]:
        assignment = container.assignments.answer(
            principal, assignment_id, AssignmentStatus(data.status), data.notes, expected_version(if_match)
        )
        return versioned(AssignmentResponse(message="Assignment status updated successfully",
                                            assignment=assignment), assignment.version)

    @get("/swap-requests", sync_to_thread=True, summary="The caller's swap requests")
    def swaps(self, principal: Caller, container: Services, status: SwapStatusFilter | None = None,
              type_: Annotated[Literal["outgoing", "incoming"] | None, QueryParameter(name="type")] = None,
              ) -> SwapsResponse:
        found = container.swaps.list_for(principal, status, type_)
        return SwapsResponse(message="Swap requests retrieved successfully", swap_requests=found)

    @post("/swap-requests", status_code=201, sync_to_thread=True, summary="Offer one of your shifts to a colleague")
    def propose(self, data: CreateSwapRequest, principal: Caller, container: Services) -> Response[SwapResponse]:
        swap = container.swaps.propose(principal, NewSwap(
            shift_id=data.shift_id, target_employee_id=data.target_employee_id,
            target_shift_id=data.target_shift_id, reason=data.reason, message=data.message,
        ))
        return versioned(SwapResponse(message="Swap request created successfully", swap_request=swap),
                         swap.version, 201)

    @patch("/swap-requests/{swap_id:int}/respond", sync_to_thread=True,
           summary="The target accepts or rejects a swap request")
    def respond(self, swap_id: PathId, data: SwapResponseRequest, principal: Caller,
                container: Services) -> SwapResponse:
        swap = container.swaps.respond(principal, swap_id, data.action == "accept", data.note)
        return SwapResponse(message=f"Swap request {swap.status}", swap_request=swap)

    @patch("/swap-requests/{swap_id:int}/cancel", sync_to_thread=True,
           summary="The requester withdraws a swap request")
    def cancel(self, swap_id: PathId, principal: Caller, container: Services) -> SwapResponse:
        swap = container.swaps.cancel(principal, swap_id)
        return SwapResponse(message="Swap request cancelled", swap_request=swap)

    @patch("/swap-requests/{swap_id:int}/manager-action", sync_to_thread=True,
           summary="A manager approves (carrying the swap out) or rejects it")
    def manager_action(self, swap_id: PathId, data: SwapDecisionRequest, principal: Caller,
                       container: Services) -> SwapResponse:
        swap = container.swaps.manager_action(principal, swap_id, data.action == "approve", data.note)
        return SwapResponse(message=f"Swap request {swap.status}", swap_request=swap)

    @get("/time-off", sync_to_thread=True, summary="The caller's time-off requests")
    def my_time_off(self, principal: Caller, container: Services) -> AvailabilityListResponse:
        return AvailabilityListResponse(message="Time off retrieved successfully",
                                        entries=container.availability.mine(principal, "time_off"))

    @post("/time-off", status_code=201, sync_to_thread=True, summary="Ask for time off (a manager approves it)")
    def request_time_off(self, data: PeriodRequest, principal: Caller, container: Services) -> AvailabilityResponse:
        entry = container.availability.request_time_off(principal, period(data), data.reason)
        return AvailabilityResponse(message="Time off requested", entry=entry)

    @patch("/time-off/{time_off_id:int}/cancel", sync_to_thread=True, summary="Withdraw your time off")
    def cancel_time_off(self, time_off_id: PathId, principal: Caller, container: Services) -> AvailabilityResponse:
        entry = container.availability.cancel_time_off(principal, time_off_id)
        return AvailabilityResponse(message="Time off cancelled", entry=entry)

    @get("/availability", sync_to_thread=True, summary="When the caller marked themselves unavailable")
    def my_availability(self, principal: Caller, container: Services) -> AvailabilityListResponse:
        return AvailabilityListResponse(message="Availability retrieved successfully",
                                        entries=container.availability.mine(principal, "unavailable"))

    @post("/availability", status_code=201, sync_to_thread=True,
          summary="Mark dates or hours unavailable (auto-assign avoids them)")
    def mark_unavailable(self, data: PeriodRequest, principal: Caller, container: Services) -> AvailabilityResponse:
        entry = container.availability.mark_unavailable(principal, period(data), data.reason)
        return AvailabilityResponse(message="Unavailability recorded", entry=entry)

    @delete("/availability/{entry_id:int}", status_code=204, sync_to_thread=True,
            summary="Remove an unavailability mark")
    def clear_unavailable(self, entry_id: PathId, principal: Caller, container: Services) -> None:
        container.availability.clear_unavailable(principal, entry_id)


class TeamController(Controller):
    """What a manager sees and decides for their department."""

    path = "/api"
    tags = ["Team"]

    @get("/departments/{department_id:int}/swap-requests", sync_to_thread=True,
         summary="Swap requests of a department's rosters (managers)")
    def swaps(self, department_id: PathId, principal: Caller, container: Services,
              status: SwapStatusFilter | None = None) -> SwapsResponse:
        found = container.swaps.list_for_department(principal, department_id, status)
        return SwapsResponse(message="Swap requests retrieved successfully", swap_requests=found)

    @get("/departments/{department_id:int}/time-off", sync_to_thread=True,
         summary="Time off and unavailability of a department's staff (managers)")
    def time_off(self, department_id: PathId, principal: Caller, container: Services,
                 kind: Literal["time_off", "unavailable"] | None = None) -> AvailabilityListResponse:
        entries = container.availability.of_department(principal, department_id, kind)
        return AvailabilityListResponse(message="Time off retrieved successfully", entries=entries)

    @patch("/time-off/{time_off_id:int}/decision", sync_to_thread=True,
           summary="Approve or reject a time-off request (the employee's manager)")
    def decide(self, time_off_id: PathId, data: TimeOffDecisionRequest, principal: Caller,
               container: Services) -> AvailabilityResponse:
        entry = container.availability.decide_time_off(principal, time_off_id, data.action == "approve")
        return AvailabilityResponse(message=f"Time off {entry.status}", entry=entry)
