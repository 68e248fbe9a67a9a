"""/api/users: administrators manage users of their tenant."""

from __future__ import annotations

from litestar import Controller, Response, get, post, put

from application.commands import NewUser, UserChanges
from application.views import UserFilter
from domain.roles import Role
from interfaces.http.security import Caller, Services
from interfaces.http.dto import (
    CreateUserRequest,
    UpdateUserRequest,
    UserResponse,
    UsersResponse,
    given,
)
from interfaces.http.params import (
    IfMatch,
    PageLimit,
    PageNumber,
    PathId,
    QueryId,
    Search,
    expected_version,
    page_of,
    versioned,
    pagination,
)

NULLABLE = ("gender", "enterprise_id", "department_id")


class UserController(Controller):
    path = "/api/users"
    tags = ["Users"]

    @post("/", status_code=201, sync_to_thread=True, summary="Create a user (admins)")
    def create(
        self, data: CreateUserRequest, principal: Caller, container: Services
    ) -> Response[UserResponse]:
        user = container.identity.create_user(
            principal,
            NewUser(
                full_name=data.full_name,
                email=data.email,
                password=data.password,
                role=data.role,
                gender=data.gender,
                enterprise_id=data.enterprise_id,
                department_id=data.department_id,
                is_active=data.is_active,
            ),
        )
        return versioned(
            UserResponse(message="User created successfully", user=user),
            user.version,
            status_code=201,
        )

    @get("/", sync_to_thread=True, summary="List users the caller may see")
    def list(
        self,
        principal: Caller,
        container: Services,
        page: PageNumber = 1,
        limit: PageLimit = 10,
        role: Role | None = None,
        department_id: QueryId = None,
        enterprise_id: QueryId = None,
        active: bool | None = None,
        search: Search = None,
        pending: Annotated[bool | None, Parameter(
            description="true: the pending join requests the caller may approve (enterprise_id"
            " and department_id then filter on the requested ones)")] = None,
    ) -> UsersResponse:
        criteria = UserFilter(
            enterprise_id=enterprise_id,
            department_id=department_id,
            role=role.value if role else None,
            is_active=active,
            search=search,
            pending=pending,
        )
        paged = container.identity.list_users(principal, criteria, page_of(page, limit))
        return UsersResponse(
            message="Users retrieved successfully", users=paged.items, pagination=pagination(paged)
        )

    @get("/{user_id:int}", sync_to_thread=True, summary="One user")
    def get(self, user_id: PathId, principal: Caller, container: Services) -> Response[UserResponse]:
        user = container.identity.get_user(principal, user_id)
        return versioned(
            UserResponse(message="User retrieved successfully", user=user), user.version
        )

    @put("/{user_id:int}", sync_to_thread=True, summary="Update a user (admins)")
    def update(
        self,
        user_id: PathId,
        data: UpdateUserRequest,
        principal: Caller,
        container: Services,
        if_match: IfMatch = None,
    ) -> Response[UserResponse]:
        fields = {
            name: getattr(data, name)
            for name in data.__struct_fields__
            if given(getattr(data, name)) and getattr(data, name) is not None
        }
        cleared = frozenset(
            name for name in NULLABLE if given(getattr(data, name)) and getattr(data, name) is None
        )
        user = container.identity.update_user(
            principal, user_id, UserChanges(**fields, cleared=cleared), expected_version(if_match)
        )
        return versioned(UserResponse(message="User updated successfully", user=user), user.version)

    @post("/{user_id:int}/approve", status_code=200, sync_to_thread=True,
          summary="Approve a pending join request: the user becomes an employee where they asked"
          " (the enterprise's admins, or the requested department's manager)")
    def approve(self, user_id: PathId, principal: Caller, container: Services) -> Response[UserResponse]:
        user = container.identity.approve_join(principal, user_id)
        return versioned(UserResponse(message="Join request approved", user=user), user.version)

    @post("/{user_id:int}/reject", status_code=200, sync_to_thread=True,
          summary="Reject a pending join request: the user stays outside the enterprise")
    def reject(self, user_id: PathId, principal: Caller, container: Services) -> Response[UserResponse]:
        user = container.identity.reject_join(principal, user_id)
        return versioned(UserResponse(message="Join request rejected", user=user), user.version)
