"""Aggregate UUIDs derived from a resource kind and its integer API id."""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("8a0d1c52-3f7e-5b7a-9c1e-5c4e6d7a2b10")


def aggregate_uuid(kind: str, number: int) -> UUID:
    """The event-store id of the `kind` resource numbered `number` in the API."""
    return uuid5(NAMESPACE, f"{kind}:{number}")


def registry_uuid(key: str) -> UUID:
    """The fixed id of a registry aggregate that guards the uniqueness of `key`."""
    return uuid5(NAMESPACE, f"registry:{key}")
