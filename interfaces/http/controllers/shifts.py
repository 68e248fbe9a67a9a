"""/api/shifts: shifts of a roster, and who works them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import Parameter, QueryParameter

from application.principal import Principal
from application.rostering_commands import NewShift, ShiftChanges
from interfaces.http.dto import given, or_none
from interfaces.http.instants import AsOf
from interfaces.http.one_hop import answer, services_of
from interfaces.http.params import IfMatch, PathId, day_filter, expected_version, versioned
from interfaces.http.rostering_dto import (
    AssignmentResponse,
    AssignmentsResponse,
    AssignRequest,
    AvailableEmployeesResponse,
    BulkAssignRequest,
    CandidateOut,
    CreateShiftRequest,
    ShiftResponse,
    ShiftsResponse,
    UpdateShiftRequest,
    parse_hhmm,
)
from interfaces.http.security import Caller, Services



class ShiftController(Controller):
    path = "/api/shifts"
    tags = ["Shifts"]

    @get("/roster/{roster_id:int}", summary="Shifts of a roster")
    async def of_roster(
        self, roster_id: PathId, request: Request[Any, Any, Any],
        date_: Annotated[date | None, QueryParameter(name="date", description="One day")] = None,
        start_date: Annotated[date | None, Parameter(description="Shifts on or after")] = None,
        end_date: Annotated[date | None, Parameter(description="Shifts on or before")] = None,
        as_of: AsOf = None,
    ) -> Response[ShiftsResponse]:
        container = services_of(request)  # not a dependency: see one_hop.services_of

        def work(principal: Principal, _: object) -> ShiftsResponse:
            filters = (day_filter(date_, "date"), day_filter(start_date, "start_date"),
                       day_filter(end_date, "end_date"))
            shifts = (container.rosters.shifts_of(principal, roster_id, *filters) if as_of is None
                      else container.as_of.shifts(principal, roster_id, as_of, *filters))
            return ShiftsResponse(message="Shifts retrieved successfully", shifts=shifts)

        return await answer(request, container, work)

    @post("/", status_code=201, sync_to_thread=True, summary="Create a shift in a roster")
    def create(self, data: CreateShiftRequest, principal: Caller, container: Services) -> Response[ShiftResponse]:
        shift = container.rosters.create_shift(principal, NewShift(
            roster_id=data.roster_id, date=data.date, start_time=parse_hhmm(data.start_time),
            end_time=parse_hhmm(data.end_time), title=data.title, description=data.description,
            required_staff=data.required_staff, location=data.location,
        ))
        return versioned(ShiftResponse(message="Shift created successfully", shift=shift), shift.version, 201)

    @get("/{shift_id:int}", sync_to_thread=True, summary="One shift with its assignments")
    def detail(self, shift_id: PathId, principal: Caller, container: Services) -> Response[ShiftResponse]:
        shift = container.rosters.get_shift(principal, shift_id)
        return versioned(ShiftResponse(message="Shift retrieved successfully", shift=shift), shift.version)

    @put("/{shift_id:int}", sync_to_thread=True, summary="Change a shift (times only while nobody is assigned)")
    def update(self, shift_id: PathId, data: UpdateShiftRequest, principal: Caller, container: Services,
               if_match: IfMatch = None) -> Response[ShiftResponse]:
        changes = ShiftChanges(
            date=or_none(data.date),  # type: ignore[arg-type]
            start_time=parse_hhmm(data.start_time) if given(data.start_time) else None,  # type: ignore[arg-type]
            end_time=parse_hhmm(data.end_time) if given(data.end_time) else None,  # type: ignore[arg-type]
            title=or_none(data.title),  # type: ignore[arg-type]
            description=or_none(data.description),  # type: ignore[arg-type]
            required_staff=or_none(data.required_staff),  # type: ignore[arg-type]
            location=or_none(data.location),  # type: ignore[arg-type]
        )
        shift = container.rosters.update_shift(principal, shift_id, changes, expected_version(if_match))
        return versioned(ShiftResponse(message="Shift updated successfully", shift=shift), shift.version)

    @delete("/{shift_id:int}", status_code=204, sync_to_thread=True,
            summary="Delete a shift and its assignments")
    def remove(self, shift_id: PathId, principal: Caller, container: Services, if_match: IfMatch = None) -> None:
        container.rosters.delete_shift(principal, shift_id, expected_version(if_match))

    @post("/{shift_id:int}/assignments", status_code=201, sync_to_thread=True,
          summary="Assign an employee to a shift")
    def assign(self, shift_id: PathId, data: AssignRequest, principal: Caller, container: Services,
               if_match: IfMatch = None) -> Response[AssignmentResponse]:
        assignment = container.assignments.assign(principal, shift_id, data.employee_id, expected_version(if_match))
        return versioned(AssignmentResponse(message="Employee assigned successfully", assignment=assignment),
                         assignment.version, 201)

    @delete("/assignments/{assignment_id:int}", status_code=204, sync_to_thread=True,
            summary="Remove an assignment, freeing the place")
    def unassign(self, assignment_id: PathId, principal: Caller, container: Services) -> None:
        container.assignments.unassign(principal, assignment_id)

    @post("/bulk-assign", status_code=201, sync_to_thread=True,
          summary="Assign many (shift, employee) pairs: all succeed or none does")
    def bulk_assign(self, data: BulkAssignRequest, principal: Caller, container: Services) -> AssignmentsResponse:
        made = container.assignments.bulk_assign(principal, [(i.shift_id, i.employee_id) for i in data.assignments])
        return AssignmentsResponse(message=f"{len(made)} assignments created", assignments=made)

    @get("/{shift_id:int}/available-employees", sync_to_thread=True,
         summary="Who can take the shift without breaking a rule, and why the others cannot")
    def available(self, shift_id: PathId, principal: Caller, container: Services) -> AvailableEmployeesResponse:
        found = [CandidateOut(employee=c.employee, available=c.available, reason=c.reason,
                              hours_in_roster=c.hours_in_roster, shifts_in_roster=c.shifts_in_roster,
                              hours_this_week=c.hours_this_week)
                 for c in container.assignments.available_employees(principal, shift_id)]
        return AvailableEmployeesResponse(
            message="Available employees retrieved successfully",
            available_employees=[c for c in found if c.available],
            unavailable_employees=[c for c in found if not c.available],
        )
