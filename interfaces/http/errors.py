"""One error envelope for every failure, holding the fields of both contracts.

002: `{error, message, details}`; 001: `{detail: {code, message, errors}}`.
Domain errors map to status codes in the single table below.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing import persistence
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from application.as_of import PastUnavailable
from application.ports import JobQueueUnavailable, ReadModelsBehind
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StaleVersion,
    TooLarge,
)
from interfaces.http.accepted import applied_answer

log = logging.getLogger("schedulax.http")

STATUS_OF: dict[type[DomainError], int] = {
    RuleViolation: 400,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    StaleVersion: 412,
    TooLarge: 413,
}

TITLES: dict[int, tuple[str, str]] = {
    400: ("Validation error", "VALIDATION_ERROR"),
    401: ("Authentication failed", "UNAUTHORIZED"),
    403: ("Forbidden", "FORBIDDEN"),
    404: ("Not found", "NOT_FOUND"),
    405: ("Method not allowed", "METHOD_NOT_ALLOWED"),
    409: ("Conflict", "CONFLICT"),
    412: ("Precondition failed", "PRECONDITION_FAILED"),
    413: ("Payload too large", "PAYLOAD_TOO_LARGE"),
    415: ("Unsupported media type", "UNSUPPORTED_MEDIA_TYPE"),
    422: ("Unprocessable entity", "UNPROCESSABLE_ENTITY"),
    429: ("Too many requests", "RATE_LIMIT_EXCEEDED"),
    500: ("Internal server error", "INTERNAL_ERROR"),
    503: ("Service unavailable", "SERVICE_UNAVAILABLE"),
}


def error_body(
    status: int,
    message: str,
    details: dict[str, Any] | None = None,
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    title, code = TITLES.get(status, ("Error", f"HTTP_{status}"))
    body: dict[str, Any] = {"error": title, "message": message}
    if details:
        body["details"] = details
    detail: dict[str, Any] = {"code": code, "message": message, **extra}
    if errors:
        detail["errors"] = errors
    body["detail"] = detail
    return body


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_for(exc)
    errors = [{"field": exc.details["field"], "message": exc.message}] if "field" in exc.details else None
    return Response(error_body(status, exc.message, exc.details or None, errors), status_code=status)


_FIELD = re.compile(r"`\$\.([A-Za-z0-9_\.\[\]]+)`|field `([A-Za-z0-9_]+)`")


def _public_name(request: Request[Any, Any, Any], key: str) -> str:
    """Litestar names a bad parameter by its Python name (`type_`); clients know its alias (`type`)."""
    head, dot, rest = key.partition(".")
    try:
        kwarg = request.route_handler.parsed_fn_signature.parameters[head].kwarg_definition
    except (AttributeError, KeyError):
        return key
    return f"{getattr(kwarg, 'name', None) or head}{dot}{rest}"


def _field_errors(request: Request[Any, Any, Any], exc: ValidationException) -> list[dict[str, str]]:
    found = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "Invalid value"))
        field = item.get("key") or ""
        match = _FIELD.search(message)
        if field and item.get("source") == "body":
            pass  # named by its path in the body already (interfaces.http.body)
        elif match:
            field = match.group(1) or match.group(2)
        else:
            field = _public_name(request, str(field))
        found.append({"field": str(field), "message": message})
    return found


def _is_missing(message: str) -> bool:
    return message == "Field required" or "missing required field" in message.lower()


def validation_error_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """400 with every bad field: `detail.errors[{field, message}]`, and `details.missing_fields`."""
    errors = _field_errors(request, exc)
    missing = [e["field"] for e in errors if _is_missing(e["message"])]
    details: dict[str, Any] = {"fields": errors} if errors else {}
    if missing:
        details["missing_fields"] = missing
    if missing and len(missing) == len(errors):
        message = f"Missing required field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
    elif len(errors) == 1:
        message = errors[0]["message"]
        if errors[0]["field"] and errors[0]["field"] not in message:
            message = f"{message} ({errors[0]['field']})"
    else:
        message = exc.detail or "Validation error"
    return Response(error_body(400, message, details, errors), status_code=400)


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    message = exc.detail or TITLES.get(status, ("Error", ""))[0]
    if status == 404 and message == "Not Found":
        message = "Resource not found"
    return Response(error_body(status, message), status_code=status, headers=exc.headers or None)


def read_models_behind_handler(_: Request[Any, Any, Any], exc: ReadModelsBehind) -> Response[Any]:
    """The command is saved; only the answer built from the read models is missing.

    202, not an error: a client that retried a 5xx would apply the command twice.
    """
    return Response(
        {
            "message": "The command was recorded; the read models are catching up, so this"
            " response carries no resource. Query it again shortly.",
            "accepted": True,
            "position": exc.position,
        },
        status_code=202,
        headers={"Retry-After": "1", "X-Read-Models": "behind"},
    )


def database_unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """PostgreSQL is away (stopped, restarting, out of connections): the pools gave up after their
    short timeout. 503 with `Retry-After`, so that clients and load balancers back off briefly."""
    log.warning("database unavailable on %s %s: %s: %s", request.method, request.url.path,
                type(exc).__name__, str(exc).strip()[:200])
    return Response(error_body(503, "The database is unavailable; try again shortly."), status_code=503,
                    headers={"Retry-After": str(DATABASE_RETRY_AFTER)})


DATABASE_RETRY_AFTER = 2
"""Seconds: a restarted PostgreSQL is usually back, and the pools with it, within this."""


def job_queue_unavailable_handler(_: Request[Any, Any, Any], exc: JobQueueUnavailable) -> Response[Any]:
    """The job broker is unreachable and the request was withdrawn: safe to retry after Retry-After."""
    return Response(
        error_body(503, "Background jobs cannot be queued right now, so this request was not carried out."
                   " Retry later.",
                   {"retry_after": exc.retry_after}, retry_after=exc.retry_after),
        status_code=503,
        headers={"Retry-After": str(exc.retry_after)},
    )


def past_unavailable_handler(request: Request[Any, Any, Any], exc: PastUnavailable) -> Response[Any]:
    """As-of replays the product's own projections: one that is parked on an event of this
    roster cannot rebuild its past either, until it is fixed (see /health)."""
    log.warning("as-of of %s unavailable: %s", request.url.path, exc)
    return Response(error_body(503, "This roster's past cannot be rebuilt right now: a read model cannot"
                               " apply one of its events (see /health); try again once it is fixed."),
                    status_code=503, headers={"Retry-After": "60"})


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(error_body(500, "An unexpected error occurred"), status_code=500)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ReadModelsBehind: read_models_behind_handler,
    JobQueueUnavailable: job_queue_unavailable_handler,
    PastUnavailable: past_unavailable_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    # Lost or unobtainable database connections (psycopg_pool.PoolTimeout is an OperationalError).
    psycopg.OperationalError: database_unavailable_handler,
    persistence.OperationalError: database_unavailable_handler,
    persistence.InterfaceError: database_unavailable_handler,
    Exception: internal_error_handler,
}


def applied_first(handler: Callable[..., Response[Any]]) -> Callable[..., Response[Any]]:
    """`handler`, unless the request already saved: then the command was applied, and 202."""
    @functools.wraps(handler)
    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        answer = applied_answer(request, exc)
        return answer if answer is not None else handler(request, exc)
    return handle


# No applied command answers an error, whichever handler above would have answered it.
EXCEPTION_HANDLERS = {cls: applied_first(h) for cls, h in EXCEPTION_HANDLERS.items()}
