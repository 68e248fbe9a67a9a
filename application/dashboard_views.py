"""Dashboard statistics, one shape per role as contract 002 shows them."""

from __future__ import annotations

import msgspec


class Activity(msgspec.Struct, kw_only=True):
    type: str
    description: str
    timestamp: str


class SystemStats(msgspec.Struct, kw_only=True):
    total_enterprises: int
    total_users: int
    active_users: int
    total_rosters: int
    system_health: str
    recent_activity: list[Activity]


class DepartmentBreakdown(msgspec.Struct, kw_only=True):
    id: int
    name: str
    total_users: int
    active_users: int
    active_rosters: int


class EnterpriseStats(msgspec.Struct, kw_only=True):
    total_departments: int
    total_users: int
    active_users: int
    total_rosters: int
    pending_approvals: int
    department_breakdown: list[DepartmentBreakdown]
    recent_activity: list[Activity]


class TeamMember(msgspec.Struct, kw_only=True):
    id: int
    full_name: str
    upcoming_shifts: int
    last_login: str | None


class ManagerStats(msgspec.Struct, kw_only=True):
    team_size: int
    active_rosters: int
    pending_approvals: int
    upcoming_shifts: int
    team_members: list[TeamMember]


class NextShift(msgspec.Struct, kw_only=True):
    id: int
    date: str
    start_time: str
    end_time: str
    title: str


class EmployeeStats(msgspec.Struct, kw_only=True):
    upcoming_shifts: int
    this_week_hours: float
    this_month_hours: float
    pending_swaps: int
    unread_notifications: int
    next_shift: NextShift | None


class Moment(msgspec.Struct, kw_only=True, frozen=True):
    """The request's current time, and the calendar periods around it."""

    now: str  # ISO minute, as the read models store shift starts
    now_iso: str  # full ISO timestamp, for notification expiry
    week_start: str
    week_end: str  # exclusive
    month_start: str
    month_end: str  # exclusive
