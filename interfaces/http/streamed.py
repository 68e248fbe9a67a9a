"""Requests whose bodies are streamed to their handler rather than read whole first.

A file upload may be far larger than `max_body_bytes`: the content negotiation middleware
must neither buffer it nor apply that limit (the files service applies its own, while the
bytes stream in), and the idempotency middleware must not buffer it to fingerprint it.
"""

from __future__ import annotations

from typing import Any

UPLOAD_PATHS = frozenset({"/files", "/files/"})


def is_streamed_upload(scope: dict[str, Any]) -> bool:
    return scope.get("method") == "POST" and scope.get("path") in UPLOAD_PATHS
