"""Reading the notification log in order: the port the projections pull events through.

eventsourcing's `select_notifications` builds a dict and a frozen `Notification` for every
row; a rebuild reads a million of them. A store may offer a leaner reader with the same
answer (see `infrastructure.event_log`); the recorder's own is the portable default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper, find_id_convertor
from eventsourcing.utils import resolve_topic


class LoggedEvent(NamedTuple):
    """A stored event with its position in the log: what `Mapper.to_domain_event` reads."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class EventLog(Protocol):
    def select(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Any]:
        """Up to `limit` events with `after < id <= stop` and a topic in `topics` (all when
        empty), in id order; each has `id`, `originator_id`, `originator_version`, `topic`
        and `state`."""
        ...


class RecorderLog:
    """Any eventsourcing application recorder's `select_notifications`."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder

    def select(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Any]:
        return self._recorder.select_notifications(  # type: ignore[no-any-return]
            start=after, limit=limit, stop=stop, topics=list(topics), inclusive_of_start=False
        )


class EventDecoder:
    """`mapper.to_domain_event` with what it looks up per event (the class of the topic, its
    version, the id convertor) looked up once per topic: equal event objects, and the
    mapper's own path whenever it decrypts, decompresses or is not eventsourcing's own."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self._mapper = mapper
        self._plain = (mapper.cipher is None and mapper.compressor is None
                       and type(mapper).to_domain_event is Mapper.to_domain_event)
        self._decode_state = mapper.transcoder.decode
        self._classes: dict[tuple[str, type], tuple[type, int, Callable[[Any], Any]]] = {}

    def __call__(self, stored: Any) -> Any:
        if not self._plain:
            return self._mapper.to_domain_event(stored)
        key = (stored.topic, type(stored.originator_id))
        found = self._classes.get(key)
        if found is None:
            cls = resolve_topic(stored.topic)
            found = self._classes[key] = (cls, getattr(cls, "class_version", 1), find_id_convertor(cls, key[1]))
        cls, class_version, convert_id = found
        try:
            state = self._decode_state(stored.state)
        except Exception:  # noqa: BLE001 - the mapper words the error; let it
            return self._mapper.to_domain_event(stored)
        state["originator_id"] = convert_id(stored.originator_id)
        state["originator_version"] = stored.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event
