"""Who may do what to which tenant.

Resources of another tenant are reported as not found, so that their existence
does not leak; a role that may never perform a kind of operation gets 403.
"""

from __future__ import annotations

from domain.errors import NotFound, PermissionDenied
from domain.roles import Role

from application.principal import Principal

ADMINS = (Role.SYSTEM_ADMIN, Role.ENTERPRISE_ADMIN)
ENTERPRISE_WIDE = (Role.ENTERPRISE_ADMIN, Role.AUDITOR)
"""Roles whose listings cover their whole enterprise (and nothing of another)."""
READ_ONLY = "Auditors have read-only access"

# Roles each role may hand out when creating or updating a user.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.SYSTEM_ADMIN: frozenset(Role),
    Role.ENTERPRISE_ADMIN: frozenset({Role.ENTERPRISE_ADMIN, Role.MANAGER, Role.EMPLOYEE, Role.AUDITOR}),
    Role.MANAGER: frozenset(),
    Role.EMPLOYEE: frozenset(),
    Role.AUDITOR: frozenset(),
}


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise PermissionDenied("Insufficient permissions for this operation")


def require_may_change(principal: Principal) -> None:
    """Every command starts here or behind a stricter role check: auditors change nothing."""
    if principal.role is Role.AUDITOR:
        raise PermissionDenied(READ_ONLY)


def reads_enterprise(principal: Principal, enterprise_id: int | None) -> bool:
    """An auditor reads everything of its own enterprise, as its admins do, and nothing else."""
    return (
        principal.role is Role.AUDITOR
        and enterprise_id is not None
        and principal.enterprise_id == enterprise_id
    )


def require_grantable(principal: Principal, role: Role) -> None:
    if role not in GRANTABLE[principal.role]:
        raise PermissionDenied(f"A {principal.role.value} cannot grant the {role.value} role")


def in_enterprise(principal: Principal, enterprise_id: int | None) -> bool:
    return principal.is_system_admin or (
        enterprise_id is not None and principal.enterprise_id == enterprise_id
    )


def require_enterprise(principal: Principal, enterprise_id: int | None, what: str) -> None:
    if not in_enterprise(principal, enterprise_id):
        raise NotFound(f"{what} not found")


def can_read_user(
    principal: Principal, user_id: int, enterprise_id: int | None, department_id: int | None
) -> bool:
    if principal.id == user_id or principal.is_system_admin:
        return True
    if principal.role in ENTERPRISE_WIDE:
        return enterprise_id is not None and enterprise_id == principal.enterprise_id
    if principal.role is Role.MANAGER:
        return (
            enterprise_id == principal.enterprise_id
            and department_id is not None
            and department_id == principal.department_id
        )
    return False


def can_manage_department(principal: Principal, enterprise_id: int, department_id: int) -> bool:
    """Admins of the enterprise and the department's own manager plan its rosters."""
    if principal.is_system_admin:
        return True
    if principal.role is Role.ENTERPRISE_ADMIN:
        return principal.enterprise_id == enterprise_id
    if principal.role is Role.MANAGER:
        return principal.enterprise_id == enterprise_id and principal.department_id == department_id
    return False


def can_oversee_department(principal: Principal, enterprise_id: int, department_id: int) -> bool:
    """What a department's planners read beyond its published rosters (everyone's assignments,
    swaps, time off, its dashboard): they and the enterprise's auditors."""
    return can_manage_department(principal, enterprise_id, department_id) or reads_enterprise(
        principal, enterprise_id
    )


def can_view_department(principal: Principal, enterprise_id: int, department_id: int) -> bool:
    return can_oversee_department(principal, enterprise_id, department_id) or (
        principal.role is Role.EMPLOYEE
        and principal.enterprise_id == enterprise_id
        and principal.department_id == department_id
    )


def can_view_roster(principal: Principal, enterprise_id: int, department_id: int, status: str) -> bool:
    """Employees see their department's rosters once published; drafts are for planners."""
    return can_view_department(principal, enterprise_id, department_id) and not (
        principal.role is Role.EMPLOYEE and status == "draft"
    )


def require_department_manager(
    principal: Principal, enterprise_id: int, department_id: int, what: str
) -> None:
    if not can_view_department(principal, enterprise_id, department_id):
        raise NotFound(f"{what} not found")
    if not can_manage_department(principal, enterprise_id, department_id):
        raise PermissionDenied("Insufficient permissions for this operation")


def require_department_overseer(
    principal: Principal, enterprise_id: int, department_id: int, what: str
) -> None:
    """For reads of what only planners and auditors see: 404 outside the caller's tenant, 403
    for a role that may not read it there (an employee)."""
    if not can_view_department(principal, enterprise_id, department_id):
        raise NotFound(f"{what} not found")
    if not can_oversee_department(principal, enterprise_id, department_id):
        raise PermissionDenied("Insufficient permissions for this operation")


# Who may move a roster along its workflow: managers publish and withdraw;
# approving and archiving need an administrator of the enterprise.
STATUS_MOVERS: dict[str, tuple[Role, ...]] = {
    "published": (Role.SYSTEM_ADMIN, Role.ENTERPRISE_ADMIN, Role.MANAGER),
    "draft": (Role.SYSTEM_ADMIN, Role.ENTERPRISE_ADMIN, Role.MANAGER),
    "approved": (Role.SYSTEM_ADMIN, Role.ENTERPRISE_ADMIN),
    "archived": (Role.SYSTEM_ADMIN, Role.ENTERPRISE_ADMIN),
}


def can_approve_join(principal: Principal, enterprise_id: int, department_id: int | None) -> bool:
    """Who consents for an enterprise: its admins (or a system admin), and for a request
    naming a department, that department's manager. They alone see the request."""
    if principal.is_system_admin:
        return True
    if principal.role is Role.ENTERPRISE_ADMIN:
        return principal.enterprise_id == enterprise_id
    if principal.role is Role.MANAGER:
        return (
            department_id is not None
            and principal.enterprise_id == enterprise_id
            and principal.department_id == department_id
        )
    return False


def can_see_join_request(principal: Principal, enterprise_id: int, department_id: int | None) -> bool:
    """Who sees a pending request to join: whoever may decide it, and the enterprise's auditors."""
    return can_approve_join(principal, enterprise_id, department_id) or reads_enterprise(
        principal, enterprise_id
    )
