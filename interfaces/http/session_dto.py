"""000's sign-in and sign-out bodies (`/auth/login`, `/auth/logout` at the root)."""

from __future__ import annotations

from typing import Annotated

import msgspec

Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class RootLoginRequest(msgspec.Struct, kw_only=True):
    """`{username, password}`: the username is the account's email."""

    username: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class RootLoginResponse(msgspec.Struct, kw_only=True):
    token: str
    """An access token, as `Authorization: Bearer <token>` on every surface."""


class RootLogoutRequest(msgspec.Struct, kw_only=True):
    token: Token
    """The access (or refresh) token whose session ends."""


class RootLogoutResponse(msgspec.Struct, kw_only=True):
    message: str
