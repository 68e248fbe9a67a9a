"""Optimistic concurrency for clients: a command may name the version it read."""

from __future__ import annotations

from domain.errors import StaleVersion


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise StaleVersion("The resource has changed since you read it", current_version=current)
