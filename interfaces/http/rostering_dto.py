"""Request and response bodies of rosters, shifts, assignments, swaps, templates, time off."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from application.rostering_views import (
    AssignmentView,
    AvailabilityView,
    RosterDetail,
    RosterSummary,
    ScheduleEntry,
    ShiftView,
    SwapView,
    TemplateView,
)
from application.roster_copy import CopyReport
from application.views import UserView
from domain.calendar_window import in_window, outside_window
from domain.roster import CLEARABLE, RosterStatus
from interfaces.http.dto import MAX_ID, NO_NUL, DaysInRow, Description, Id, Name, Pagination, WeeklyHours

HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, 24-hour")]
Text = Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)]
Staff = Annotated[int, msgspec.Meta(ge=1, le=500)]


def parse_hhmm(value: str) -> time:
    return time.fromisoformat(value)


def check_days(body: msgspec.Struct, *fields: str) -> None:
    """Dates outside the calendar window fail decoding as any invalid value does, by field name."""
    for field in fields:
        value = getattr(body, field)
        if isinstance(value, date) and not in_window(value):
            raise ValueError(f"{outside_window(field)} - at `$.{field}`")


class RosterSettingsIn(msgspec.Struct, kw_only=True):
    auto_assign: bool | None = None
    assignment_strategy: Literal["balanced", "round_robin"] | None = None
    max_shifts_per_person: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)] | None = None
    min_rest_hours: Annotated[float, msgspec.Meta(ge=0, le=48)] | None = None
    require_swap_approval: bool | None = None
    allow_shift_claims: bool | None = None
    """Employees of the department may claim open places and places colleagues offer up."""
    require_claim_approval: bool | None = None
    """A claim waits for a manager's approval (default true); false: it is carried out at once."""
    max_hours_per_week: WeeklyHours | None | UnsetType = UNSET
    """Hours an employee may work in a week, across all their rosters; null: the enterprise's default."""
    max_consecutive_days: DaysInRow | None | UnsetType = UNSET
    """Days in a row an employee may work, across all their rosters; null: the enterprise's default."""

    def as_dict(self) -> dict[str, Any]:
        """The settings given. For the working-time limits an explicit null is given too: it sets
        the roster back to the enterprise's default."""
        return {k: v for k, v in msgspec.structs.asdict(self).items()
                if v is not UNSET and (v is not None or k in CLEARABLE)}


class CreateRosterRequest(msgspec.Struct, kw_only=True):
    name: Name
    department_id: Id
    start_date: date
    end_date: date
    description: Description | None = None
    settings: RosterSettingsIn | None = None
    auto_generate_shifts: bool = False
    shift_template: Literal["standard_8hour", "12hour", "business_hours"] | None = None
    shift_template_id: Id | None = None
    required_staff: Staff | None = None

    def __post_init__(self) -> None:
        check_days(self, "start_date", "end_date")


class UpdateRosterRequest(msgspec.Struct, kw_only=True):
    name: Name | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    start_date: date | UnsetType = UNSET
    end_date: date | UnsetType = UNSET
    settings: RosterSettingsIn | UnsetType = UNSET

    def __post_init__(self) -> None:
        check_days(self, "start_date", "end_date")


class RosterStatusRequest(msgspec.Struct, kw_only=True):
    status: RosterStatus


class CopyRosterRequest(msgspec.Struct, kw_only=True):
    start_date: date
    end_date: date | None = None
    """Default: as long as the source."""
    name: Name | None = None
    include_assignments: Annotated[bool, msgspec.Meta(
        description="Carry the source's assignments over too, as pending, each checked again against every"
        " rule; those that no longer fit are listed in the response's `copy.assignments_skipped`.",
    )] = False

    def __post_init__(self) -> None:
        check_days(self, "start_date", "end_date")


class AutoAssignRequest(msgspec.Struct, kw_only=True):
    strategy: Literal["balanced", "round_robin"] | None = None
    background: bool | None = None
    """True: always queue; false: always fill now; absent: queue rosters over 100 open places."""


class CreateShiftRequest(msgspec.Struct, kw_only=True):
    roster_id: Id
    date: date
    start_time: HHMM
    end_time: HHMM
    title: Name
    description: Description | None = None
    required_staff: Staff = 1
    location: Annotated[str, msgspec.Meta(max_length=255, pattern=NO_NUL)] | None = None

    def __post_init__(self) -> None:
        check_days(self, "date")


class UpdateShiftRequest(msgspec.Struct, kw_only=True):
    date: date | UnsetType = UNSET
    start_time: HHMM | UnsetType = UNSET
    end_time: HHMM | UnsetType = UNSET
    title: Name | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    required_staff: Staff | UnsetType = UNSET
    location: Annotated[str, msgspec.Meta(max_length=255, pattern=NO_NUL)] | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        check_days(self, "date")


class AssignRequest(msgspec.Struct, kw_only=True):
    employee_id: Id


class BulkItem(msgspec.Struct, kw_only=True):
    shift_id: Id
    employee_id: Id


class BulkAssignRequest(msgspec.Struct, kw_only=True):
    assignments: Annotated[list[BulkItem], msgspec.Meta(min_length=1, max_length=500)]


class AssignmentStatusRequest(msgspec.Struct, kw_only=True):
    status: Literal["confirmed", "declined"]
    notes: Text | None = None


class CreateSwapRequest(msgspec.Struct, kw_only=True):
    shift_id: Id
    target_employee_id: Id
    target_shift_id: Id | None = None
    reason: Text | None = None
    message: Text | None = None


class SwapResponseRequest(msgspec.Struct, kw_only=True):
    action: Literal["accept", "reject"]
    note: Text | None = None


class SwapDecisionRequest(msgspec.Struct, kw_only=True):
    action: Literal["approve", "reject"]
    note: Text | None = None


class TemplateShiftIn(msgspec.Struct, kw_only=True):
    title: Name
    start_time: HHMM
    end_time: HHMM
    required_staff: Staff = 1
    weekdays: list[Annotated[int, msgspec.Meta(ge=0, le=6)]] | None = None


class CreateTemplateRequest(msgspec.Struct, kw_only=True):
    department_id: Id
    name: Name
    shifts: Annotated[list[TemplateShiftIn], msgspec.Meta(min_length=1, max_length=24)]
    description: Description | None = None


class UpdateTemplateRequest(msgspec.Struct, kw_only=True):
    name: Name | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    shifts: Annotated[list[TemplateShiftIn], msgspec.Meta(min_length=1, max_length=24)] | UnsetType = UNSET


class PeriodRequest(msgspec.Struct, kw_only=True):
    """Whole days (start_date to end_date), or hours when start_time and end_time are given."""

    start_date: date
    end_date: date | None = None
    start_time: HHMM | None = None
    end_time: HHMM | None = None
    reason: Text | None = None

    def __post_init__(self) -> None:
        check_days(self, "start_date", "end_date")


class TimeOffDecisionRequest(msgspec.Struct, kw_only=True):
    action: Literal["approve", "reject"]


# -- responses ----------------------------------------------------------------


class RosterResponse(msgspec.Struct, kw_only=True):
    message: str
    roster: RosterDetail


class CopyRosterResponse(msgspec.Struct, kw_only=True):
    message: str
    roster: RosterDetail
    copy: CopyReport
    """How the copy went: weeks moved, shifts and assignments copied, assignments skipped and why."""


class RosterSummaryResponse(msgspec.Struct, kw_only=True):
    message: str
    roster: RosterSummary


class RostersResponse(msgspec.Struct, kw_only=True):
    message: str
    rosters: list[RosterSummary]
    pagination: Pagination


class AutoAssignResponse(msgspec.Struct, kw_only=True):
    message: str
    result: dict[str, Any]


class ShiftResponse(msgspec.Struct, kw_only=True):
    message: str
    shift: ShiftView


class ShiftsResponse(msgspec.Struct, kw_only=True):
    message: str
    shifts: list[ShiftView]


class AssignmentResponse(msgspec.Struct, kw_only=True):
    message: str
    assignment: AssignmentView


class AssignmentsResponse(msgspec.Struct, kw_only=True):
    message: str
    assignments: list[AssignmentView]


class CandidateOut(msgspec.Struct, kw_only=True):
    employee: UserView
    available: bool
    reason: str | None
    hours_in_roster: float
    shifts_in_roster: int
    hours_this_week: float
    """Hours booked in every roster in the week of the shift (weeks start on the enterprise's
    `week_starts_on`, on the department's clocks; a shift counts in the week it starts in)."""


class AvailableEmployeesResponse(msgspec.Struct, kw_only=True):
    message: str
    available_employees: list[CandidateOut]
    unavailable_employees: list[CandidateOut]


class ScheduleEmployee(msgspec.Struct, kw_only=True):
    id: int
    full_name: str
    department: str | None


class ScheduleSummary(msgspec.Struct, kw_only=True):
    total_assignments: int
    confirmed_assignments: int
    pending_assignments: int
    declined_assignments: int
    total_hours: float


class Schedule(msgspec.Struct, kw_only=True):
    employee: ScheduleEmployee
    assignments: list[ScheduleEntry]
    summary: ScheduleSummary


class ScheduleResponse(msgspec.Struct, kw_only=True):
    message: str
    schedule: Schedule


class SwapResponse(msgspec.Struct, kw_only=True):
    message: str
    swap_request: SwapView


class SwapsResponse(msgspec.Struct, kw_only=True):
    message: str
    swap_requests: list[SwapView]


class TemplateResponse(msgspec.Struct, kw_only=True):
    message: str
    template: TemplateView


class TemplatesResponse(msgspec.Struct, kw_only=True):
    message: str
    templates: list[TemplateView]


class AvailabilityResponse(msgspec.Struct, kw_only=True):
    message: str
    entry: AvailabilityView


class AvailabilityListResponse(msgspec.Struct, kw_only=True):
    message: str
    entries: list[AvailabilityView]
