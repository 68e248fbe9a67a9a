"""DTOs of the webhook subscriptions and their deliveries."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from application.webhook_views import DeliveryView, EventTypeView, WebhookView

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
EventTypes = Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=500)]


class CreateWebhookRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Url
    """Where deliveries are posted: https (http only to allowlisted hosts)."""
    events: EventTypes
    """Event types (GET /api/webhooks/event-types), or `["*"]` for every type."""
    description: Description | None = None
    active: bool = True


class UpdateWebhookRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Url | UnsetType = UNSET
    events: EventTypes | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class WebhookResponse(msgspec.Struct, kw_only=True):
    webhook: WebhookView


class WebhookWithSecret(msgspec.Struct, kw_only=True):
    webhook: WebhookView
    secret: str
    """The signing secret (`whsec_...`), shown this once: keep it, it cannot be read again."""
    previous_secret_valid_until: str | None = None
    """After a rotation: until when deliveries are also signed with the previous secret."""


class WebhookList(msgspec.Struct, kw_only=True):
    webhooks: list[WebhookView]


class DeliveryList(msgspec.Struct, kw_only=True):
    deliveries: list[DeliveryView]


class DeliveryResponse(msgspec.Struct, kw_only=True):
    delivery: DeliveryView


class EventTypeList(msgspec.Struct, kw_only=True):
    event_types: list[EventTypeView]
