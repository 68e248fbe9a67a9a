"""The authenticated caller, as the read model knows them now."""

from __future__ import annotations

from dataclasses import dataclass

from application.views import UserView
from domain.roles import Role


@dataclass(frozen=True)
class Principal:
    id: int
    role: Role
    enterprise_id: int | None
    department_id: int | None

    @property
    def is_system_admin(self) -> bool:
        return self.role is Role.SYSTEM_ADMIN


def principal_of(user: UserView) -> Principal:
    return Principal(user.id, Role(user.role), user.enterprise_id, user.department_id)
