"""Enterprise and department use cases."""

from __future__ import annotations

from typing import Any

from domain.errors import Conflict, NotFound, RuleViolation
from domain.organisation import Department, Enterprise
from domain.roles import Role
from domain.zones import DEFAULT_ZONE

from application import policy
from application.commands import DepartmentChanges, NewDepartment
from application.base import CommandHandler
from application.events import SchedulaX
from application.ports import Directory, IdAllocator, ProjectionSync
from application.principal import Principal
from application.rezoning import rezone_department
from application.versions import check_version
from application.views import DepartmentView, EnterpriseDetail, EnterpriseView, Page, Paged


class OrganisationService(CommandHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, directory: Directory, sync: ProjectionSync
    ) -> None:
        super().__init__(events, ids, sync)
        self._directory = directory

    # -- enterprises ----------------------------------------------------------

    def create_enterprise(
        self, principal: Principal, name: str, description: str | None, timezone: str | None = None
    ) -> EnterpriseDetail:
        policy.require_role(principal, Role.SYSTEM_ADMIN)
        enterprise = Enterprise.found(
            enterprise_id=self._ids.next_id("enterprise"),
            name=name,
            description=description,
            timezone=timezone if timezone is not None else DEFAULT_ZONE,
            by=principal.id,
        )
        self._commit(enterprise)
        return self.get_enterprise(principal, enterprise.enterprise_id)

    def update_enterprise(
        self,
        principal: Principal,
        enterprise_id: int,
        name: str | None,
        description: str | None,
        expected_version: int | None = None,
        timezone: str | None = None,
        hours_defaults: dict[str, Any] | None = None,
    ) -> EnterpriseDetail:
        """A new `timezone` is the default of departments opened afterwards; existing ones keep theirs.
        `hours_defaults`: the working-time defaults given (`max_hours_per_week`, `max_consecutive_days`,
        None clearing one; `week_starts_on`), which every roster whose own setting is null follows
        from its next booking on."""
        policy.require_role(principal, *policy.ADMINS)
        policy.require_enterprise(principal, enterprise_id, "Enterprise")
        enterprise = self._load(Enterprise, "enterprise", enterprise_id, "Enterprise")
        check_version(enterprise.version, expected_version)
        enterprise.update(name=name, description=description, timezone=timezone, by=principal.id)
        if hours_defaults:
            enterprise.change_hours_defaults(hours_defaults, by=principal.id)
        self._commit(enterprise)
        return self.get_enterprise(principal, enterprise_id)

    def get_enterprise(self, principal: Principal, enterprise_id: int) -> EnterpriseDetail:
        policy.require_role(principal, *policy.ADMINS, Role.AUDITOR)
        policy.require_enterprise(principal, enterprise_id, "Enterprise")
        detail = self._directory.enterprise(enterprise_id)
        if detail is None:
            raise NotFound("Enterprise not found")
        return detail

    def list_enterprises(
        self, principal: Principal, search: str | None, page: Page
    ) -> Paged[EnterpriseView]:
        policy.require_role(principal, Role.SYSTEM_ADMIN)
        return self._directory.enterprises(search, page)

    # -- departments ----------------------------------------------------------

    def create_department(self, principal: Principal, new: NewDepartment) -> DepartmentView:
        policy.require_role(principal, *policy.ADMINS)
        policy.require_enterprise(principal, new.enterprise_id, "Enterprise")
        enterprise = self._events.find(Enterprise.create_id(new.enterprise_id), Enterprise)
        if enterprise is None or self._directory.enterprise(new.enterprise_id) is None:
            raise NotFound("Enterprise not found")
        self._check_manager(new.manager_id, new.enterprise_id)
        department = Department.open(
            department_id=self._ids.next_id("department"),
            enterprise_id=new.enterprise_id,
            name=new.name,
            description=new.description,
            manager_id=new.manager_id,
            timezone=new.timezone if new.timezone is not None else enterprise.timezone,
            by=principal.id,
        )
        self._commit(department)
        return self._department_view(department.department_id)

    def update_department(
        self,
        principal: Principal,
        department_id: int,
        changes: DepartmentChanges,
        expected_version: int | None = None,
    ) -> DepartmentView:
        policy.require_role(principal, *policy.ADMINS)
        department = self._live_department(principal, department_id)
        check_version(department.version, expected_version)
        self._check_manager(changes.manager_id, department.enterprise_id)
        zone_before = department.timezone
        department.update(
            name=changes.name,
            description=changes.description,
            manager_id=changes.manager_id,
            clear_manager="manager_id" in changes.cleared,
            timezone=changes.timezone,
            by=principal.id,
        )
        moved = (rezone_department(self._events, department_id, department.timezone, principal.id)
                 if department.timezone != zone_before else [])
        self._commit(department, *moved,
                     conflict="The department or its rosters changed at the same time; retry")
        return self._department_view(department_id)

    def delete_department(
        self, principal: Principal, department_id: int, expected_version: int | None = None
    ) -> None:
        policy.require_role(principal, *policy.ADMINS)
        department = self._live_department(principal, department_id)
        check_version(department.version, expected_version)
        if self._directory.count_active_users(department_id=department_id):
            raise Conflict("Department still has active users; move them first")
        department.delete(by=principal.id)
        self._commit(department)

    def get_department(self, principal: Principal, department_id: int) -> DepartmentView:
        view = self._directory.department(department_id)
        if view is None or not policy.in_enterprise(principal, view.enterprise_id):
            raise NotFound("Department not found")
        return view

    def list_departments(
        self, principal: Principal, enterprise_id: int, search: str | None, page: Page
    ) -> Paged[DepartmentView]:
        policy.require_enterprise(principal, enterprise_id, "Enterprise")
        if self._directory.enterprise(enterprise_id) is None:
            raise NotFound("Enterprise not found")
        return self._directory.departments(enterprise_id, search, page)

    # -- helpers --------------------------------------------------------------

    def _live_department(self, principal: Principal, department_id: int) -> Department:
        department = self._load(Department, "department", department_id, "Department")
        if department.is_deleted or not policy.in_enterprise(principal, department.enterprise_id):
            raise NotFound("Department not found")
        return department

    def _check_manager(self, manager_id: int | None, enterprise_id: int) -> None:
        if manager_id is None:
            return
        manager = self._directory.user(manager_id)
        if manager is None or manager.enterprise_id != enterprise_id:
            raise RuleViolation("Manager must be a user of this enterprise", field="manager_id")


    def _department_view(self, department_id: int) -> DepartmentView:
        view = self._directory.department(department_id)
        if view is None:
            raise NotFound("Department not found")
        return view
