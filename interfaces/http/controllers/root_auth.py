"""000's /auth at the root: sign in for a token, sign out by handing the token back.

The same sessions as /api/auth: a token from here works on /api, and `/auth/logout` ends
its session exactly as `POST /api/auth/logout` does (docs/auth.md).
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.exceptions import NotAuthorizedException

from application.principal import principal_of
from interfaces.http.controllers.auth import verified
from interfaces.http.security import Services
from interfaces.http.session_dto import (
    RootLoginRequest,
    RootLoginResponse,
    RootLogoutRequest,
    RootLogoutResponse,
)


class RootAuthController(Controller):
    path = "/auth"
    tags = ["Authentication (000)"]

    @post("/login", status_code=200, sync_to_thread=True, raises=[NotAuthorizedException],
          summary="Log in (000) with {username: <email>, password}; answers {token}, an access token")
    def login(self, data: RootLoginRequest, container: Services) -> RootLoginResponse:
        signed_in = container.identity.sign_in(data.username, data.password)
        access, _ = container.tokens.issue_session(signed_in.user, signed_in.session_generation)
        return RootLoginResponse(token=access)

    @post("/logout", status_code=200, sync_to_thread=True, raises=[NotAuthorizedException],
          summary="Log out (000): the token in the body, and every token of its session, is refused"
          " from now on, by every API process")
    def logout(self, data: RootLogoutRequest, container: Services) -> RootLogoutResponse:
        try:
            caller, claims = verified(container, data.token)
        except NotAuthorizedException as refused:
            try:  # 000 has one kind of token; a refresh token from /api ends its session too
                caller, claims = verified(container, data.token, kind="refresh")
            except NotAuthorizedException:
                raise refused from None
        container.identity.sign_out(
            principal_of(caller.user), claims.session, container.tokens.revocable_until()
        )
        return RootLogoutResponse(message="Successfully logged out")
