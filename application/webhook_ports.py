"""What the webhook use cases need from the outside: the read models, the delivery records,
the network, and the server's key from which secrets are derived."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from application.webhook_views import DeliveryRecord, DeliveryView, WebhookKeys, WebhookView


class WebhookQueries(Protocol):
    def webhook(self, webhook_id: int) -> WebhookView | None: ...

    def webhooks(self, enterprise_id: int) -> list[WebhookView]: ...

    def keys(self, webhook_id: int) -> WebhookKeys | None: ...

    def enterprise_admins(self, enterprise_id: int) -> list[int]: ...


class Deliveries(Protocol):
    def listed(self, webhook_id: int, limit: int) -> list[DeliveryView]: ...

    def view(self, delivery_id: str) -> DeliveryView | None: ...

    def record(self, delivery_id: str) -> DeliveryRecord | None: ...

    def add_ping(self, delivery_id: str, webhook_id: int, enterprise_id: int, now: float) -> None: ...

    def keep_body(self, delivery_id: str, body: str) -> None: ...

    def attempted(self, delivery_id: str, status: str, response_code: int | None, error: str | None,
                  next_attempt_at: float | None, now: float) -> None: ...

    def redeliver(self, delivery_id: str, now: float) -> None: ...

    def failures(self, webhook_id: int, succeeded: bool) -> int:
        """Count a delivery's outcome: consecutive failures of the subscription after it."""
        ...

    def give_up(self, webhook_id: int, now: float) -> None:
        """The subscription is off: its deliveries still due fail."""
        ...

    def due(self, before: float, limit: int) -> list[str]: ...

    def postpone(self, delivery_id: str, until: float, now: float) -> bool: ...


class Payloads(Protocol):
    def ready(self, position: int) -> bool:
        """Whether the read models `data` reads have applied the event at `position`."""
        ...

    def data(self, record: DeliveryRecord) -> dict[str, Any]:
        """The subject of the delivery as the REST API shows it."""
        ...


class SecretKeys(Protocol):
    def new_nonce(self) -> str: ...

    def secret(self, webhook_id: int, nonce: str) -> str: ...


class UrlCheck(Protocol):
    def check(self, url: str) -> None:
        """Raise RuleViolation (field `url`) for a URL deliveries may not go to."""
        ...


class SendResult(Protocol):
    status: int | None
    error: str | None


class Sender(Protocol):
    def send(self, url: str, headers: dict[str, str], body: bytes) -> Any:
        """POST `body`; an object with `status` (None if no answer) and `error` (None on a 2xx)."""
        ...


class DeliveryQueue(Protocol):
    def enqueue_delivery(self, delivery_id: str, delay_seconds: float = 0.0) -> None: ...


class Signer(Protocol):
    def signature(self, keys: WebhookKeys, msg_id: str, at: datetime, body: str) -> str:
        """The `webhook-signature` header: a `v1,` signature by each secret still valid at `at`."""
        ...
