"""Reads that cross to a worker thread once: the caller's lookup, the handler's work and the
encoding of the answer all run in that one hop.

With a `me`/`principal` dependency and a `sync_to_thread` handler, a read hops twice (the
dependency's lookup, then the handler), and the hop machinery was a quarter of the API workers'
samples under read load (docs/benchmarks.md). A handler that is a hot read takes the request
instead and hands its work to `answer`: the caller is the one `security.provide_me` finds, the
answer the bytes Litestar would have encoded from the same struct.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from functools import partial
from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.serialization import encode_json

from application.principal import Principal, principal_of
from application.views import CallerView
from infrastructure.suspend import Direct
from interfaces.container import Container
from interfaces.http.security import provide_me


def services_of(request: Request[Any, Any, Any]) -> Container:
    """The app's container, as the `container` dependency gives it (`create_app` keeps it in the
    app's state). A hot read takes it from there: resolving a dependency costs Litestar a
    resolution pass and an exit stack per request, for an object that never changes."""
    return request.app.state.container  # type: ignore[no-any-return]


async def answer(request: Request[Any, Any, Any], container: Container,
                 work: Callable[[Principal, CallerView], Any]) -> Response[Any]:
    """`work(principal, me)`'s struct as JSON, computed in one worker thread."""

    def in_thread() -> bytes:
        with container.store.held():  # the caller's row and the answer's rows: one connection
            me = provide_me(request, container)
            answered = work(principal_of(me.user), me)
        return encode_json(answered)

    # Litestar's sync_to_thread, less its per-call check of the async library (uvicorn runs
    # asyncio) and with the pool told that this callable never suspends (suspend.Direct).
    bound = Direct(partial(contextvars.copy_context().run, in_thread))
    return Response(await asyncio.get_running_loop().run_in_executor(None, bound), media_type=MediaType.JSON)
