"""Content negotiation in one place, as ASGI middleware.

Requests: JSON passes; MessagePack and form-encoded bodies are re-encoded as JSON
so that every handler decodes one format; anything else gets 415; bodies over the
limit get 413, bodies nested deeper than MAX_DEPTH get 400 before anything decodes
them. Responses: JSON becomes MessagePack for `Accept: application/x-msgpack`.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from interfaces.http.errors import error_body
from interfaces.http.streamed import is_streamed_upload

MSGPACK = "application/x-msgpack"
JSON_TYPES = ("application/json",)
MSGPACK_TYPES = (MSGPACK, "application/msgpack", "application/vnd.msgpack")
FORM = "application/x-www-form-urlencoded"
PASS_THROUGH = ("multipart/form-data",)
FORM_BODY = "schedulax.form_body"
"""Scope key set when the JSON body was converted from a form, whose values are all strings."""

MAX_DEPTH = 32
"""Arrays and objects nested deeper than this are refused (our bodies nest 4 deep at most). Without a
limit, a body nested 1,000 deep exhausts the decoder's recursion (a 500 instead of a 400)."""
_STRING = re.compile(rb'"(?:[^"\\]|\\.?)*+"?', re.DOTALL)
"""A JSON string, escapes included; an unterminated one runs to the end, so no start is retried."""
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [{ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}.get(b, 0) for b in range(256)]

_json = msgspec.json.Encoder()
_msgpack = msgspec.msgpack.Encoder()


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def _replace_headers(headers: list[tuple[bytes, bytes]], **new: str) -> list[tuple[bytes, bytes]]:
    names = {k.replace("_", "-").encode() for k in new}
    kept = [(k, v) for k, v in headers if k.lower() not in names]
    return kept + [(k.replace("_", "-").encode(), v.encode()) for k, v in new.items()]


def wants_msgpack(scope: dict[str, Any]) -> bool:
    accept = _header(scope, b"accept").lower()
    return any(t in accept for t in MSGPACK_TYPES)


async def send_error(
    scope: dict[str, Any], send: Any, status: int, message: str, headers: dict[str, str] | None = None,
    **extra: Any,
) -> None:
    body_obj = error_body(status, message, **extra)
    packed = wants_msgpack(scope)
    body = _msgpack.encode(body_obj) if packed else _json.encode(body_obj)
    raw = [
        (b"content-type", (MSGPACK if packed else "application/json").encode()),
        (b"content-length", str(len(body)).encode()),
    ] + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class ContentNegotiationMiddleware:
    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if has_nul_in_url(scope):
            await _send_nul_error(scope, send, nul_in_query(scope))
            return
        if is_streamed_upload(scope) and _header(scope, b"content-type").lower().startswith(PASS_THROUGH):
            # Streamed to its handler, which limits it as it reads (streamed.py).
            await self.app(scope, receive, self._sender(scope, send))
            return
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > self.max_body_bytes:
            await send_error(scope, send, 413, f"Request body exceeds {self.max_body_bytes} bytes")
            return
        if length in ("", "0") and not _header(scope, b"transfer-encoding"):
            # No body to convert or limit (most GETs): the app reads the request as it came.
            await self.app(scope, receive, self._sender(scope, send))
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await send_error(scope, send, 413, f"Request body exceeds {self.max_body_bytes} bytes")
                return
        if body:
            ctype = _header(scope, b"content-type").split(";")[0].strip().lower()
            try:
                body, scope = self._as_json(scope, ctype, body)
            except _Unsupported:
                await send_error(
                    scope, send, 415,
                    f"Unsupported media type '{ctype or 'none'}'; send application/json,"
                    f" {MSGPACK} or {FORM}",
                )
                return
            except _TooDeep:
                await send_error(scope, send, 400, f"Request body is nested more than {MAX_DEPTH} levels deep")
                return
            except _HasNul as found:
                await _send_nul_error(scope, send, found.field)
                return
            except (msgspec.DecodeError, ValueError, UnicodeDecodeError):
                await send_error(scope, send, 400, f"Malformed {ctype} request body")
                return

        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, self._sender(scope, send))

    @staticmethod
    def _as_json(scope: dict[str, Any], ctype: str, body: bytes) -> tuple[bytes, dict[str, Any]]:
        if ctype in PASS_THROUGH:
            return body, scope
        if ctype in JSON_TYPES or ctype.endswith("+json"):
            check_depth(body)
            check_nul(body)
            return body, scope
        if ctype in MSGPACK_TYPES:
            try:
                converted = _json.encode(msgspec.msgpack.decode(body))
            except RecursionError:  # msgspec stops cleanly at the interpreter's limit
                raise _TooDeep() from None
            except TypeError as error:  # extension types, or maps keyed by arrays: no JSON for them
                raise ValueError(str(error)) from error
            check_depth(converted)  # what handlers decode is this JSON: the same limit holds
            check_nul(converted)
        elif ctype == FORM:  # flat pairs: nothing nests
            converted = _json.encode(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
            check_nul(converted)
            scope = {**scope, FORM_BODY: True}
        else:
            raise _Unsupported()
        headers = _replace_headers(
            list(scope["headers"]), content_type="application/json",
            content_length=str(len(converted)),
        )
        return converted, {**scope, "headers": headers}

    @classmethod
    def _sender(cls, scope: dict[str, Any], send: Any) -> Any:
        """`send`, or one that turns JSON responses into MessagePack when the client asked."""
        return cls._packing_sender(scope, send) if wants_msgpack(scope) else send

    @staticmethod
    def _packing_sender(scope: dict[str, Any], send: Any) -> Any:
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def sender(message: dict[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                ctype = dict(message.get("headers", [])).get(b"content-type", b"").decode()
                if ctype.startswith("application/json"):
                    start = message
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                raw = b"".join(chunks)
                packed = _msgpack.encode(msgspec.json.decode(raw)) if raw else b""
                headers = _replace_headers(
                    list(start.get("headers", [])), content_type=MSGPACK,
                    content_length=str(len(packed)),
                )
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": packed})
                return
            await send(message)

        return sender


NUL_MESSAGE = "Text must not contain the NUL character (U+0000)"
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
"""`\u0000` in JSON text, and not an escaped backslash followed by `u0000`."""


def has_nul_in_url(scope: dict[str, Any]) -> bool:
    """PostgreSQL text cannot hold NUL: a path or query naming one could only fail later."""
    return b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", "")


def check_nul(body: bytes) -> None:
    """Raise _HasNul when JSON `body` holds a NUL character in any string (no stored text can)."""
    if b"\\u0000" in body and _ESCAPED_NUL.search(body):
        raise _HasNul(_nul_path(msgspec.json.decode(body)) or "")


def _nul_path(value: Any, path: str = "") -> str | None:
    """Where in a decoded body the first text holding NUL is, named as validation errors name
    fields (`shifts[0].title`); None when there is none."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where.replace("\x00", "")
            if (found := _nul_path(item, where)) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_path(item, f"{path}[{index}]")) is not None:
                return found
    return None


def nul_in_query(scope: dict[str, Any]) -> str:
    """The name of the first query parameter whose name or value holds NUL."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return next((name.replace("\x00", "") for name, value in pairs if "\x00" in name + value), "")


async def _send_nul_error(scope: dict[str, Any], send: Any, field: str) -> None:
    errors = [{"field": field, "message": NUL_MESSAGE}] if field else None
    await send_error(scope, send, 400, f"{NUL_MESSAGE} ({field})" if field else NUL_MESSAGE,
                     details={"field": field} if field else None, errors=errors)


def check_depth(body: bytes, limit: int = MAX_DEPTH) -> None:
    """Raise _TooDeep when JSON `body` nests arrays or objects deeper than `limit`.

    One linear pass, in C: drop strings (brackets inside them do not count), keep only the
    brackets, and take the highest running count of open ones (about 50 ms for 1 MiB of
    brackets; most bodies have too few brackets to need even that).
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    if max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit:
        raise _TooDeep()


class _HasNul(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class _Unsupported(Exception):
    pass


class _TooDeep(Exception):
    pass
