"""/api/rosters: plan, list, revise, publish, copy and auto-assign rosters."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from application.principal import Principal
from application.rostering_commands import NewRoster, RosterChanges
from application.rostering_views import RosterFilter
from domain.roster import RosterStatus
from interfaces.http.as_of_dto import RosterDiffResponse
from interfaces.http.dto import given, or_none
from interfaces.http.instants import AsOf, Since, Until
from interfaces.http.one_hop import answer, services_of
from interfaces.http.params import (
    IfMatch, PageLimit, PageNumber, PathId, QueryId, Search, day_filter, expected_version, page_of, pagination,
    versioned,
)
from interfaces.http.rostering_dto import (
    AutoAssignRequest,
    AutoAssignResponse,
    CopyRosterRequest,
    CopyRosterResponse,
    CreateRosterRequest,
    RosterResponse,
    RostersResponse,
    RosterStatusRequest,
    RosterSummaryResponse,
    UpdateRosterRequest,
)
from interfaces.http.security import Caller, Services


class RosterController(Controller):
    path = "/api/rosters"
    tags = ["Rosters"]

    @post("/", status_code=201, sync_to_thread=True,
          summary="Create a roster (admins, or the department's manager), optionally with generated shifts",
          description="With `settings.auto_assign: true`, a roster created with shifts is filled by its"
          " `assignment_strategy` in the background (the auto-assign job): `metadata.auto_assign` says"
          " queued (or later) in this response, then running, completed (with the counts and the"
          " reasons for unfilled places) or failed. Shifts added later are filled too while the"
          " roster is a draft and the setting stays on.")
    def create(self, data: CreateRosterRequest, principal: Caller, container: Services) -> Response[RosterResponse]:
        roster = container.rosters.create_roster(principal, NewRoster(
            name=data.name, department_id=data.department_id, start_date=data.start_date,
            end_date=data.end_date, description=data.description,
            settings=data.settings.as_dict() if data.settings else {},
            auto_generate_shifts=data.auto_generate_shifts, shift_template=data.shift_template,
            shift_template_id=data.shift_template_id, required_staff=data.required_staff,
        ))
        return versioned(RosterResponse(message="Roster created successfully", roster=roster),
                         roster.version, status_code=201)

    @get(["/", "/all"], summary="Rosters the caller may see")
    async def list(
        self, request: Request[Any, Any, Any], page: PageNumber = 1, limit: PageLimit = 10,
        status: RosterStatus | None = None,
        start_date: Annotated[date | None, Parameter(description="Rosters starting on or after")] = None,
        end_date: Annotated[date | None, Parameter(description="Rosters ending on or before")] = None,
        department_id: QueryId = None,
        search: Search = None,
    ) -> Response[RostersResponse]:
        container = services_of(request)  # not a dependency: see one_hop.services_of

        def work(principal: Principal, _: object) -> RostersResponse:
            criteria = RosterFilter(
                department_id=department_id, statuses=(status.value,) if status else None,
                start_date=day_filter(start_date, "start_date"), end_date=day_filter(end_date, "end_date"),
                search=search,
            )
            paged = container.rosters.list_rosters(principal, criteria, page_of(page, limit))
            return RostersResponse(message="Rosters retrieved successfully", rosters=paged.items,
                                   pagination=pagination(paged))

        return await answer(request, container, work)

    @get("/{roster_id:int}", sync_to_thread=True, summary="A roster with its shifts and assignments",
         description="With `as_of`, the roster as it was at that instant: what this request answered"
         " then (404 before the roster existed or once it was deleted), rebuilt from the event log.")
    def detail(self, roster_id: PathId, principal: Caller, container: Services,
               as_of: AsOf = None) -> Response[RosterResponse]:
        roster = (container.rosters.get_roster(principal, roster_id) if as_of is None
                  else container.as_of.roster(principal, roster_id, as_of))
        return versioned(RosterResponse(message="Roster retrieved successfully", roster=roster), roster.version)

    @get("/{roster_id:int}/diff", sync_to_thread=True, summary="What changed in a roster between two instants",
         description="Shifts added, removed and changed (field by field), assignments made, removed,"
         " answered and handed over, the roster's own fields, settings and every status move between"
         " `from` and `to`: the difference between the roster's two as-of answers.")
    def diff(self, roster_id: PathId, principal: Caller, container: Services, from_: Since = None,
             to: Until = None) -> RosterDiffResponse:
        found = container.as_of.diff(principal, roster_id, from_, to)
        return RosterDiffResponse(message="Roster changes retrieved successfully", diff=found)

    @put("/{roster_id:int}", sync_to_thread=True, summary="Rename, re-date or re-configure a roster")
    def update(self, roster_id: PathId, data: UpdateRosterRequest, principal: Caller, container: Services,
               if_match: IfMatch = None) -> Response[RosterResponse]:
        changes = RosterChanges(
            name=or_none(data.name),
            description=or_none(data.description),  # type: ignore[arg-type]
            start_date=or_none(data.start_date),  # type: ignore[arg-type]
            end_date=or_none(data.end_date),  # type: ignore[arg-type]
            settings=data.settings.as_dict() if given(data.settings) else None,  # type: ignore[union-attr]
        )
        roster = container.rosters.update_roster(principal, roster_id, changes, expected_version(if_match))
        return versioned(RosterResponse(message="Roster updated successfully", roster=roster), roster.version)

    @delete("/{roster_id:int}", status_code=204, sync_to_thread=True,
            summary="Delete a roster, its shifts and assignments")
    def remove(self, roster_id: PathId, principal: Caller, container: Services, if_match: IfMatch = None) -> None:
        container.rosters.delete_roster(principal, roster_id, expected_version(if_match))

    @patch("/{roster_id:int}/status", sync_to_thread=True,
           summary="Move a roster along draft -> published -> approved -> archived (published -> draft)")
    def change_status(self, roster_id: PathId, data: RosterStatusRequest, principal: Caller,
                      container: Services, if_match: IfMatch = None) -> Response[RosterSummaryResponse]:
        roster = container.rosters.change_status(principal, roster_id, data.status, expected_version(if_match))
        return versioned(
            RosterSummaryResponse(message=f"Roster status updated to {roster.status}", roster=roster),
            roster.version,
        )

    @post("/{roster_id:int}/copy", status_code=201, sync_to_thread=True,
          summary="Copy a roster's shifts, by the week's pattern, to a new date range",
          description="Each day of the new range takes the shifts of the source day on the same"
          " weekday: the source moves by whole weeks and its weekly pattern repeats over the new"
          " range, trimmed at its ends (docs/rostering.md, Copying a roster). Titles, times,"
          " required staff, descriptions and locations are kept. With `include_assignments: true`"
          " the assignments are carried over as pending, each checked again against every rule;"
          " those that no longer fit are listed in `copy.assignments_skipped` with the rule.")
    def copy(self, roster_id: PathId, data: CopyRosterRequest, principal: Caller,
             container: Services) -> Response[CopyRosterResponse]:
        copied = container.rosters.copy_roster(principal, roster_id, data.start_date, data.end_date, data.name,
                                               data.include_assignments)
        return versioned(
            CopyRosterResponse(message="Roster copied successfully", roster=copied.roster, copy=copied.copy),
            copied.roster.version, status_code=201,
        )

    @post("/{roster_id:int}/auto-assign", status_code=200, sync_to_thread=True,
          responses={202: ResponseSpec(AutoAssignResponse, description="Queued as a job")},
          summary="Fill every open place without breaking a rule, spreading hours evenly",
          description="Small rosters are filled at once (200). Rosters with more than 100 open places,"
          " or any with `background: true`, are queued as a job (202); the roster's"
          " `metadata.auto_assign` shows queued, running, then completed (or failed) with the result.")
    def auto_assign(self, roster_id: PathId, principal: Caller, container: Services,
                    data: AutoAssignRequest | None = None) -> Response[AutoAssignResponse]:
        result, queued = container.assignments.request_auto_assign(
            principal, roster_id, data.strategy if data else None, data.background if data else None
        )
        if queued:
            return Response(AutoAssignResponse(message="Auto-assign queued", result=result), status_code=202)
        return Response(AutoAssignResponse(message="Auto-assign completed", result=result))
