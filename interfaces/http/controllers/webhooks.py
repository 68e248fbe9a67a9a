"""Webhook subscriptions of the caller's enterprise (enterprise admins; auditors read)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.params import Parameter

from interfaces.http.dto import given, or_none
from interfaces.http.params import PathId
from interfaces.http.security import Caller, Services
from interfaces.http.webhook_dto import (
    CreateWebhookRequest,
    DeliveryList,
    DeliveryResponse,
    EventTypeList,
    UpdateWebhookRequest,
    WebhookList,
    WebhookResponse,
    WebhookWithSecret,
)

DeliveryId = Annotated[str, Parameter(min_length=1, max_length=100, description="A delivery's id (`msg_...`)")]
Limit = Annotated[int, Parameter(ge=1, le=200, description="Newest deliveries first, at most this many")]


class WebhookController(Controller):
    path = "/api/webhooks"
    tags = ["Webhooks"]

    @get("/event-types", sync_to_thread=True, summary="The event types a webhook may subscribe to")
    def event_types(self, principal: Caller, container: Services) -> EventTypeList:
        return EventTypeList(event_types=container.webhooks.event_types(principal))

    @get("/", sync_to_thread=True, summary="The enterprise's webhook subscriptions (never their secrets)")
    def listed(self, principal: Caller, container: Services) -> WebhookList:
        return WebhookList(webhooks=container.webhooks.webhooks(principal))

    @post("/", status_code=201, sync_to_thread=True,
          summary="Subscribe a URL to event types; the answer shows the signing secret, once")
    def create(self, data: CreateWebhookRequest, principal: Caller, container: Services) -> WebhookWithSecret:
        made = container.webhooks.create(principal, data.url, data.events, data.description, data.active)
        return WebhookWithSecret(webhook=made.webhook, secret=made.secret)

    @get("/{webhook_id:int}", sync_to_thread=True, summary="A webhook subscription")
    def one(self, webhook_id: PathId, principal: Caller, container: Services) -> WebhookResponse:
        return WebhookResponse(webhook=container.webhooks.webhook(principal, webhook_id))

    @put("/{webhook_id:int}", sync_to_thread=True, summary="Change a subscription's URL, event types,"
         " description or active flag (absent fields stay)")
    def update(self, webhook_id: PathId, data: UpdateWebhookRequest, principal: Caller,
               container: Services) -> WebhookResponse:
        return WebhookResponse(webhook=container.webhooks.update(
            principal, webhook_id, url=or_none(data.url), events=or_none(data.events),  # type: ignore[arg-type]
            description=or_none(data.description), active=or_none(data.active),  # type: ignore[arg-type]
            description_given=given(data.description)))

    @delete("/{webhook_id:int}", status_code=204, sync_to_thread=True,
            summary="Delete a subscription; its pending deliveries are dropped")
    def remove(self, webhook_id: PathId, principal: Caller, container: Services) -> None:
        container.webhooks.delete(principal, webhook_id)

    @post("/{webhook_id:int}/rotate-secret", status_code=200, sync_to_thread=True,
          summary="A new signing secret, shown once; the previous one also signs deliveries for 24 hours")
    def rotate(self, webhook_id: PathId, principal: Caller, container: Services) -> WebhookWithSecret:
        made = container.webhooks.rotate(principal, webhook_id)
        return WebhookWithSecret(webhook=made.webhook, secret=made.secret,
                                 previous_secret_valid_until=made.previous_secret_valid_until)

    @get("/{webhook_id:int}/deliveries", sync_to_thread=True,
         summary="The subscription's deliveries: status, response code, attempts, next attempt")
    def deliveries(self, webhook_id: PathId, principal: Caller, container: Services,
                   limit: Limit = 50) -> DeliveryList:
        return DeliveryList(deliveries=container.webhooks.deliveries(principal, webhook_id, limit))

    @post("/{webhook_id:int}/deliveries/{delivery_id:str}/redeliver", status_code=202, sync_to_thread=True,
          summary="Attempt a delivery again now (same id and body)")
    def redeliver(self, webhook_id: PathId, delivery_id: DeliveryId, principal: Caller,
                  container: Services) -> DeliveryResponse:
        return DeliveryResponse(delivery=container.webhooks.redeliver(principal, webhook_id, delivery_id))

    @post("/{webhook_id:int}/ping", status_code=202, sync_to_thread=True,
          summary="Send a signed `ping` delivery to the subscription's URL")
    def ping(self, webhook_id: PathId, principal: Caller, container: Services) -> DeliveryResponse:
        return DeliveryResponse(delivery=container.webhooks.ping(principal, webhook_id))
