"""Request and response bodies of open shifts, shift claims and drops."""

from __future__ import annotations

import msgspec

from application.claim_views import ClaimView, OpenShiftView
from application.rostering_views import AssignmentView
from interfaces.http.dto import Id, Pagination
from interfaces.http.rostering_dto import Text


class ClaimRequest(msgspec.Struct, kw_only=True):
    assignment_id: Id | None = None
    """An offered-up assignment of the shift to take over; absent: an open place if there is
    one, else the place offered up first."""
    note: Text | None = None


class ClaimDecisionRequest(msgspec.Struct, kw_only=True):
    note: Text | None = None


class OpenShiftsResponse(msgspec.Struct, kw_only=True):
    message: str
    open_shifts: list[OpenShiftView]
    pagination: Pagination


class ClaimResponse(msgspec.Struct, kw_only=True):
    message: str
    claim: ClaimView


class ClaimsResponse(msgspec.Struct, kw_only=True):
    message: str
    claims: list[ClaimView]


class DropResponse(msgspec.Struct, kw_only=True):
    message: str
    assignment: AssignmentView
