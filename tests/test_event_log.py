"""Reading the log for the projections: PostgreSQL's lean reader returns exactly the recorder's
rows, and the runner's decoder makes exactly the mapper's events."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic

from application.event_log import EventDecoder, RecorderLog
from application.events import SchedulaX
from bench.rebuild_rate import History, month_roster, organisation
from infrastructure.event_log import PostgresEventLog, event_log
from interfaces.container import event_store_env
from tests.conftest import settings_for


def write_history(events: SchedulaX, target: int = 3000) -> None:
    """A department's months as the services save them: every kind of event, in realistic order."""
    history = History(events, target, seed=3)
    teams = organisation(history, 1)
    month = 0
    while not history.done:
        for team in teams:
            month_roster(history, team, 2026 + month // 12, month % 12 + 1)
        month += 1


@pytest.fixture(params=["sqlite", "postgres"])
def events(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    app = SchedulaX(env=event_store_env(settings_for(request.param, tmp_path, request)))
    write_history(app)
    yield app
    app.close()


def as_rows(notifications: Any) -> list[tuple[Any, ...]]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state)) for n in notifications]


def test_each_store_is_read_by_its_fastest_reader_and_it_reads_what_the_recorder_reads(events: Any) -> None:
    log, recorder = event_log(events.recorder), RecorderLog(events.recorder)
    assert isinstance(log, PostgresEventLog) == isinstance(events.recorder, PostgresApplicationRecorder)
    head = events.recorder.max_notification_id()
    topics = sorted({n.topic for n in recorder.select(0, 50, head, [])})[:3]
    assert head > 1000 and len(topics) == 3
    for after, limit, stop, chosen in [
        (0, 10_000, head, []), (0, 7, head, []), (500, 100, 550, []), (0, 10_000, head, topics),
        (123, 40, head, topics), (head, 10, head, []), (0, 10, 0, topics),
    ]:
        expected = as_rows(recorder.select(after, limit, stop, chosen))
        rows = log.select(after, limit, stop, chosen)
        assert as_rows(rows) == expected
        assert all(type(row.state) is bytes for row in rows)  # what the transcoder parses
        if chosen:
            assert {row[3] for row in expected} <= set(chosen)
    assert len(log.select(0, 10_000, head, [])) == head


def test_the_decoder_makes_the_mapper_s_events_from_every_stored_event() -> None:
    app = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    write_history(app, 2000)
    stored = app.recorder.select_notifications(start=1, limit=10_000)
    decode = EventDecoder(app.mapper)
    for notification in stored:
        ours, theirs = decode(notification), app.mapper.to_domain_event(notification)
        assert type(ours) is type(theirs)
        assert ours.__dict__ == theirs.__dict__
    assert len({n.topic for n in stored}) > 15


class Noted(DomainEvent):
    """An event whose stored form has moved on: version 1 had no `size`."""

    class_version = 2
    text: str
    size: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["size"] = len(state["text"])


def noted_v1(mapper: Mapper[Any], state: dict[str, Any]) -> StoredEvent:
    return StoredEvent(originator_id=uuid4(), originator_version=1, topic=get_topic(Noted),
                       state=mapper.transcoder.encode(state))


def test_an_old_event_is_upcast_as_the_mapper_upcasts_it() -> None:
    mapper = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    old = noted_v1(mapper, {"timestamp": datetime(2026, 1, 2, tzinfo=UTC), "text": "hello"})
    ours = EventDecoder(mapper)(old)
    assert isinstance(ours, Noted) and ours.size == 5
    assert ours.__dict__ == mapper.to_domain_event(old).__dict__


def test_a_state_that_cannot_be_read_fails_with_the_mapper_s_error() -> None:
    mapper = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    broken = StoredEvent(originator_id=uuid4(), originator_version=1, topic=get_topic(Noted), state=b"{not json")
    with pytest.raises(MapperDeserialisationError, match="Failed to deserialise"):
        EventDecoder(mapper)(broken)


class CountingMapper(Mapper[Any]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.decoded = 0

    def to_domain_event(self, stored_event: Any) -> Any:
        self.decoded += 1
        return super().to_domain_event(stored_event)


@pytest.mark.parametrize("compressed", [True, False])
def test_a_compressed_store_or_a_mapper_of_our_own_is_left_to_decode_itself(compressed: bool) -> None:
    plain = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    mapper = CountingMapper(transcoder=plain.transcoder, compressor=ZlibCompressor() if compressed else None)
    event = Noted(originator_id=uuid4(), originator_version=1, timestamp=datetime(2026, 1, 2, tzinfo=UTC),
                  text="hi", size=2)
    stored = mapper.to_stored_event(event)
    if compressed:
        assert zlib.decompress(stored.state).startswith(b"{")
    assert EventDecoder(mapper)(stored).__dict__ == event.__dict__
    assert mapper.decoded == 1
