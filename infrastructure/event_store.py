"""The PostgreSQL event-store recorder, with retries bounded to one connection timeout.

eventsourcing's recorder retries a failed statement ten times, 0.2 s apart, and each
attempt waits the pool's timeout for a connection: with PostgreSQL down a request learnt
it only after 12 s (30 s with the default timeout). Here a read is retried only after a
fast failure (a pooled connection that died since its last use), within one timeout, and
a write is never retried: a failed insert may have committed before its connection was
lost, and a blind retry would answer 409 for a command that was applied. The client
retries it instead (503, `Retry-After`), with its idempotency key.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from psycopg_pool import PoolTimeout

from infrastructure.channels import channel

RETRY_WAIT = 0.05


def _unwrapped(method: Any) -> Callable[..., Any]:
    """The method without eventsourcing's `@retry` (functools.wraps keeps it as __wrapped__)."""
    return getattr(method, "__wrapped__", method)


def _within_timeout(method: Any) -> Callable[..., Any]:
    inner = _unwrapped(method)

    @functools.wraps(inner)
    def call(self: BoundedPostgresRecorder, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.datastore.pool.timeout
        while True:
            try:
                return inner(self, *args, **kwargs)
            except (InterfaceError, OperationalError) as error:
                if isinstance(error.__cause__, PoolTimeout) or time.monotonic() + RETRY_WAIT >= deadline:
                    raise  # the pool already waited its timeout: PostgreSQL is away
                time.sleep(RETRY_WAIT)

    return call


class BoundedPostgresRecorder(PostgresApplicationRecorder):
    """Chosen with eventsourcing's APPLICATION_RECORDER_TOPIC (see `interfaces.container`)."""

    insert_events = _unwrapped(PostgresApplicationRecorder.insert_events)  # type: ignore[assignment]
    select_events = _within_timeout(PostgresApplicationRecorder.select_events)  # type: ignore[assignment]
    select_notifications = _within_timeout(PostgresApplicationRecorder.select_notifications)  # type: ignore[assignment]
    max_notification_id = _within_timeout(PostgresApplicationRecorder.max_notification_id)  # type: ignore[assignment]

    @property  # type: ignore[override]
    def channel_name(self) -> str:
        """eventsourcing names it after the table alone; the schema keeps deployments apart
        (`infrastructure.channels`). A property, so its NOTIFY, the insert function's and the
        workers' LISTEN all use it."""
        return channel(self.datastore.schema, self.events_table_name.replace(".", "_"))

    @channel_name.setter
    def channel_name(self, _: str) -> None:
        pass  # eventsourcing's __init__ assigns its own name: ignored


TOPIC = f"{__name__}:{BoundedPostgresRecorder.__name__}"


class BoundedSnapshotRecorder(PostgresAggregateRecorder):
    """The same bounds for the snapshot table (application.snapshots): a load reads its
    snapshot first, and a snapshot is written after the command's commit, where a retried
    insert would only hold the answer back. Chosen with SNAPSHOT_RECORDER_TOPIC."""

    insert_events = _unwrapped(PostgresAggregateRecorder.insert_events)  # type: ignore[assignment]
    select_events = _within_timeout(PostgresAggregateRecorder.select_events)  # type: ignore[assignment]


SNAPSHOT_TOPIC = f"{__name__}:{BoundedSnapshotRecorder.__name__}"
