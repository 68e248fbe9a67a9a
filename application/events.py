"""The event-sourced application: one event store for every aggregate of SchedulaX."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, time
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import EventStore, IntegrityError, JSONTranscoder, Transcoder, Transcoding
from eventsourcing.utils import resolve_topic

from domain.idempotency import IdempotencyKey, IdempotencyKeyTaken

from application import command_scope
from application.snapshots import SNAPSHOT_INTERVALS, StateSnapshot
from application.transcoder import MsgspecJSONTranscoder

A = TypeVar("A")
log = logging.getLogger(__name__)
SNAPSHOT_RECORDER_TOPIC = "SNAPSHOT_RECORDER_TOPIC"


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class TimeAsISO(Transcoding):
    type = time
    name = "time_iso"

    def encode(self, obj: time) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> time:
        return time.fromisoformat(data)


class ConcurrentWrite(Exception):
    """Another command saved one of the same aggregates first."""


def stamp_request(request_id: str, *aggregates: Any) -> None:
    """Record on each pending event the request that saves it.

    The mapper stores every attribute of an event, and decoding restores it; replays ignore
    it, since eventsourcing passes an `@event` method (and `__init__`) only the attributes it
    names. Events saved outside a request (jobs, the command line) have no such attribute:
    read it as `getattr(event, "request_id", None)`.
    """
    for aggregate in aggregates:
        for pending in getattr(aggregate, "pending_events", ()):
            object.__setattr__(pending, "request_id", request_id)  # events are frozen


class SchedulaX(Application[UUID]):
    """Event store and repository; the services decide, this only loads and saves."""

    name = "SchedulaX"
    # The long-lived aggregates load from their newest snapshot (see application.snapshots).
    snapshotting_intervals = SNAPSHOT_INTERVALS

    def construct_transcoder(self) -> Transcoder:
        transcoder = MsgspecJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(TimeAsISO())

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """After the commit: a snapshot that cannot be written costs a slower load later, never
        the command (its events are saved already)."""
        try:
            super()._take_snapshots(processing_event)
        except Exception:  # noqa: BLE001 - derived data; the next interval takes one again
            log.warning("snapshot not taken", exc_info=True)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """eventsourcing's, with the recorder class named by SNAPSHOT_RECORDER_TOPIC when given
        (eventsourcing has APPLICATION_RECORDER_TOPIC for the events, nothing for snapshots)."""
        topic = self.env.get(SNAPSHOT_RECORDER_TOPIC)
        if not topic:
            return super().construct_snapshot_store()
        factory: Any = self.factory
        recorder = resolve_topic(topic)(datastore=factory.datastore,
                                        events_table_name=f"{self.name.lower()}_snapshots")
        if factory.env_create_table():
            recorder.create_table()
        return factory.event_store(mapper=self.mapper, recorder=recorder)

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: Any = None) -> None:
        """eventsourcing's, with our `StateSnapshot` rather than the aggregate class's own
        `Snapshot`, whose state JSON would not give back as it was."""
        aggregate = self.repository.get(aggregate_id, version=version, projector_func=projector_func or replay)
        self.snapshots.put([StateSnapshot.take(aggregate)])  # type: ignore[union-attr]

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        try:
            aggregate = self.repository.get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def commit(self, *aggregates: Any) -> int:
        """Save every pending event of `aggregates` atomically; the last notification id.

        In a request with an `Idempotency-Key` (see command_scope), its first save also
        records the key, in the same transaction. Raises ConcurrentWrite when any
        aggregate's version was taken meanwhile, IdempotencyKeyTaken when it was the key.
        In a request, every event saved carries its id as `request_id` (see stamp_request).
        """
        scope = command_scope.current()
        key = scope.key_to_save() if scope is not None else None
        ordered = command_scope.created_first(aggregates) if scope is not None else []
        if scope is not None and scope.request_id is not None:
            stamp_request(scope.request_id, *aggregates, *([key] if key is not None else []))
        try:
            recordings = self.save(*aggregates, *([key] if key is not None else []))
        except IntegrityError as error:
            if key is not None and self.find(key.id, IdempotencyKey) is not None:
                raise IdempotencyKeyTaken() from error
            raise ConcurrentWrite() from error
        position = max((r.notification.id for r in recordings), default=0)
        if scope is not None and recordings:
            scope.record_save(position, ordered, with_key=key is not None)
        return position


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's `project_aggregate` without its `assert isinstance(event,
    CanMutateProtocol)`: a check against a runtime Protocol costs several microseconds an event,
    most of what replaying one costs, and every stored event is one of our aggregates' own."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate
