"""The OpenAPI schema declares our error envelope for every status an operation can answer.

Litestar documents only its own 400 body (`{status_code, detail, extra}`), which we never
send. Rather than list responses on every handler, `declare_responses` derives each
operation's possible statuses from its handler once, at start-up, and gives them the
envelope built by `errors.error_body`:

| status | when |
| --- | --- |
| 400, 422 | the operation takes a body or parameters |
| 401, 403 | it needs a caller (`principal` or `me`); 403 also: a command an auditor may not send |
| 404 | it takes a body or parameters (ids name resources) |
| 409, 202 | it is a command (POST, PUT, PATCH, DELETE); 202: saved, read models behind |
| 412 | it takes `If-Match` |
| 413, 415 | it takes a body |
| 429 | it is rate-limited (all but health and the schema) |
| 503 | always |

A handler's own `responses` win (their 202 is combined with ours), and exceptions named
in its `raises` add their statuses.
"""

from __future__ import annotations

from typing import Any, Union

import msgspec
from litestar import Litestar
from litestar.constants import RESERVED_KWARGS
from litestar.enums import ParamType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from interfaces.http.errors import TITLES
from interfaces.http.ratelimit import UNLIMITED_PREFIXES
from interfaces.http.read_only import OPEN_TO_AUDITORS

CALLER = ("principal", "me")
COMMANDS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FieldError(msgspec.Struct):
    field: str
    message: str


class ErrorDetail(msgspec.Struct, kw_only=True):
    """001's half of the envelope."""

    code: str
    message: str
    errors: list[FieldError] = msgspec.field(default_factory=list)


class ErrorEnvelope(msgspec.Struct, kw_only=True):
    """Every error: 002's `{error, message, details}` beside 001's `detail`."""

    error: str
    message: str
    details: dict[str, Any] = msgspec.field(default_factory=dict)
    detail: ErrorDetail


class Accepted(msgspec.Struct, kw_only=True):
    """202: the command was saved, but the read models had not caught up when it answered."""

    message: str
    accepted: bool
    position: int = 0
    """The log position of the command's events."""


WHY: dict[int, str] = {
    400: "The request is invalid: `detail.errors` names every bad field, `details.missing_fields`"
    " the absent ones",
    401: "No valid bearer token, or wrong credentials",
    403: "The caller's role or tenant does not allow this",
    404: "A resource named by the request does not exist, or belongs to another tenant",
    409: "The command conflicts with the resource's state",
    412: "If-Match names a version that is no longer current",
    413: "The body is larger than the server accepts",
    415: "The body is neither JSON, MessagePack nor form-encoded",
    422: "The request is well-formed but cannot be processed",
    429: "Too many requests: wait for `Retry-After` seconds",
    503: "A dependency (database, broker) is unavailable: retry after `Retry-After` seconds",
}


def declare_responses(app: Litestar) -> None:
    """Attach the envelope to every HTTP operation of `app` (before its schema is first built)."""
    done: set[int] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if id(handler) in done or not handler.include_in_schema:
                continue
            done.add(id(handler))
            handler.responses = _merged(dict(handler.responses or {}), statuses(route, handler))


def statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> set[int]:
    signature = handler.parsed_fn_signature.parameters
    dependencies = set(handler.resolve_dependencies())
    params = [n for n in signature if n not in dependencies and n not in RESERVED_KWARGS]
    has_body = "data" in signature
    found = {503}
    if has_body or params or route.path_parameters:
        found |= {400, 404, 422}
    if any(name in signature for name in CALLER):
        found |= {401, 403}
    if handler.http_methods & COMMANDS:
        found |= {202, 409}
        if route.path not in OPEN_TO_AUDITORS:
            found.add(403)  # auditors change nothing (read_only.py), signed in or not
    if any(_header(signature[n]) == "if-match" for n in params):
        found.add(412)
    if has_body:
        found |= {413, 415}
    if not route.path.startswith(UNLIMITED_PREFIXES):
        found.add(429)
    found |= {exc.status_code for exc in handler.raises or () if hasattr(exc, "status_code")}
    return found


def _header(field: Any) -> str:
    kwarg = field.kwarg_definition
    is_header = getattr(kwarg, "param_type", None) == ParamType.HEADER
    return (kwarg.name or "").lower() if is_header else ""


def _merged(declared: dict[int, ResponseSpec], ours: set[int]) -> dict[int, ResponseSpec]:
    for status in sorted(ours):
        if status == 202:
            own = declared.get(202)
            body: Any = Union[own.data_container, Accepted] if own and own.data_container else Accepted  # noqa: UP007
            behind = "saved, but the read models are behind: query the resource again shortly"
            declared[202] = ResponseSpec(
                data_container=body, generate_examples=False,
                description=f"{own.description}; or {behind}" if own else behind.capitalize(),
            )
        elif status not in declared:
            declared[status] = ResponseSpec(
                data_container=ErrorEnvelope, generate_examples=False,
                description=WHY.get(status, TITLES.get(status, ("Error", ""))[0]),
            )
    return declared
