"""Auditors change nothing: one guard refuses every command an auditor sends, whatever its route.

The use cases refuse them too (application/policy.py `require_may_change` and the role checks
of every command); this guard is the edge's own copy of that rule, so that an endpoint added
later cannot forget it. It runs for every route that is not a read (GET, HEAD, OPTIONS) except
the few an auditor needs to hold a session, and keys on the caller's role as the read model
knows it now (a token's claims may predate a change of role). The caller it looks up is kept in
the scope, where `security.provide_me` finds it: the handler does not read it a second time.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.routes import HTTPRoute

from application import policy
from application.principal import principal_of
from application.views import CallerView
from interfaces.realtime.auth import Refused, identify

READS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_TO_AUDITORS = frozenset({
    "/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/logout-all",
    "/auth/login", "/auth/logout",
})
"""Commands an auditor may send: signing in, renewing its token and signing out."""
CHANGES_NOTHING = "changes_nothing"
"""`opt` flag of a POST that only computes an answer (e.g. verifying the log): open to auditors."""
CALLER = "schedulax.caller"
"""Scope key of the caller this guard looked up."""


async def auditors_read_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    scope = connection.scope
    if scope["type"] != "http" or scope["method"] in READS or handler.opt.get(CHANGES_NOTHING):
        return
    if (scope["path"].rstrip("/") or "/") in OPEN_TO_AUDITORS:
        return
    token = bearer_of(connection)
    if token is None:
        return  # anonymous: the handler answers 401 if it needs a caller
    try:
        caller, _ = await anyio.to_thread.run_sync(identify, connection.app.state.container, token)
    except Refused:
        return  # an invalid token or a user who is gone: the handler answers 401
    scope[CALLER] = caller  # type: ignore[literal-required]
    policy.require_may_change(principal_of(caller.user))


def off_the_reads(app: Litestar, guard: Any) -> None:
    """Take `guard` (this module's `auditors_read_only`, set on the whole app) off the handlers
    that serve reads alone, where it returns at once: Litestar hands every guard call a fresh
    copy of the route handler (`copy(handler)` in `authorize_connection`), and for a hot read
    that copy was 11% of our event-loop samples (bench.read_twins --asgi --profile). A handler
    without guards skips authorization altogether; every command keeps the guard.

    A handler's guards are resolved once, on first use, into the list `resolve_guards` keeps
    and returns (Litestar 2.25): resolving it here and filtering that list in place is what
    every later request reads.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler) and set(handler.http_methods) <= READS:
                resolved = handler.resolve_guards()
                resolved[:] = [g for g in resolved if g is not guard]


def bearer_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def looked_up(scope: Any) -> CallerView | None:
    """The caller the guard found for this request, if it looked one up."""
    found = scope.get(CALLER)
    return found if isinstance(found, CallerView) else None
