"""Command inputs of the identity and organisation use cases."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.roles import Gender, Role


@dataclass(frozen=True)
class NewUser:
    full_name: str
    email: str
    password: str
    role: Role = Role.EMPLOYEE
    gender: Gender | None = None
    enterprise_id: int | None = None
    department_id: int | None = None
    is_active: bool = True


@dataclass(frozen=True)
class UserChanges:
    """Fields absent from the request stay as they are; `cleared` names fields set to null."""

    full_name: str | None = None
    email: str | None = None
    password: str | None = None
    role: Role | None = None
    gender: Gender | None = None
    enterprise_id: int | None = None
    department_id: int | None = None
    is_active: bool | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class NewDepartment:
    name: str
    enterprise_id: int
    description: str | None = None
    manager_id: int | None = None
    timezone: str | None = None
    """An IANA zone; None: the enterprise's."""


@dataclass(frozen=True)
class DepartmentChanges:
    name: str | None = None
    description: str | None = None
    manager_id: int | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)
    timezone: str | None = None
