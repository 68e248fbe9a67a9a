"""`Idempotency-Key` on commands (the convention of Stripe and the IETF draft).

Every POST, PUT, PATCH and DELETE runs in a command scope (application/command_scope.py),
so that a failure after its save answers 202 (accepted.py). With a key, the request is
fingerprinted (method, path, query string and the body as the handler gets it: JSON,
after content negotiation, which is why this middleware sits inside it), and:

- a key the caller has not used runs the command; its first save records the key in the
  same transaction as its events, and its answer is kept (infrastructure/kept_responses.py);
- a key already taken by the same request answers the kept answer with
  `Idempotent-Replayed: true`, or 202 "already applied" when none was kept (a 202, a
  process that died), or 409 while the original may still be answering;
- a key taken by a different request answers 422.

Callers are "user:<id>" from the bearer token (decoded, no database read) or "anonymous"
(register, login, create-system-admin), whose fingerprint, body included, keeps anyone
from replaying another's request.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import anyio.to_thread
import msgspec

from application import command_scope
from application.command_scope import CommandScope, KeyedRequest
from domain.idempotency import IdempotencyKey, IdempotencyKeyTaken
from infrastructure.kept_responses import KeptResponse, KeptResponses
from infrastructure.tokens import InvalidToken
from interfaces.http.accepted import resource_url
from interfaces.http.negotiation import send_error
from interfaces.http.request_id import request_id_of
from interfaces.http.streamed import is_streamed_upload

log = logging.getLogger("schedulax.idempotency")

HEADER = b"idempotency-key"
REPLAYED = "Idempotent-Replayed"
COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SKIPPED_PREFIXES = ("/socket.io",)  # engine.io's long-polling POSTs are no commands
MAX_KEY_LENGTH = 255
KEPT_HEADERS = frozenset({"content-type", "etag", "location"})
ANSWERING_MARGIN_SECONDS = 5.0
"""Beyond the read-your-writes wait: a key younger than both, with no kept answer, may
still be answering (409, retry); an older one was applied and its answer lost (202)."""

ALREADY_APPLIED = (
    "A request with this Idempotency-Key was already applied; its response is not kept."
    " Query the result (at `location` when given) once the read models reach `position`."
)

OWN_SAVE_LOST = (
    "The command was applied, but the database connection was lost as it was saved, so this"
    " response carries no resource. Do not repeat it with another key; query the result shortly."
)

_json = msgspec.json.Encoder()

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class MalformedKey(ValueError):
    pass


def parse_key(values: list[str]) -> str:
    """The key of the header's values: 1 to 255 printable ASCII characters, sent once.

    The IETF draft sends it as a structured-field string ("..."), Stripe bare: both are taken.
    """
    if len(values) != 1:
        raise MalformedKey("Send one Idempotency-Key header")
    key = values[0].strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key.strip():
        raise MalformedKey("Idempotency-Key must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise MalformedKey(f"Idempotency-Key is at most {MAX_KEY_LENGTH} characters")
    if not all(" " <= c <= "~" for c in key):
        raise MalformedKey("Idempotency-Key holds printable ASCII characters only")
    return key


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """sha256 of what the request asks for; each part length-prefixed, so none runs into the next."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogatepass"), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, container: Any) -> None:
        self.app = app
        self.events = container.events
        self.tokens = container.tokens
        self.responses = KeptResponses(container.store)
        self.read_your_writes_timeout = container.settings.read_your_writes_timeout

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (scope["type"] != "http" or scope["method"] not in COMMAND_METHODS
                or scope["path"].startswith(SKIPPED_PREFIXES)):
            await self.app(scope, receive, send)
            return
        values = [v.decode("latin-1") for k, v in scope["headers"] if k == HEADER]
        request_id = request_id_of(scope)
        if not values or is_streamed_upload(scope):
            # An upload is not fingerprinted (that would hold it whole in memory): its key is
            # not checked, and a repeat stores a second file over the same blob.
            with command_scope.opened(CommandScope(request_id=request_id)):
                await self.app(scope, receive, send)
            return
        try:
            key = parse_key(values)
        except MalformedKey as error:
            await send_error(scope, send, 400, str(error), details={"field": "Idempotency-Key"},
                             errors=[{"field": "Idempotency-Key", "message": str(error)}])
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client left
        keyed = KeyedRequest(
            caller=self._caller(scope), key=key, at=datetime.now(timezone.utc),
            fingerprint=fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body),
        )
        taken = await self._taken(keyed)
        if taken is not None:
            await self._repeat(scope, send, keyed, taken)
            return
        command = CommandScope(keyed=keyed, request_id=request_id)
        answer = _Captured()
        with command_scope.opened(command):
            await self.app(scope, _replaying(body, receive), answer.send)
        if command.key_saved:
            await self._keep(scope, keyed, command, answer)
        elif answer.status >= 400 and (taken := await self._taken(keyed)) is not None:
            if taken.matches(keyed.fingerprint) and taken.at == keyed.at:
                # Saved by this very request (the key carries its time), whose save reported a
                # failure: the commit went through before the connection was lost. Applied.
                await self._already_applied(send, None, OWN_SAVE_LOST, replayed=False)
                return
            # It lost to a concurrent request with the same key: answer as its repeat.
            await self._repeat(scope, send, keyed, taken)
            return
        await answer.flush(send)

    async def _taken(self, keyed: KeyedRequest) -> IdempotencyKey | None:
        return await anyio.to_thread.run_sync(self.events.find, keyed.id, IdempotencyKey)

    async def _repeat(self, scope: dict[str, Any], send: Any, keyed: KeyedRequest, taken: IdempotencyKey) -> None:
        if not taken.matches(keyed.fingerprint):
            await send_error(
                scope, send, 422,
                "This Idempotency-Key was used for a different request (method, path, query or body);"
                " send a new key for a new request",
            )
            return
        kept = await anyio.to_thread.run_sync(self.responses.get, str(keyed.id))
        if kept is not None and kept.body is not None:
            await _send(send, kept.status, kept.headers + [(REPLAYED, "true")], kept.body.encode())
            return
        answering = self.read_your_writes_timeout + ANSWERING_MARGIN_SECONDS
        if kept is None and (keyed.at - taken.at).total_seconds() < answering:
            await send_error(scope, send, 409, IdempotencyKeyTaken().message, headers={"Retry-After": "1"})
            return
        await self._already_applied(send, kept)

    async def _already_applied(self, send: Any, kept: KeptResponse | None, message: str = "",
                               replayed: bool = True) -> None:
        # Without a kept answer the key's own position is unknown: the head of the log is at or after it.
        position = kept.position if kept is not None else \
            await anyio.to_thread.run_sync(self.events.recorder.max_notification_id)
        body: dict[str, Any] = {"message": message or ALREADY_APPLIED, "accepted": True, "position": position or 0}
        headers = [("Content-Type", "application/json"), ("Retry-After", "1")]
        if replayed:
            headers.append((REPLAYED, "true"))
        if kept is not None and kept.location:
            body["location"] = kept.location
            headers.append(("Location", kept.location))
        await _send(send, 202, headers, _json.encode(body))

    async def _keep(self, scope: dict[str, Any], keyed: KeyedRequest, command: CommandScope,
                    answer: _Captured) -> None:
        """Keep the answer for repeats; a 202 (or an answer that is no text) only by position."""
        position = command.position or 0
        status = answer.status
        try:
            text = answer.body.decode("utf-8") if 200 <= status < 300 and status != 202 else None
        except UnicodeDecodeError:
            text = None
        if text is not None:
            headers = [(k, v) for k, v in answer.headers if k.lower() in KEPT_HEADERS]
            location = next((v for k, v in headers if k.lower() == "location"), None)
            kept = KeptResponse(status, headers, text, position, location)
        else:
            location = None if scope["method"] == "DELETE" else resource_url(command.saved)
            kept = KeptResponse(status, [], None, position, location)
        try:
            await anyio.to_thread.run_sync(self.responses.keep, str(keyed.id), kept)
        except Exception:  # noqa: BLE001 - the command is applied: its answer goes out regardless
            log.warning("could not keep the answer of Idempotency-Key %r; a repeat will answer 202",
                        keyed.key, exc_info=True)

    def _caller(self, scope: dict[str, Any]) -> str:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token.strip():
                    try:
                        return f"user:{self.tokens.decode(token.strip()).id}"
                    except InvalidToken:
                        break
        return "anonymous"


class _Captured:
    """The handler's answer, held back until it is kept."""

    def __init__(self) -> None:
        self.start: dict[str, Any] | None = None
        self.chunks: list[bytes] = []

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def status(self) -> int:
        return int(self.start["status"]) if self.start is not None else 500

    @property
    def headers(self) -> list[tuple[str, str]]:
        raw = self.start.get("headers", []) if self.start is not None else []
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    async def flush(self, send: Any) -> None:
        if self.start is None:
            return
        await send(self.start)
        await send({"type": "http.response.body", "body": self.body})


async def _read_body(receive: Any) -> bytes | None:
    body, more = b"", True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def _replaying(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send(send: Any, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers if k.lower() != "content-length"]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
