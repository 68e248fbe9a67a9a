"""Who is calling: the token check and user lookup of HTTP requests and realtime connections alike."""

from __future__ import annotations

from urllib.parse import parse_qs

from application.principal import Principal, principal_of
from application.views import CallerView
from infrastructure.tokens import InvalidToken, TokenClaims
from interfaces.container import Container


class Refused(Exception):
    """A connection attempt without a valid token, or from a user who is gone."""


def token_from(query_string: str, headers: dict[str, str], auth: object = None) -> str | None:
    """socket.io's `auth: {token}`, then `?token=`, then `Authorization: Bearer`."""
    if isinstance(auth, dict) and isinstance(auth.get("token"), str) and auth["token"]:
        return auth["token"]
    found = parse_qs(query_string).get("token")
    if found and found[0]:
        return found[0]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate(container: Container, token: str | None) -> tuple[Principal, int]:
    """The caller and when their token expires (a Unix time); `Refused` with the reason."""
    caller, expires = identify(container, token)
    return principal_of(caller.user), expires


def identify(container: Container, token: str | None) -> tuple[CallerView, int]:
    """`authenticate`, with the caller's row and department name."""
    if not token:
        raise Refused("Authentication required: pass the access token as ?token=<access_token>")
    caller, claims = verify(container, token)
    return caller, claims.exp


def verify(container: Container, token: str, kind: str = "access") -> tuple[CallerView, TokenClaims]:
    """The caller behind a token of `kind` that is still good, and its claims; `Refused` if not.

    The read of the caller's row also tells whether the token was revoked (a logout of its
    session, or every session of the user ended): no further round trip (docs/auth.md).
    """
    try:
        claims = container.tokens.decode(token, kind)
    except InvalidToken as error:
        raise Refused(str(error)) from error
    caller = container.identity.caller(claims.id, claims.session or None)
    if caller is None:
        raise Refused("User no longer exists or is deactivated")
    if not caller.admits(claims.generation):
        raise Refused("Token has been revoked")
    return caller, claims
