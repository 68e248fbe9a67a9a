"""Authentication: bearer token -> the caller as the read model knows them now."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from litestar.params import Dependency

from application.principal import Principal, principal_of
from application.views import CallerView
from interfaces.container import Container
from interfaces.http.read_only import looked_up
from interfaces.realtime.auth import Refused, identify

# Injected objects are ours, not client input: Litestar need not validate them.
Services = Annotated[Container, Dependency(skip_validation=True)]
Caller = Annotated[Principal, Dependency(skip_validation=True)]
Me = Annotated[CallerView, Dependency(skip_validation=True)]


def bearer_token(request: Request[Any, Any, Any]) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("Authentication required: send 'Authorization: Bearer <token>'")
    return token.strip()


def provide_me(request: Request[Any, Any, Any], container: Services) -> CallerView:
    """The caller's row, read once per request: handlers that show the caller take `me`."""
    if (seen := looked_up(request.scope)) is not None:
        return seen  # read already by the auditors' guard (read_only.py)
    try:
        caller, _ = identify(container, bearer_token(request))
    except Refused as refused:
        raise NotAuthorizedException(str(refused)) from refused
    return caller


def provide_principal(me: Me) -> Principal:
    return principal_of(me.user)
