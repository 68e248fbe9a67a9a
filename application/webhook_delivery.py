"""Delivering one webhook message: render it once, sign it, post it, and decide what next.

A delivery row exists only for an event the read models committed (see
projections/webhook_outbox.py), so a message never tells of a change that did not happen.
Each attempt is one job; a failed attempt schedules the next after the retry schedule's
delay (with jitter), and the last one marks the delivery failed. A subscription whose
deliveries fail `disable_after` times in a row (each after all its attempts) is disabled,
and its enterprise's admins are told through their notifications.

The body is rendered at the first attempt and kept: every attempt, and a redelivery, send
the same bytes under the same `webhook-id`, so receivers can drop repeats.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from domain.timeslots import iso
from domain.webhook import Webhook

from application.base import CommandHandler
from application.events import SchedulaX
from application.ports import IdAllocator, ProjectionSync, ReadModelsBehind
from application.webhook_ports import Deliveries, DeliveryQueue, Payloads, Sender, Signer, WebhookQueries
from application.webhook_views import DeliveryRecord, WebhookKeys

log = logging.getLogger("schedulax.webhooks")
PING = "ping"
SWEEP_GRACE_SECONDS = 60.0
"""A delivery this far past its due time has lost its job (a crash between commit and enqueue)."""
SWEEP_LEASE_SECONDS = 300.0
READ_MODELS_WAIT_SECONDS = 60.0
"""How long a first attempt waits for the read models its `data` is read from to reach its event
(projection workers apply them apart); after that it is rendered from what they show."""


@dataclass(frozen=True)
class RetryPolicy:
    schedule: tuple[float, ...]
    """Seconds to wait after the 1st, 2nd, ... failed attempt; its length is the number of retries."""
    jitter: float = 0.2
    """Each wait is drawn from ±jitter of it, so that receivers coming back are not hit by every sender at once."""
    disable_after: int = 5
    """Deliveries failed in a row (each after all its attempts) that disable a subscription."""

    def delay(self, failed_attempts: int) -> float | None:
        """Seconds until the next attempt after `failed_attempts` failures; None: no attempt left."""
        if failed_attempts > len(self.schedule):
            return None
        base = self.schedule[failed_attempts - 1]
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))


class WebhookDelivery(CommandHandler):
    def __init__(self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, deliveries: Deliveries,
                 queries: WebhookQueries, payloads: Payloads, signer: Signer, sender: Sender,
                 queue: DeliveryQueue, policy: RetryPolicy) -> None:
        super().__init__(events, ids, sync)
        self._deliveries = deliveries
        self._queries = queries
        self._payloads = payloads
        self._signer = signer
        self._sender = sender
        self._queue = queue
        self.policy = policy

    def attempt(self, delivery_id: str) -> None:
        """The job: one attempt of the delivery, if it is still due."""
        record = self._deliveries.record(delivery_id)
        if record is None or record.status in ("succeeded", "failed"):
            return  # a repeated job, or one that outlived its delivery
        now = time.time()
        keys = self._queries.keys(record.webhook_id)
        if keys is None or keys.is_deleted or not keys.active:
            self._deliveries.attempted(delivery_id, "failed", None, "The subscription is inactive or deleted",
                                       None, now)
            return
        if record.body is None and self._behind(record, now):
            self._queue.enqueue_delivery(delivery_id, 1.0)  # not an attempt: nothing was sent
            return
        body = record.body or self._render(record)
        at = datetime.now(timezone.utc)
        headers = {
            "content-type": "application/json",
            "user-agent": "SchedulaX-Webhooks/1",
            "webhook-id": record.id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": self._signer.signature(keys, record.id, at, body),
        }
        result = self._sender.send(keys.url, headers, body.encode())
        if result.error is None:
            self._deliveries.attempted(delivery_id, "succeeded", result.status, None, None, time.time())
            self._deliveries.failures(record.webhook_id, succeeded=True)
            return
        self._failed(record, keys, result.status, result.error)

    def sweep(self, limit: int = 500) -> int:
        """Enqueue the deliveries whose job was lost (at least once, even across a crash)."""
        now = time.time()
        found = 0
        for delivery_id in self._deliveries.due(now - SWEEP_GRACE_SECONDS, limit):
            if self._deliveries.postpone(delivery_id, now + SWEEP_LEASE_SECONDS, now):
                self._queue.enqueue_delivery(delivery_id)
                found += 1
        return found

    def _behind(self, record: DeliveryRecord, now: float) -> bool:
        return (record.position is not None and now - record.created_at < READ_MODELS_WAIT_SECONDS
                and not self._payloads.ready(record.position))

    def _render(self, record: DeliveryRecord) -> str:
        data = {"webhook_id": record.webhook_id} if record.type == PING else self._payloads.data(record)
        body = json.dumps({"type": record.type, "timestamp": record.occurred_at, "data": data},
                          separators=(",", ":"), sort_keys=True)
        self._deliveries.keep_body(record.id, body)
        return body

    def _failed(self, record: DeliveryRecord, keys: WebhookKeys, status: int | None, error: str) -> None:
        attempts = record.attempts + 1
        delay = self.policy.delay(attempts)
        now = time.time()
        if delay is not None:
            self._deliveries.attempted(record.id, "retrying", status, error, now + delay, now)
            self._queue.enqueue_delivery(record.id, delay)
            return
        self._deliveries.attempted(record.id, "failed", status, error, None, now)
        if record.type == PING:
            return
        failures = self._deliveries.failures(record.webhook_id, succeeded=False)
        if failures >= self.policy.disable_after:
            self._disable(keys, failures)

    def _disable(self, keys: WebhookKeys, failures: int) -> None:
        webhook = self._events.find(Webhook.id_for(keys.webhook_id), Webhook)
        if webhook is None or not webhook.disable(
                failures=failures, notify=self._queries.enterprise_admins(keys.enterprise_id), by=None):
            return
        log.warning("webhook %d disabled after %d failed deliveries in a row", keys.webhook_id, failures)
        try:
            self._commit(webhook)
        except ReadModelsBehind:
            pass  # saved; the read models catch up
        self._deliveries.give_up(keys.webhook_id, time.time())


def instant(seconds: float | None) -> str | None:
    """An epoch time of the delivery table as the API shows instants."""
    return None if seconds is None else iso(datetime.fromtimestamp(seconds, timezone.utc))
