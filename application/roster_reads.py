"""Reading one roster, or its shifts, as the caller may see them.

The live GETs and the as-of GETs both call these, on the live read models or on read
models rebuilt from the log up to an instant: one piece of code decides what a caller
sees, whichever state it reads.
"""

from __future__ import annotations

from domain.errors import NotFound

from application import policy
from application.ports import RosterQueries
from application.principal import Principal
from application.rostering_views import RosterDetail, RosterSummary, ShiftView


def check_visible(principal: Principal, summary: RosterSummary | None, what: str = "Roster") -> None:
    if summary is None or not policy.can_view_roster(
        principal, summary.enterprise_id, summary.department_id, summary.status
    ):
        raise NotFound(f"{what} not found")


def roster_detail(queries: RosterQueries, principal: Principal, roster_id: int) -> RosterDetail:
    check_visible(principal, queries.roster_summary(roster_id))
    detail = queries.roster(roster_id)
    if detail is None:
        raise NotFound("Roster not found")
    return detail


def roster_shifts(
    queries: RosterQueries, principal: Principal, roster_id: int, day: str | None,
    start_date: str | None, end_date: str | None,
) -> list[ShiftView]:
    access, shifts = queries.roster_shifts(roster_id, day, start_date, end_date)
    if access is None or not policy.can_view_roster(principal, *access):
        raise NotFound("Roster not found")
    return shifts
