"""/api/enterprises and /api/departments."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post, put

from application.commands import DepartmentChanges, NewDepartment
from interfaces.http.security import Caller, Services
from interfaces.http.dto import (
    CreateDepartmentRequest,
    CreateEnterpriseRequest,
    DepartmentResponse,
    DepartmentsResponse,
    EnterpriseResponse,
    EnterprisesResponse,
    UpdateDepartmentRequest,
    UpdateEnterpriseRequest,
    or_none,
)
from interfaces.http.params import (
    IfMatch,
    PageLimit,
    PageNumber,
    PathId,
    Search,
    expected_version,
    page_of,
    versioned,
    pagination,
)



class EnterpriseController(Controller):
    path = "/api/enterprises"
    tags = ["Enterprises"]

    @post("/", status_code=201, sync_to_thread=True, summary="Create an enterprise (system admin)")
    def create(
        self, data: CreateEnterpriseRequest, principal: Caller, container: Services
    ) -> Response[EnterpriseResponse]:
        enterprise = container.organisation.create_enterprise(
            principal, data.name, data.description, data.timezone
        )
        return versioned(
            EnterpriseResponse(message="Enterprise created successfully", enterprise=enterprise),
            enterprise.version,
            status_code=201,
        )

    @get("/", sync_to_thread=True, summary="List enterprises (system admin)")
    def list(
        self,
        principal: Caller,
        container: Services,
        page: PageNumber = 1,
        limit: PageLimit = 10,
        search: Search = None,
    ) -> EnterprisesResponse:
        paged = container.organisation.list_enterprises(principal, search, page_of(page, limit))
        return EnterprisesResponse(
            message="Enterprises retrieved successfully",
            enterprises=paged.items,
            pagination=pagination(paged),
        )

    @get("/{enterprise_id:int}", sync_to_thread=True, summary="One enterprise with its departments")
    def get(
        self, enterprise_id: PathId, principal: Caller, container: Services
    ) -> Response[EnterpriseResponse]:
        enterprise = container.organisation.get_enterprise(principal, enterprise_id)
        return versioned(
            EnterpriseResponse(message="Enterprise retrieved successfully", enterprise=enterprise),
            enterprise.version,
        )

    @put("/{enterprise_id:int}", sync_to_thread=True, summary="Rename or describe an enterprise")
    def update(
        self,
        enterprise_id: PathId,
        data: UpdateEnterpriseRequest,
        principal: Caller,
        container: Services,
        if_match: IfMatch = None,
    ) -> Response[EnterpriseResponse]:
        enterprise = container.organisation.update_enterprise(
            principal,
            enterprise_id,
            name=or_none(data.name),  # type: ignore[arg-type]
            description=or_none(data.description),  # type: ignore[arg-type]
            expected_version=expected_version(if_match),
            timezone=or_none(data.timezone),  # type: ignore[arg-type]
            hours_defaults=data.hours_defaults(),
        )
        return versioned(
            EnterpriseResponse(message="Enterprise updated successfully", enterprise=enterprise),
            enterprise.version,
        )


class DepartmentController(Controller):
    path = "/api/departments"
    tags = ["Departments"]

    @post("/", status_code=201, sync_to_thread=True, summary="Create a department (admins)")
    def create(
        self, data: CreateDepartmentRequest, principal: Caller, container: Services
    ) -> Response[DepartmentResponse]:
        department = container.organisation.create_department(
            principal,
            NewDepartment(
                name=data.name,
                enterprise_id=data.enterprise_id,
                description=data.description,
                manager_id=data.manager_id,
                timezone=data.timezone,
            ),
        )
        return versioned(
            DepartmentResponse(message="Department created successfully", department=department),
            department.version,
            status_code=201,
        )

    @get(
        "/enterprise/{enterprise_id:int}",
        sync_to_thread=True,
        summary="Departments of an enterprise",
    )
    def list(
        self,
        enterprise_id: PathId,
        principal: Caller,
        container: Services,
        page: PageNumber = 1,
        limit: PageLimit = 10,
        search: Search = None,
    ) -> DepartmentsResponse:
        paged = container.organisation.list_departments(
            principal, enterprise_id, search, page_of(page, limit)
        )
        return DepartmentsResponse(
            message="Departments retrieved successfully",
            departments=paged.items,
            pagination=pagination(paged),
        )

    @get("/{department_id:int}", sync_to_thread=True, summary="One department")
    def get(
        self, department_id: PathId, principal: Caller, container: Services
    ) -> Response[DepartmentResponse]:
        department = container.organisation.get_department(principal, department_id)
        return versioned(
            DepartmentResponse(message="Department retrieved successfully", department=department),
            department.version,
        )

    @put("/{department_id:int}", sync_to_thread=True, summary="Update a department (admins)")
    def update(
        self,
        department_id: PathId,
        data: UpdateDepartmentRequest,
        principal: Caller,
        container: Services,
        if_match: IfMatch = None,
    ) -> Response[DepartmentResponse]:
        changes = DepartmentChanges(
            name=or_none(data.name),  # type: ignore[arg-type]
            description=or_none(data.description),  # type: ignore[arg-type]
            manager_id=or_none(data.manager_id),  # type: ignore[arg-type]
            cleared=frozenset({"manager_id"}) if data.manager_id is None else frozenset(),
            timezone=or_none(data.timezone),  # type: ignore[arg-type]
        )
        department = container.organisation.update_department(
            principal, department_id, changes, expected_version(if_match)
        )
        return versioned(
            DepartmentResponse(message="Department updated successfully", department=department),
            department.version,
        )

    @delete(
        "/{department_id:int}",
        status_code=204,
        sync_to_thread=True,
        summary="Delete a department with no active users (admins)",
    )
    def remove(
        self,
        department_id: PathId,
        principal: Caller,
        container: Services,
        if_match: IfMatch = None,
    ) -> None:
        container.organisation.delete_department(
            principal, department_id, expected_version(if_match)
        )
