"""Managing webhook subscriptions: enterprise admins subscribe URLs to the enterprise's changes.

The secret is derived from a nonce the aggregate keeps (see domain/webhook.py) and shown
in the answers to creation and rotation only. Auditors read subscriptions and deliveries of
their enterprise (never a secret) and change nothing; other roles are refused (403); a
subscription of another enterprise is not found (404).
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta, timezone

from domain.errors import NotFound, PermissionDenied
from domain.roles import Role
from domain.webhook import Webhook, clean_description, clean_events

from application import policy
from application.base import CommandHandler
from application.events import SchedulaX
from application.history_types import TYPES
from application.ports import IdAllocator, ProjectionSync, ReadModelsBehind
from application.principal import Principal
from application.webhook_ports import Deliveries, DeliveryQueue, SecretKeys, UrlCheck, WebhookQueries
from domain.timeslots import iso
from application.webhook_views import DeliveryView, EventTypeView, WebhookSecret, WebhookView

EVENT_TYPES = frozenset(TYPES)
PREVIOUS_SECRET_HOURS = 24
"""How long a rotated-out secret keeps signing deliveries beside the new one."""
READERS = (Role.ENTERPRISE_ADMIN, Role.AUDITOR)


class WebhookNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Webhook not found")


class WebhookService(CommandHandler):
    def __init__(self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, queries: WebhookQueries,
                 deliveries: Deliveries, keys: SecretKeys, urls: UrlCheck, queue: DeliveryQueue) -> None:
        super().__init__(events, ids, sync)
        self._queries = queries
        self._deliveries = deliveries
        self._keys = keys
        self._urls = urls
        self._queue = queue

    @staticmethod
    def event_types(principal: Principal) -> list[EventTypeView]:
        _require_reader(principal)
        return [EventTypeView(type=name, subject=kind, description=text) for name, (kind, text) in TYPES.items()]

    def webhooks(self, principal: Principal) -> list[WebhookView]:
        _require_reader(principal)
        return self._queries.webhooks(principal.enterprise_id or 0)

    def webhook(self, principal: Principal, webhook_id: int) -> WebhookView:
        _require_reader(principal)
        found = self._queries.webhook(webhook_id)
        if found is None or found.enterprise_id != principal.enterprise_id:
            raise WebhookNotFound()
        return found

    def create(self, principal: Principal, url: str, events: list[str], description: str | None,
               active: bool) -> WebhookSecret:
        _require_admin(principal)
        subscribed = clean_events(events, EVENT_TYPES)
        self._urls.check(url)
        webhook = Webhook.subscribe(
            webhook_id=self._ids.next_id("webhook"), enterprise_id=principal.enterprise_id or 0, url=url,
            events=subscribed, description=clean_description(description), active=active,
            nonce=self._keys.new_nonce(), by=principal.id)
        self._save(webhook)
        return WebhookSecret(webhook=view_of(webhook), secret=self._keys.secret(webhook.webhook_id, webhook.nonce))

    def update(self, principal: Principal, webhook_id: int, url: str | None, events: list[str] | None,
               description: str | None, active: bool | None, description_given: bool) -> WebhookView:
        webhook = self._mine(principal, webhook_id)
        if url is not None and url != webhook.url:
            self._urls.check(url)
        webhook.revise(url=url if url is not None else webhook.url,
                       events=clean_events(events, EVENT_TYPES) if events is not None else webhook.events,
                       description=clean_description(description) if description_given else webhook.description,
                       active=active if active is not None else webhook.active, by=principal.id)
        self._save(webhook)
        return view_of(webhook)

    def delete(self, principal: Principal, webhook_id: int) -> None:
        webhook = self._mine(principal, webhook_id)
        webhook.delete(by=principal.id)
        self._save(webhook)
        self._deliveries.give_up(webhook_id, time.time())

    def rotate(self, principal: Principal, webhook_id: int, now: datetime | None = None) -> WebhookSecret:
        webhook = self._mine(principal, webhook_id)
        at = now or datetime.now(timezone.utc)
        webhook.rotate(nonce=self._keys.new_nonce(), at=iso(at),
                       previous_until=iso(at + timedelta(hours=PREVIOUS_SECRET_HOURS)), by=principal.id)
        self._save(webhook)
        return WebhookSecret(webhook=view_of(webhook),
                             secret=self._keys.secret(webhook_id, webhook.nonce),
                             previous_secret_valid_until=webhook.previous_until)

    def deliveries(self, principal: Principal, webhook_id: int, limit: int) -> list[DeliveryView]:
        self.webhook(principal, webhook_id)
        return self._deliveries.listed(webhook_id, limit)

    def redeliver(self, principal: Principal, webhook_id: int, delivery_id: str) -> DeliveryView:
        """The delivery is attempted again now, whatever became of it (same id and body)."""
        self._mine(principal, webhook_id)
        found = self._deliveries.view(delivery_id)
        if found is None or found.webhook_id != webhook_id:
            raise NotFound("Delivery not found")
        self._deliveries.redeliver(delivery_id, time.time())
        self._queue.enqueue_delivery(delivery_id)
        return self._deliveries.view(delivery_id) or found

    def ping(self, principal: Principal, webhook_id: int) -> DeliveryView:
        """A `ping` delivery, to check the receiver and its signature check."""
        webhook = self._mine(principal, webhook_id)
        delivery_id = f"msg_ping_{secrets.token_hex(12)}"
        self._deliveries.add_ping(delivery_id, webhook_id, webhook.enterprise_id, time.time())
        self._queue.enqueue_delivery(delivery_id)
        found = self._deliveries.view(delivery_id)
        if found is None:
            raise WebhookNotFound()
        return found

    def _mine(self, principal: Principal, webhook_id: int) -> Webhook:
        _require_admin(principal)
        webhook = self._load(Webhook, "webhook", webhook_id, "Webhook")
        if webhook.enterprise_id != principal.enterprise_id:
            raise WebhookNotFound()
        return webhook

    def _save(self, webhook: Webhook) -> None:
        try:
            self._commit(webhook)
        except ReadModelsBehind:
            pass  # saved: the answer below reads the read model, which may still show the old state


def view_of(webhook: Webhook) -> WebhookView:
    """The subscription as saved: an answer that does not wait for the read model."""
    return WebhookView(id=webhook.webhook_id, enterprise_id=webhook.enterprise_id, url=webhook.url,
                       events=list(webhook.events), description=webhook.description, active=webhook.active,
                       secret_rotated_at=webhook.rotated_at,
                       created_at=iso(webhook.created_on), updated_at=iso(webhook.modified_on))


def _require_reader(principal: Principal) -> None:
    if principal.role not in READERS or principal.enterprise_id is None:
        raise PermissionDenied("Only enterprise admins (and auditors, to read) manage webhooks")


def _require_admin(principal: Principal) -> None:
    policy.require_may_change(principal)
    if principal.role is not Role.ENTERPRISE_ADMIN or principal.enterprise_id is None:
        raise PermissionDenied("Only enterprise admins manage webhooks")
