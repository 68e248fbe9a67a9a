"""/api/auth: first system admin, registration, login, tokens, own profile."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.exceptions import NotAuthorizedException

from application.commands import NewUser
from application.principal import principal_of
from application.views import CallerView, UserView
from domain.errors import RuleViolation
from infrastructure.tokens import TokenClaims
from interfaces.http.security import Caller, Services
from interfaces.http.dto import (
    AuthResponse,
    LoginRequest,
    ProfileUpdateRequest,
    RegisterRequest,
    RegisterResponse,
    SystemAdminRequest,
    TokenResponse,
    UserResponse,
    or_none,
)
from interfaces.http.security import bearer_token
from interfaces.realtime.auth import Refused, verify


def _auth(container: Services, message: str, user: UserView, generation: int = 0) -> dict[str, Any]:
    """A new session's tokens (a new user's sessions are of generation 0)."""
    access, refresh = container.tokens.issue_session(user, generation)
    return {
        "message": message,
        "user": user,
        "token": access,
        "access_token": access,
        "refresh_token": refresh,
    }


def verified(container: Services, token: str, kind: str = "access") -> tuple[CallerView, TokenClaims]:
    """The caller and claims of a token still good, or 401."""
    try:
        return verify(container, token, kind)
    except Refused as refused:
        raise NotAuthorizedException(str(refused)) from refused


class AuthController(Controller):
    path = "/api/auth"
    tags = ["Authentication"]

    @post("/create-system-admin", status_code=201, sync_to_thread=True,
          summary="Create the first system administrator (only while none exists)")
    def create_system_admin(self, data: SystemAdminRequest, container: Services) -> AuthResponse:
        user = container.identity.create_system_admin(data.full_name, data.email, data.password)
        return AuthResponse(**_auth(container, "System administrator created successfully", user))

    @post("/register", status_code=201, sync_to_thread=True,
          summary="Register (public): with an invitation_code, placed as the invitation says;"
          " naming an enterprise without one, an employee who asks to join it."
          " Accepts 002's and 001's request forms")
    def register(self, data: RegisterRequest, container: Services) -> RegisterResponse:
        full_name = data.full_name or data.username
        if not full_name:
            raise RuleViolation(
                "Full name, email and password are required",
                field="full_name",
                missing_fields=["full_name"],
            )
        new = NewUser(
            full_name=full_name,
            email=data.email,
            password=data.password,
            role=data.role,
            gender=data.gender,
            enterprise_id=data.enterprise_id,
            department_id=data.department_id,
        )
        if data.invitation_code is not None:
            user = container.identity.register_invited(
                new, data.invitation_code, datetime.now(timezone.utc)
            )
        else:
            user = container.identity.register(new)
        return RegisterResponse(
            **_auth(container, "User registered successfully", user),
            id=user.id,
            email=user.email,
            username=data.username or user.full_name,
            created_at=user.created_at,
        )

    @post("/login", status_code=200, sync_to_thread=True, raises=[NotAuthorizedException],
          summary="Log in with JSON {email, password} or form username=&password=")
    def login(self, data: LoginRequest, container: Services) -> AuthResponse:
        email = data.email or data.username
        if not email:
            raise RuleViolation(
                "Email (or username) and password are required",
                field="email",
                missing_fields=["email"],
            )
        signed_in = container.identity.sign_in(email, data.password)
        return AuthResponse(
            **_auth(container, "Login successful", signed_in.user, signed_in.session_generation)
        )

    @post("/refresh", status_code=200, sync_to_thread=True, raises=[NotAuthorizedException],
          summary="Exchange a refresh token (Authorization: Bearer <refresh_token>) for an access token")
    def refresh(self, request: Request[Any, Any, Any], container: Services) -> TokenResponse:
        caller, claims = verified(container, bearer_token(request), kind="refresh")
        # The new access token stays in the refresh token's session: a logout ends both.
        access = container.tokens.issue(caller.user, session=claims.session, generation=claims.generation)
        return TokenResponse(access_token=access, token=access)

    @post("/logout", status_code=204, sync_to_thread=True, raises=[NotAuthorizedException],
          summary="End this session (001): its access token and its refresh token are refused"
          " from now on, by every API process")
    def logout(self, request: Request[Any, Any, Any], container: Services) -> None:
        caller, claims = verified(container, bearer_token(request))
        container.identity.sign_out(
            principal_of(caller.user), claims.session, container.tokens.revocable_until()
        )

    @post("/logout-all", status_code=204, sync_to_thread=True, raises=[NotAuthorizedException],
          summary="End every session of the caller, this one included: every token issued"
          " to them so far is refused; tokens issued afterwards work")
    def logout_all(self, request: Request[Any, Any, Any], container: Services) -> None:
        caller, _ = verified(container, bearer_token(request))
        container.identity.sign_out_everywhere(principal_of(caller.user))

    @get("/profile", sync_to_thread=True, summary="The caller's own profile")
    def profile(self, principal: Caller, container: Services) -> UserResponse:
        return UserResponse(
            message="Profile retrieved successfully", user=container.identity.profile(principal)
        )

    @put("/profile", sync_to_thread=True, summary="Update the caller's name and gender")
    def update_profile(
        self, data: ProfileUpdateRequest, principal: Caller, container: Services
    ) -> UserResponse:
        user = container.identity.update_profile(
            principal,
            full_name=or_none(data.full_name),
            gender=or_none(data.gender),
        )
        return UserResponse(message="Profile updated successfully", user=user)
