"""Read DTOs returned by the application layer (never aggregates)."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class Page(msgspec.Struct, frozen=True):
    number: int = 1
    size: int = 10

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


class Paged(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    total: int
    page: Page

    @property
    def total_pages(self) -> int:
        return (self.total + self.page.size - 1) // self.page.size if self.total else 0


class JoinRequestView(msgspec.Struct, kw_only=True):
    """A self-registered user's request to be placed in an enterprise (and department)."""

    enterprise_id: int
    department_id: int | None
    status: str  # pending, approved or rejected


class UserView(msgspec.Struct, kw_only=True):
    id: int
    full_name: str
    email: str
    role: str
    gender: str | None
    enterprise_id: int | None
    department_id: int | None
    is_active: bool
    created_at: str
    updated_at: str
    version: int
    join_request: JoinRequestView | None = None


class CallerView(msgspec.Struct, kw_only=True):
    """Who signed a request: their row and their department's name, read in one query,
    with what revocation needs to know of the token's session (the same statement reads it)."""

    user: UserView
    department_name: str | None
    session_generation: int = 0
    """The user's generation of sessions: a token of another generation was revoked."""
    session_ended: bool = False
    """Was the token's own session ended (a logout)?"""

    def admits(self, generation: int) -> bool:
        """May a token of this session, issued in `generation`, still be used?"""
        return not self.session_ended and generation == self.session_generation


class SignedIn(msgspec.Struct, kw_only=True):
    """A successful login: the user, and the generation of sessions its tokens belong to."""

    user: UserView
    session_generation: int


class UserFilter(msgspec.Struct, kw_only=True, frozen=True):
    enterprise_id: int | None = None
    department_id: int | None = None
    role: str | None = None
    is_active: bool | None = None
    search: str | None = None
    pending: bool | None = None
    """True: only pending join requests, with `enterprise_id` and `department_id` matching
    the requested ones; False: only users without a pending one."""


class DepartmentUsers(msgspec.Struct, kw_only=True):
    id: int
    name: str
    user_count: int


class EnterpriseView(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str | None
    created_by: int
    created_at: str
    updated_at: str
    user_count: int
    department_count: int
    version: int
    timezone: str
    max_hours_per_week: float | None = None
    max_consecutive_days: int | None = None
    week_starts_on: str = "monday"


class EnterpriseDetail(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str | None
    created_by: int
    created_at: str
    updated_at: str
    departments: list[DepartmentUsers]
    total_users: int
    active_users: int
    version: int
    timezone: str
    """The IANA zone of departments opened without one."""
    max_hours_per_week: float | None = None
    """The default of rosters whose own `max_hours_per_week` is null; null: no limit."""
    max_consecutive_days: int | None = None
    """The default of rosters whose own `max_consecutive_days` is null; null: no limit."""
    week_starts_on: str = "monday"
    """The weekday on which the weeks of `max_hours_per_week` start, on each department's clocks."""


class ManagerSummary(msgspec.Struct, kw_only=True):
    id: int
    full_name: str
    email: str


class DepartmentView(msgspec.Struct, kw_only=True):
    id: int
    name: str
    enterprise_id: int
    description: str | None
    manager_id: int | None
    manager: ManagerSummary | None
    user_count: int
    active_rosters: int
    created_at: str
    updated_at: str
    version: int
    timezone: str
    """The IANA zone its shifts' dates and times are wall-clock times in."""
