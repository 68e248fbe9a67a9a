"""The framework ceiling: the least a Litestar endpoint can cost on this machine.

One GET handler at `/minimal` answering a JSON body of exactly `SCHEDULAX_BENCH_BODY_BYTES`
bytes (default 2000): no database, no authentication, no middleware, no thread hop
(`sync_to_thread=False`). The body is a dict that Litestar serialises on every request, as
the product's handlers return structs that it serialises, so the ceiling includes the
framework's encoding but nothing of SchedulaX. Run by `bench.baselines.minimal_server` as

    python -m bench.minimal_app PORT WORKERS

through the same `interfaces.serving.serve` as `schedulax serve` (same uvicorn, loop and
http defaults, one listening socket per worker).
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Litestar, get

DEFAULT_BODY_BYTES = 2000
# The JSON around the padding: `{"data":""}`, as msgspec encodes it (no spaces).
_ENVELOPE_BYTES = len('{"data":""}')


def body_for(size: int) -> dict[str, str]:
    """A dict whose compact JSON encoding is exactly `size` bytes."""
    if size < _ENVELOPE_BYTES:
        raise ValueError(f"the body cannot be smaller than {_ENVELOPE_BYTES} bytes")
    return {"data": "x" * (size - _ENVELOPE_BYTES)}


def app() -> Litestar:
    """The app factory (`uvicorn --factory`): the body size is read once, at start-up."""
    body = body_for(int(os.environ.get("SCHEDULAX_BENCH_BODY_BYTES", DEFAULT_BODY_BYTES)))

    @get("/minimal", sync_to_thread=False)
    def minimal() -> dict[str, Any]:
        return body

    # No OpenAPI schema routes: they are never on a request's path, only start-up work.
    return Litestar(route_handlers=[minimal], openapi_config=None)


if __name__ == "__main__":
    import sys

    from interfaces.serving import serve

    serve("bench.minimal_app:app", "127.0.0.1", int(sys.argv[1]), int(sys.argv[2]), log_level="warning")
