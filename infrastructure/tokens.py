"""JWT access and refresh tokens (HS256) with the contract's claims."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

ISSUER = "schedulax-api"

VERIFIED_TOKENS = 4096
"""Tokens whose signature and claims each process remembers: every request presents one,
and checking an HS256 signature costs more than the lookup of the caller's row."""


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    id: int
    email: str
    role: str
    enterprise_id: int | None
    department_id: int | None
    kind: str
    jti: str
    exp: int
    session: str = ""
    """The session (`sid`) the token belongs to: a login's access and refresh tokens, and the
    access tokens refreshed from it, share one; a logout ends it. Older tokens: their `jti`."""
    generation: int = 0
    """The user's generation of sessions when the session began (`gen`): revoking every
    session of the user moves theirs on. Tokens from before it existed: 0."""


class TokenIssuer:
    def __init__(self, secret: str, ttl_seconds: int, refresh_ttl_seconds: int = 30 * 24 * 3600) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._refresh_ttl = refresh_ttl_seconds
        # Only valid tokens are kept (a failed check raises); expiry is checked on every use.
        self._verified = lru_cache(maxsize=VERIFIED_TOKENS)(self._verify)

    def issue_session(self, user: Any, generation: int = 0, now: int | None = None) -> tuple[str, str]:
        """A new session's access and refresh tokens."""
        session = secrets.token_hex(16)
        return (self.issue(user, "access", now, session=session, generation=generation),
                self.issue(user, "refresh", now, session=session, generation=generation))

    def revocable_until(self, now: int | None = None) -> int:
        """A Unix time by which every token of a session still in use now has expired: its
        refresh token, and an access token refreshed at the last moment."""
        return (int(time.time()) if now is None else now) + self._refresh_ttl + self._ttl

    def issue(
        self, user: Any, kind: str = "access", now: int | None = None,
        session: str | None = None, generation: int = 0,
    ) -> str:
        issued = int(time.time()) if now is None else now
        jti = secrets.token_hex(8)
        claims = {
            "id": user.id,
            "email": user.email,
            "role": user.role,
            "enterprise_id": user.enterprise_id,
            "department_id": user.department_id,
            "iat": issued,
            "exp": issued + (self._ttl if kind == "access" else self._refresh_ttl),
            "iss": ISSUER,
            "jti": jti,
            "sid": session or jti,
            "gen": generation,
            "typ": kind,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def decode(self, token: str, kind: str = "access") -> TokenClaims:
        claims = self._verified(token, kind)
        if claims.exp <= time.time():
            raise InvalidToken("Token has expired")
        return claims

    def _verify(self, token: str, kind: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "iss", "id"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("Token has expired") from error
        except jwt.PyJWTError as error:
            raise InvalidToken("Invalid token") from error
        if claims.get("typ", "access") != kind or not isinstance(claims.get("id"), int):
            raise InvalidToken("Invalid token")
        generation = claims.get("gen", 0)
        if not isinstance(generation, int) or not isinstance(claims.get("sid", ""), str):
            raise InvalidToken("Invalid token")
        return TokenClaims(
            id=claims["id"],
            email=claims.get("email", ""),
            role=claims.get("role", ""),
            enterprise_id=claims.get("enterprise_id"),
            department_id=claims.get("department_id"),
            kind=kind,
            jti=claims.get("jti", ""),
            exp=claims["exp"],
            session=claims.get("sid") or claims.get("jti", ""),
            generation=generation,
        )
