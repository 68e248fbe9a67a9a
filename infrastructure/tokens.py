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


class TokenIssuer:
    def __init__(self, secret: str, ttl_seconds: int, refresh_ttl_seconds: int = 30 * 24 * 3600) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._refresh_ttl = refresh_ttl_seconds
        # Only valid tokens are kept (a failed check raises); expiry is checked on every use.
        self._verified = lru_cache(maxsize=VERIFIED_TOKENS)(self._verify)

    def issue(self, user: Any, kind: str = "access", now: int | None = None) -> str:
        issued = int(time.time()) if now is None else now
        claims = {
            "id": user.id,
            "email": user.email,
            "role": user.role,
            "enterprise_id": user.enterprise_id,
            "department_id": user.department_id,
            "iat": issued,
            "exp": issued + (self._ttl if kind == "access" else self._refresh_ttl),
            "iss": ISSUER,
            "jti": secrets.token_hex(8),
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
        return TokenClaims(
            id=claims["id"],
            email=claims.get("email", ""),
            role=claims.get("role", ""),
            enterprise_id=claims.get("enterprise_id"),
            department_id=claims.get("department_id"),
            kind=kind,
            jti=claims.get("jti", ""),
            exp=claims["exp"],
        )
