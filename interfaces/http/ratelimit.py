"""Rate limits per the contract, per surface (docs/operations.md, "Rate limits").

002's rules hold wherever 002 and another document share a path: its authentication
endpoints per IP, bulk per user, the rest per user or IP. 001's own authentication endpoints
(logout) count per IP at 001's rate, 001's events surface per user at 001's rate, and 000's
surface at the root per user at 000's. Each surface counts in its own buckets: a client that
spends one surface's budget still has the others'.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from infrastructure.ratelimit import Decision, RateLimiter
from infrastructure.settings import Settings
from infrastructure.tokens import InvalidToken, TokenIssuer
from interfaces.http.negotiation import send_error

AUTH_PATHS = frozenset(
    {
        "/api/auth/login",
        "/api/auth/register",
        "/api/auth/create-system-admin",
        "/api/auth/refresh",
    }
)
"""002's authentication endpoints (001 has login, register and refresh too): 002's rate."""
SIGN_OUT_PATHS = frozenset({"/api/auth/logout", "/api/auth/logout-all"})
"""001's authentication endpoints that 002 does not have: 001's rate, per IP."""
UNLIMITED_PREFIXES = ("/health", "/api/health", "/schema")


def client_ip(scope: dict[str, Any], trusted_hops: int) -> str:
    if trusted_hops:
        for key, value in scope["headers"]:
            if key == b"x-forwarded-for":
                hops = [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
                if len(hops) >= trusted_hops:
                    return hops[-trusted_hops]
    client = scope.get("client")
    return client[0] if client else "unknown"


class RateLimitMiddleware:
    def __init__(self, app: Any, limiter: RateLimiter, tokens: TokenIssuer, settings: Settings) -> None:
        self.app = app
        self.limiter = limiter
        self.tokens = tokens
        self.settings = settings

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        rule, key = self._rule_and_key(scope, path)
        # Never raises for a Redis fault: the limiter falls back to this process's memory.
        decision = await self.limiter.hit(rule, *key)
        headers = _headers(decision)
        if not decision.allowed:
            reset_at = datetime.fromtimestamp(decision.reset_at, tz=timezone.utc)
            retry_after = max(1, decision.reset_at - int(datetime.now(tz=timezone.utc).timestamp()))
            await send_error(
                scope, send, 429, "Too many requests, please try again later",
                headers={**headers, "Retry-After": str(retry_after)},
                details={"reset_at": reset_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": decision.limit},
                reset_at=reset_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, with_headers)

    def _rule_and_key(self, scope: dict[str, Any], path: str) -> tuple[str, tuple[str, ...]]:
        settings = self.settings
        ip = client_ip(scope, settings.trusted_proxy_count)
        if path in AUTH_PATHS:
            return settings.rate_limit_auth, ("auth", ip)
        if path in SIGN_OUT_PATHS:
            return settings.rate_limit_sign_out, ("sign_out", ip)
        caller = self._caller(scope)
        who = f"user:{caller}" if caller is not None else f"ip:{ip}"
        if path.startswith(settings.rate_limit_root_prefixes):
            return settings.rate_limit_root, ("root", who)
        if settings.rate_limit_events_prefix and path.startswith(settings.rate_limit_events_prefix):
            return settings.rate_limit_events, ("events", who)
        if scope.get("method") == "POST" and ("/bulk" in path or "/batch" in path):
            return settings.rate_limit_bulk, ("bulk", who)
        return settings.rate_limit_general, ("general", who)

    def _caller(self, scope: dict[str, Any]) -> int | None:
        for key, value in scope["headers"]:
            if key == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token:
                    try:
                        return self.tokens.decode(token.strip()).id
                    except InvalidToken:
                        return None
        return None


def _headers(decision: Decision) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_at),
    }
