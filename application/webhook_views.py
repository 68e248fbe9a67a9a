"""What the webhook use cases answer: subscriptions (never their secrets), the one answer
that shows a secret, and the record of each delivery."""

from __future__ import annotations

import msgspec


class WebhookView(msgspec.Struct, kw_only=True):
    id: int
    enterprise_id: int
    url: str
    events: list[str]
    description: str | None
    active: bool
    secret_rotated_at: str | None
    """When the secret last changed (None: the one issued at creation)."""
    created_at: str
    updated_at: str


class WebhookSecret(msgspec.Struct, kw_only=True):
    """Shown once, in the answer to creation or rotation; never readable afterwards."""
    webhook: WebhookView
    secret: str
    previous_secret_valid_until: str | None = None


class WebhookKeys(msgspec.Struct, kw_only=True):
    """What signs a delivery: the subscription's nonces (secrets are derived from them)."""
    webhook_id: int
    enterprise_id: int
    url: str
    active: bool
    is_deleted: bool
    nonce: str
    previous_nonce: str | None
    previous_until: str | None


class DeliveryView(msgspec.Struct, kw_only=True):
    id: str
    """Also the `webhook-id` header: the same on every attempt, so receivers can drop repeats."""
    webhook_id: int
    type: str
    status: str
    """`pending` (an attempt is due), `retrying` (failed, another attempt is scheduled),
    `succeeded`, or `failed` (no attempt left, or the subscription was disabled or deleted)."""
    attempts: int
    response_code: int | None
    last_error: str | None
    next_attempt_at: str | None
    last_attempt_at: str | None
    created_at: str


class DeliveryRecord(msgspec.Struct, kw_only=True):
    """A delivery as its job needs it."""
    id: str
    webhook_id: int
    enterprise_id: int
    position: int | None
    type: str
    occurred_at: str
    subject_kind: str
    subject_id: int | None
    changes: str
    body: str | None
    status: str
    attempts: int
    created_at: float


class EventTypeView(msgspec.Struct, kw_only=True):
    type: str
    subject: str
    description: str
