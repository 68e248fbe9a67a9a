"""202 for a command that was saved but could not be answered from the read models.

After the save the command is applied: a 5xx would invite a retry that applies it twice,
so whatever fails afterwards (the read models are late, their database is unreachable,
the answer cannot be read) answers 202 with the log position and where to read the result.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response

from application import command_scope
from application.ports import ReadModelsBehind
from domain.calendar_event import CalendarEvent
from domain.claim import ShiftClaim
from domain.identity import User
from domain.organisation import Department, Enterprise
from domain.roster import Roster
from domain.shift import Shift
from domain.templates import ShiftTemplate

log = logging.getLogger("schedulax.http")

RESOURCE_URLS: dict[type, tuple[str, str]] = {
    Roster: ("/api/rosters/{}", "roster_id"),
    Shift: ("/api/shifts/{}", "shift_id"),
    User: ("/api/users/{}", "user_id"),
    Enterprise: ("/api/enterprises/{}", "enterprise_id"),
    Department: ("/api/departments/{}", "department_id"),
    ShiftTemplate: ("/api/shift-templates/{}", "template_id"),
    ShiftClaim: ("/api/shift-claims/{}", "claim_id"),
    CalendarEvent: ("/api/events/{}", "event_id"),
}
"""Aggregates whose resource has a GET of its own, and the attribute that numbers it."""

BEHIND = (
    "The command was recorded; the read models are catching up, so this response carries no"
    " resource. Query it again shortly."
)
UNAVAILABLE = (
    "The command was recorded, but its result could not be read back (the read models are"
    " unavailable). Do not repeat it; query the result again shortly."
)


def resource_url(aggregates: list[Any]) -> str | None:
    """The URL of the first of `aggregates` that has one (created ones come first)."""
    for aggregate in aggregates:
        found = RESOURCE_URLS.get(type(aggregate))
        if found is not None:
            return found[0].format(getattr(aggregate, found[1]))
    return None


def accepted(position: int, message: str, location: str | None, read_models: str,
             **extra: Any) -> Response[Any]:
    body: dict[str, Any] = {"message": message, "accepted": True, "position": position}
    headers = {"Retry-After": "1", "X-Read-Models": read_models}
    if location is not None:
        body["location"] = location
        headers["Location"] = location
    return Response({**body, **extra}, status_code=202, headers=headers)


def location_of(request: Request[Any, Any, Any], scope: command_scope.CommandScope) -> str | None:
    """Where the result can be read: none after a DELETE (there is nothing left to read)."""
    return None if request.method == "DELETE" else resource_url(scope.saved)


def applied_answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any] | None:
    """202 when this request has saved (whatever failed afterwards); None when it has not."""
    scope = command_scope.current()
    if scope is None or scope.position is None:  # nothing saved: the handler's own answer stands
        return None
    if isinstance(exc, ReadModelsBehind):
        return accepted(max(scope.position, exc.position), BEHIND, location_of(request, scope), "behind")
    log.warning("command on %s %s saved at %s, answering 202: its answer failed",
                request.method, request.url.path, scope.position, exc_info=exc)
    return accepted(scope.position, UNAVAILABLE, location_of(request, scope), "unavailable")
