"""Webhooks, put together: the management use cases, the delivery job and its sweeper, and the
outbox the audit projection's runner carries (see projections/webhook_outbox.py)."""

from __future__ import annotations

import logging
import threading

from application.events import SchedulaX
from application.ports import IdAllocator, ProjectionSync
from application.webhook_delivery import RetryPolicy, WebhookDelivery
from application.webhooks import WebhookService
from infrastructure.jobs import WEBHOOK_DELIVERY, DramatiqJobs
from infrastructure.settings import Settings
from infrastructure.webhook_http import HttpSender, WebhookUrls
from infrastructure.webhook_keys import HmacWebhookKeys
from projections.sql import ReadStore
from projections.webhook_deliveries import SqlDeliveries
from projections.webhook_outbox import WebhookOutbox
from projections.webhook_payloads import SqlWebhookPayloads
from projections.webhook_queries import SqlWebhooks

log = logging.getLogger("schedulax.webhooks")


def outbox(settings: Settings, jobs: DramatiqJobs | None) -> WebhookOutbox:
    """The audit projection's announcer. A projection worker has no job worker of its own: it
    sends to Redis when there is one, and otherwise leaves the deliveries to the sweeper."""
    if jobs is None and settings.redis_url:
        jobs = DramatiqJobs.for_url(settings.redis_url)
        jobs.register(WEBHOOK_DELIVERY, _worked_elsewhere)
    return WebhookOutbox(jobs.enqueue_delivery if jobs is not None else (lambda delivery_id: None))


def _worked_elsewhere(delivery_id: str) -> None:
    raise RuntimeError("webhook deliveries are worked by `schedulax worker`")


class Sweeper:
    """Every `every` seconds, enqueue the deliveries whose job was lost."""

    def __init__(self, delivery: WebhookDelivery, every: float) -> None:
        self._delivery = delivery
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-sweeper", daemon=True)

    def start(self) -> Sweeper:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._delivery.sweep()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.warning("webhook sweep failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()


def webhook_services(settings: Settings, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync,
                     store: ReadStore, jobs: DramatiqJobs) -> tuple[WebhookService, WebhookDelivery]:
    urls = WebhookUrls(settings.webhook_allowed_hosts)
    keys = HmacWebhookKeys(settings.resolved_jwt_secret())
    queries, deliveries = SqlWebhooks(store), SqlDeliveries(store)
    policy = RetryPolicy(settings.webhook_retry_schedule, settings.webhook_retry_jitter,
                         settings.webhook_disable_after)
    sender = HttpSender(urls, settings.webhook_connect_timeout, settings.webhook_read_timeout)
    delivery = WebhookDelivery(events, ids, sync, deliveries, queries, SqlWebhookPayloads(store), keys, sender,
                               jobs, policy)
    jobs.register(WEBHOOK_DELIVERY, delivery.attempt)
    service = WebhookService(events, ids, sync, queries, deliveries, keys, urls, jobs)
    return service, delivery
