"""Read DTOs of rosters, shifts, assignments, schedules, swaps, templates and time off."""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec


class DepartmentRef(msgspec.Struct, kw_only=True):
    id: int
    name: str
    enterprise_id: int


class UserRef(msgspec.Struct, kw_only=True):
    id: int
    full_name: str


class EmployeeRef(msgspec.Struct, kw_only=True):
    id: int
    full_name: str
    email: str


class RosterFilter(msgspec.Struct, kw_only=True, frozen=True):
    enterprise_id: int | None = None
    department_id: int | None = None
    statuses: tuple[str, ...] | None = None
    start_date: str | None = None
    end_date: str | None = None
    search: str | None = None


class RosterSummary(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str | None
    department_id: int
    enterprise_id: int
    department: DepartmentRef
    start_date: str
    end_date: str
    status: str
    created_by: int
    settings: dict[str, Any]
    total_shifts: int
    assigned_shifts: int
    coverage_percentage: float
    created_at: str
    updated_at: str
    version: int
    timezone: str
    """The IANA zone its shifts' dates and times are read in: its department's."""


class RosterAccess(NamedTuple):
    """What decides who may see a roster (policy.can_view_roster)."""

    enterprise_id: int
    department_id: int
    status: str


class AssignmentView(msgspec.Struct, kw_only=True):
    id: int
    shift_id: int
    roster_id: int
    employee_id: int
    employee: EmployeeRef | None
    status: str
    notes: str | None
    assigned_at: str
    updated_at: str
    version: int
    offered: bool = False
    """Offered up by its holder for a colleague to claim (still theirs until then)."""


class ShiftView(msgspec.Struct, kw_only=True):
    id: int
    roster_id: int
    department_id: int
    enterprise_id: int
    date: str
    start_time: str
    end_time: str
    title: str
    description: str | None
    required_staff: int
    assigned_staff: int
    location: str | None
    assignments: list[AssignmentView]
    created_at: str
    updated_at: str
    version: int
    timezone: str
    """`date`, `start_time` and `end_time` are wall-clock times in this IANA zone."""


class RosterMetadata(msgspec.Struct, kw_only=True):
    total_shifts: int
    assigned_shifts: int
    coverage_percentage: float
    last_modified_at: str
    auto_assign: dict[str, Any] | None = None


class RosterDetail(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str | None
    department_id: int
    department: DepartmentRef
    start_date: str
    end_date: str
    status: str
    created_by: int
    creator: UserRef | None
    settings: dict[str, Any]
    metadata: RosterMetadata
    shifts: list[ShiftView]
    created_at: str
    updated_at: str
    version: int
    timezone: str


class RosterRef(msgspec.Struct, kw_only=True):
    id: int
    name: str


class ScheduledShift(msgspec.Struct, kw_only=True):
    id: int
    date: str
    start_time: str
    end_time: str
    title: str
    location: str | None
    roster: RosterRef
    timezone: str
    """The zone of `date`, `start_time` and `end_time` (the shift's department's)."""
    starts_at: str
    """The instant it starts, ISO 8601 in UTC (`Z`)."""
    ends_at: str


class ScheduleEntry(msgspec.Struct, kw_only=True):
    id: int
    shift: ScheduledShift
    status: str
    notes: str | None
    assigned_at: str
    hours: float
    offered: bool = False
    """Offered up for a colleague to claim (still yours until then)."""


class ShiftBrief(msgspec.Struct, kw_only=True):
    id: int
    date: str
    start_time: str
    end_time: str
    title: str


class SwapView(msgspec.Struct, kw_only=True):
    id: int
    roster_id: int
    requester_id: int
    target_employee_id: int
    requester: UserRef
    target_employee: UserRef
    shift_id: int
    target_shift_id: int | None
    shift: ShiftBrief
    target_shift: ShiftBrief | None
    status: str
    reason: str | None
    message: str | None
    needs_approval: bool
    created_at: str
    updated_at: str
    version: int


class TemplateView(msgspec.Struct, kw_only=True):
    id: int | None
    key: str
    name: str
    description: str | None
    department_id: int | None
    shifts: list[dict[str, Any]]
    created_at: str | None = None
    updated_at: str | None = None
    version: int | None = None


class AvailabilityView(msgspec.Struct, kw_only=True):
    id: int
    employee_id: int
    kind: str
    start: str
    end: str
    timezone: str
    """`start` and `end` are wall-clock times in this zone (the employee's department's when given)."""
    status: str
    reason: str | None
    created_at: str
    updated_at: str
