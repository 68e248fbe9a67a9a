"""Ports: what the use cases need from the outside, as small protocols."""

from __future__ import annotations

from typing import Protocol

from application.views import (
    DepartmentView,
    EnterpriseDetail,
    EnterpriseView,
    Page,
    Paged,
    UserFilter,
    UserView,
)


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, hashed: str) -> bool: ...


class IdAllocator(Protocol):
    def next_id(self, kind: str) -> int:
        """A new integer id for `kind`, never handed out before, by any process."""
        ...


class ProjectionSync(Protocol):
    def wait_for(self, position: int) -> None:
        """Return once the read models have processed the event at `position`."""
        ...


class Directory(Protocol):
    """Read model of users, enterprises and departments."""

    def user(self, user_id: int) -> UserView | None: ...

    def users(self, criteria: UserFilter, page: Page) -> Paged[UserView]: ...

    def count_active_users(self, *, department_id: int) -> int: ...

    def enterprise(self, enterprise_id: int) -> EnterpriseDetail | None: ...

    def enterprises(self, search: str | None, page: Page) -> Paged[EnterpriseView]: ...

    def department(self, department_id: int) -> DepartmentView | None: ...

    def departments(
        self, enterprise_id: int, search: str | None, page: Page
    ) -> Paged[DepartmentView]: ...
