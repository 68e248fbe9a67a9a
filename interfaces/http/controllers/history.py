"""History: a roster's story, the enterprise's audit log, and a user's own history.

Each answers a page of JSON (or MessagePack), or, for `?format=ndjson|csv` or an Accept
of `application/x-ndjson` or `text/csv`, the whole selection as a streamed export.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.params import Parameter, QueryParameter

from application.history_types import SUBJECT_KINDS, TYPES
from application.history_views import HistoryFilter, HistoryScope
from interfaces.container import Container
from interfaces.history_filters import criteria_of
from interfaces.http.dto import MAX_ID
from interfaces.http.exports import ExportableOperation, Format, export_format, export_response
from interfaces.http.history_dto import HistoryResponse
from interfaces.http.params import PathId, QueryId, page_of, pagination
from interfaces.http.security import Caller, Services

MAX_HISTORY_LIMIT = 500
EntryType = Literal[tuple(TYPES)]  # type: ignore[valid-type]
SubjectKind = Literal[SUBJECT_KINDS]  # type: ignore[valid-type]

Since = Annotated[datetime | None, Parameter(
    description="Entries at or after this instant (ISO 8601; without a zone, UTC)")]
Until = Annotated[datetime | None, Parameter(description="Entries strictly before this instant")]
Types = Annotated[list[EntryType] | None, QueryParameter(  # type: ignore[valid-type]
    name="type", description="Only entries of these types (repeat the parameter for several)")]
ActorId = Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="Only what this user did")]
Kind = Annotated[SubjectKind | None, Parameter(description="Only entries about this kind of subject")]
HistoryPageNumber = Annotated[int, Parameter(ge=1, le=MAX_ID // MAX_HISTORY_LIMIT, description="Page number")]
HistoryLimit = Annotated[int, Parameter(ge=1, le=MAX_HISTORY_LIMIT, description="Entries per page (1 to 500)")]
After = Annotated[int | None, Parameter(ge=0, le=MAX_ID, description="Only entries whose sequence is larger"
                                                                     " (a cursor: the previous answer's next_after)")]
ExportAs = Annotated[Format | None, QueryParameter(
    name="format", description="json (a page, the default), or the whole selection as ndjson or csv"
                               " (also chosen by Accept: application/x-ndjson or text/csv)")]
EXPORTS = ("Add `format=ndjson` or `format=csv` (or send `Accept: application/x-ndjson` or `text/csv`) for"
           " the whole selection, unpaginated, streamed.")


def answer(request: Request[Any, Any, Any], container: Container, scope: HistoryScope, criteria: HistoryFilter,
           page: int, limit: int, fmt: str | None, name: str, message: str) -> Response[HistoryResponse]:
    chosen = export_format(request.headers.get("accept", ""), fmt)
    if chosen != "json":
        return export_response(container.history.stream(scope, criteria), chosen, name)  # type: ignore[return-value]
    paged = container.history.page(scope, criteria, page_of(page, limit))
    return Response(HistoryResponse(message=message, entries=paged.items, pagination=pagination(paged),  # type: ignore[arg-type]
                                    next_after=paged.next_after))


class HistoryController(Controller):
    path = "/api"
    tags = ["History"]

    @get("/rosters/{roster_id:int}/history", sync_to_thread=True, operation_class=ExportableOperation,
         summary="A roster's history: its events and those of its shifts, assignments and swap requests",
         description="In log order. Admins and auditors of its enterprise, and its department's manager. "
         + EXPORTS)
    def roster(
        self, request: Request[Any, Any, Any], roster_id: PathId, principal: Caller, container: Services,
        since: Since = None, until: Until = None, types: Types = None, actor_id: ActorId = None,
        subject_kind: Kind = None, page: HistoryPageNumber = 1, limit: HistoryLimit = 50, after: After = None,
        format_: ExportAs = None,
    ) -> Response[HistoryResponse]:
        scope = container.history.roster_scope(principal, roster_id)
        criteria = criteria_of(since, until, types, actor_id, subject_kind, after)
        return answer(request, container, scope, criteria, page, limit, format_, f"roster-{roster_id}-history",
                      "Roster history retrieved successfully")

    @get("/audit/events", sync_to_thread=True, operation_class=ExportableOperation,
         summary="The audit log: every event in the caller's scope",
         description="Enterprise admins and auditors: their enterprise (users, departments, rosters, shifts,"
         " assignments, swaps, time off, templates, invitations); a system admin: every enterprise"
         " (`enterprise_id` narrows it); a manager: their department's rosters. " + EXPORTS)
    def events(
        self, request: Request[Any, Any, Any], principal: Caller, container: Services,
        since: Since = None, until: Until = None, types: Types = None, actor_id: ActorId = None,
        subject_kind: Kind = None, roster_id: QueryId = None, department_id: QueryId = None,
        enterprise_id: QueryId = None, page: HistoryPageNumber = 1, limit: HistoryLimit = 50,
        after: After = None, format_: ExportAs = None,
    ) -> Response[HistoryResponse]:
        scope = container.history.log_scope(principal)
        criteria = criteria_of(since, until, types, actor_id, subject_kind, after, roster_id=roster_id,
                               department_id=department_id, enterprise_id=enterprise_id)
        return answer(request, container, scope, criteria, page, limit, format_, "audit-events",
                      "Audit events retrieved successfully")

    @get("/employee/history", sync_to_thread=True, operation_class=ExportableOperation,
         summary="The caller's own history: the assignments they held and the swap requests they were party to",
         description=EXPORTS)
    def own(
        self, request: Request[Any, Any, Any], principal: Caller, container: Services,
        since: Since = None, until: Until = None, types: Types = None, actor_id: ActorId = None,
        subject_kind: Kind = None, roster_id: QueryId = None, page: HistoryPageNumber = 1,
        limit: HistoryLimit = 50, after: After = None, format_: ExportAs = None,
    ) -> Response[HistoryResponse]:
        scope = container.history.own_scope(principal)
        criteria = criteria_of(since, until, types, actor_id, subject_kind, after, roster_id=roster_id)
        return answer(request, container, scope, criteria, page, limit, format_, "my-history",
                      "History retrieved successfully")

