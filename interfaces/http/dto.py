"""Request and response bodies. Unknown request fields are ignored; absent is not null."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from application.views import DepartmentView, EnterpriseDetail, EnterpriseView, UserView
from domain.roles import Gender, Role

T = TypeVar("T")

NO_NUL = r"^[^\x00]*$"
"""Stored text holds no NUL character: PostgreSQL's text cannot, and the projection writing it would park."""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=NO_NUL)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=NO_NUL)]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=72)]
Description = Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)]
Zone = Annotated[str, msgspec.Meta(
    min_length=1, max_length=64, pattern=NO_NUL, examples=["Europe/Berlin"],
    description="An IANA time zone name (Europe/Berlin, America/New_York, UTC); an unknown one answers 400",
)]
MAX_ID = 2**63 - 1
"""The largest integer the stores hold (SQLite INTEGER, PostgreSQL BIGINT): larger ones answer 400."""
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
WeeklyHours = Annotated[float, msgspec.Meta(gt=0, le=168, description="Hours in a week: above 0, at most 168")]
DaysInRow = Annotated[int, msgspec.Meta(ge=1, le=366, description="Working days in a row: 1 to 366")]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class RegisterRequest(msgspec.Struct, kw_only=True):
    """002's registration, or 001's (`username` in place of `full_name`)."""

    email: Email
    password: Password
    full_name: Name | None = None
    username: Name | None = None
    role: Role = Role.EMPLOYEE
    gender: Gender | None = None
    enterprise_id: Id | None = None
    department_id: Id | None = None
    invitation_code: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] | None = None
    """An invitation's code: the user is placed as it says (its enterprise, department and role)."""


class LoginRequest(msgspec.Struct, kw_only=True):
    """JSON `{email, password}` (002) or form `username=<email>&password=` (001)."""

    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    email: str | None = None
    username: str | None = None


class SystemAdminRequest(msgspec.Struct, kw_only=True):
    full_name: Name
    email: Email
    password: Password


class ProfileUpdateRequest(msgspec.Struct, kw_only=True):
    full_name: Name | UnsetType = UNSET
    gender: Gender | None | UnsetType = UNSET


class CreateUserRequest(msgspec.Struct, kw_only=True):
    full_name: Name
    email: Email
    password: Password
    role: Role
    gender: Gender | None = None
    enterprise_id: Id | None = None
    department_id: Id | None = None
    is_active: bool = True


class UpdateUserRequest(msgspec.Struct, kw_only=True):
    full_name: Name | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    password: Password | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    gender: Gender | None | UnsetType = UNSET
    enterprise_id: Id | None | UnsetType = UNSET
    department_id: Id | None | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class CreateEnterpriseRequest(msgspec.Struct, kw_only=True):
    name: Name
    description: Description | None = None
    timezone: Zone | None = None
    """The default zone of its departments; UTC when absent."""


class UpdateEnterpriseRequest(msgspec.Struct, kw_only=True):
    name: Name | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    timezone: Zone | UnsetType = UNSET
    """The default of departments created afterwards; existing departments keep their zone."""
    max_hours_per_week: WeeklyHours | None | UnsetType = UNSET
    """The default of rosters whose own setting is null; null: no default limit."""
    max_consecutive_days: DaysInRow | None | UnsetType = UNSET
    """The default of rosters whose own setting is null; null: no default limit."""
    week_starts_on: Weekday | UnsetType = UNSET
    """The weekday on which weeks start for `max_hours_per_week` (monday unless set)."""

    def hours_defaults(self) -> dict[str, Any]:
        """The working-time defaults given (an explicit null included: it clears the default)."""
        return {f: getattr(self, f) for f in ("max_hours_per_week", "max_consecutive_days", "week_starts_on")
                if getattr(self, f) is not UNSET}


class CreateDepartmentRequest(msgspec.Struct, kw_only=True):
    name: Name
    enterprise_id: Id
    manager_id: Id | None = None
    description: Description | None = None
    timezone: Zone | None = None
    """The zone its shifts' dates and times are read in; the enterprise's when absent."""


class UpdateDepartmentRequest(msgspec.Struct, kw_only=True):
    name: Name | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    manager_id: Id | None | UnsetType = UNSET
    timezone: Zone | UnsetType = UNSET
    """A new zone: the shifts of its rosters that are not archived keep their wall-clock times, read
    in it, and their bookings are checked again (409 when one would break a rule)."""


class Pagination(msgspec.Struct):
    current_page: int
    total_pages: int
    total_items: int
    items_per_page: int


class AuthResponse(msgspec.Struct, kw_only=True):
    message: str
    user: UserView
    token: str
    access_token: str
    refresh_token: str
    token_type: str = "bearer"


class RegisterResponse(AuthResponse, kw_only=True):
    id: int
    email: str
    username: str
    created_at: str


class TokenResponse(msgspec.Struct, kw_only=True):
    access_token: str
    token: str
    token_type: str = "bearer"


class UserResponse(msgspec.Struct, kw_only=True):
    message: str
    user: UserView


class UsersResponse(msgspec.Struct, kw_only=True):
    message: str
    users: list[UserView]
    pagination: Pagination


class EnterpriseResponse(msgspec.Struct, kw_only=True):
    message: str
    enterprise: EnterpriseDetail


class EnterprisesResponse(msgspec.Struct, kw_only=True):
    message: str
    enterprises: list[EnterpriseView]
    pagination: Pagination


class DepartmentResponse(msgspec.Struct, kw_only=True):
    message: str
    department: DepartmentView


class DepartmentsResponse(msgspec.Struct, kw_only=True):
    message: str
    departments: list[DepartmentView]
    pagination: Pagination


class HealthResponse(msgspec.Struct, kw_only=True):
    status: str
    checks: dict[str, str]


def given(value: object) -> bool:
    return value is not UNSET


def or_none(value: T) -> T | None:
    """An absent field as None: the command leaves that attribute as it is."""
    return None if value is UNSET else value
