"""Open shifts, shift claims and drops: employees pick up places and give theirs away."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, post
from litestar.params import Parameter

from interfaces.http.claims_dto import (
    ClaimDecisionRequest,
    ClaimRequest,
    ClaimResponse,
    ClaimsResponse,
    DropResponse,
    OpenShiftsResponse,
)
from interfaces.http.params import (
    PageLimit, PageNumber, PathId, QueryId, day_filter, page_of, pagination, versioned,
)
from interfaces.http.security import Caller, Services

ClaimStatusFilter = Literal["pending", "approved", "rejected", "cancelled"]


def now() -> datetime:
    return datetime.now(timezone.utc)


class ClaimController(Controller):
    path = "/api"
    tags = ["Open shifts"]

    @get("/employee/open-shifts", sync_to_thread=True,
         summary="Upcoming open and offered-up places of the caller's department, and whether the caller"
                 " may claim each now (and if not, the rule that refuses it)")
    def open_shifts(
        self, principal: Caller, container: Services, page: PageNumber = 1, limit: PageLimit = 20,
        roster_id: QueryId = None,
        start_date: Annotated[date | None, Parameter(description="Shifts on or after")] = None,
        end_date: Annotated[date | None, Parameter(description="Shifts on or before")] = None,
    ) -> OpenShiftsResponse:
        found = container.claims.open_shifts(
            principal, roster_id, day_filter(start_date, "start_date"), day_filter(end_date, "end_date"),
            page_of(page, limit), now(),
        )
        return OpenShiftsResponse(message="Open shifts retrieved successfully", open_shifts=found.items,
                                  pagination=pagination(found))

    @post("/shifts/{shift_id:int}/claim", status_code=201, sync_to_thread=True,
          summary="Claim an open place of a shift, or a place a colleague offered up: at once, or pending"
                  " a manager's approval (the roster's require_claim_approval)")
    def claim(self, shift_id: PathId, principal: Caller, container: Services,
              data: ClaimRequest | None = None) -> Response[ClaimResponse]:
        body = data or ClaimRequest()
        claim = container.claims.claim(principal, shift_id, body.assignment_id, body.note, now())
        message = "Claim submitted for approval" if claim.status == "pending" else "Shift claimed"
        return versioned(ClaimResponse(message=message, claim=claim), claim.version, 201)

    @get("/employee/shift-claims", sync_to_thread=True, summary="The caller's shift claims")
    def mine(self, principal: Caller, container: Services, status: ClaimStatusFilter | None = None) -> ClaimsResponse:
        return ClaimsResponse(message="Shift claims retrieved successfully",
                              claims=container.claims.mine(principal, status))

    @get("/departments/{department_id:int}/shift-claims", sync_to_thread=True,
         summary="Shift claims of a department's rosters (its managers, admins and auditors)")
    def of_department(self, department_id: PathId, principal: Caller, container: Services,
                      status: ClaimStatusFilter | None = None) -> ClaimsResponse:
        return ClaimsResponse(message="Shift claims retrieved successfully",
                              claims=container.claims.of_department(principal, department_id, status))

    @get("/shift-claims/{claim_id:int}", sync_to_thread=True, summary="One shift claim")
    def detail(self, claim_id: PathId, principal: Caller, container: Services) -> Response[ClaimResponse]:
        claim = container.claims.get(principal, claim_id)
        return versioned(ClaimResponse(message="Shift claim retrieved successfully", claim=claim), claim.version)

    @post("/shift-claims/{claim_id:int}/approve", status_code=200, sync_to_thread=True,
          summary="A manager approves a pending claim: every rule is checked again, and the place passes to"
                  " the claimant")
    def approve(self, claim_id: PathId, principal: Caller, container: Services,
                data: ClaimDecisionRequest | None = None) -> ClaimResponse:
        claim = container.claims.approve(principal, claim_id, (data or ClaimDecisionRequest()).note, now())
        return ClaimResponse(message="Shift claim approved", claim=claim)

    @post("/shift-claims/{claim_id:int}/reject", status_code=200, sync_to_thread=True,
          summary="A manager rejects a pending claim")
    def reject(self, claim_id: PathId, principal: Caller, container: Services,
               data: ClaimDecisionRequest | None = None) -> ClaimResponse:
        claim = container.claims.reject(principal, claim_id, (data or ClaimDecisionRequest()).note)
        return ClaimResponse(message="Shift claim rejected", claim=claim)

    @post("/shift-claims/{claim_id:int}/cancel", status_code=200, sync_to_thread=True,
          summary="The claimant withdraws a pending claim")
    def cancel(self, claim_id: PathId, principal: Caller, container: Services) -> ClaimResponse:
        return ClaimResponse(message="Shift claim cancelled", claim=container.claims.cancel(principal, claim_id))

    @post("/employee/assignments/{assignment_id:int}/drop", status_code=200, sync_to_thread=True,
          summary="Offer up your assignment: it stays yours until a colleague claims it (and, where the"
                  " roster requires it, a manager approves)")
    def drop(self, assignment_id: PathId, principal: Caller, container: Services) -> DropResponse:
        assignment = container.drops.offer(principal, assignment_id, now())
        return DropResponse(message="Assignment offered up", assignment=assignment)

    @delete("/employee/assignments/{assignment_id:int}/drop", status_code=200, sync_to_thread=True,
            summary="Withdraw the offer while nobody took the place over")
    def withdraw(self, assignment_id: PathId, principal: Caller, container: Services) -> DropResponse:
        assignment = container.drops.withdraw(principal, assignment_id)
        return DropResponse(message="Offer withdrawn", assignment=assignment)
