"""Snapshots of the aggregates that live as long as the enterprise, in a form JSON keeps.

An employee's schedule, a department's calendar and a user's inbox collect events for as
long as the enterprise lives; replaying all of them at every command would make commands
slower every year. eventsourcing's snapshotting stores the state every few versions in a
table of its own (`<name>_snapshots`, beside the events table, never in the notification
log: projections, the hash chain, exports and `audit verify` never see one), and a load
reads the newest snapshot plus the events after it.

eventsourcing's own `Snapshot` keeps `vars(aggregate)` as it is, and JSON would not give it
back: a dict's integer keys come back as strings and tuples as lists (the schedule's
`bookings` is `{assignment id: Booking}`, the calendar's `ranges` `{roster id: (date, date)}`).
`StateSnapshot` writes the state in tagged forms that keep every type and decodes them when
the aggregate is rebuilt; dates, times, datetimes and UUIDs stay the transcoder's business.

Snapshots are derived data: deleting them loses nothing. They are outside the log's hash
chain, so a snapshot altered in the database changes what commands decide without a trace
there: after a suspected tampering, delete them (`<schema>.schedulax_snapshots` on PostgreSQL,
`stored_snapshots` in the SQLite file) and loads replay the verified log again. When what an aggregate's events do
to its state changes, give the aggregate a `class_version` and an `upcast_vN_vN+1(state)`
(eventsourcing's rule for snapshots), or delete its snapshots.
"""

from __future__ import annotations

import dataclasses
import sys
from array import array
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic, resolve_topic

from domain.inbox import Inbox
from domain.roster import DepartmentCalendar
from domain.bookings import Booking, Bookings
from domain.schedule import EmployeeSchedule
from domain.timeslots import Interval

SNAPSHOT_INTERVALS: dict[type, int] = {EmployeeSchedule: 50, DepartmentCalendar: 50, Inbox: 50}
"""A snapshot every this many versions. A load costs decoding the snapshot's state (S) plus
replaying on average N/2 events (e each); one save in N also takes a snapshot, which loads
the aggregate again and writes it (about 2S). The mean cost per command, S + N e / 2 + 2S / N,
is least near N = 2 sqrt(S / e). With a schedule's bookings kept as columns of integers
(domain/bookings.py), S is about 0.1 ms for 1,300 bookings, e a few us, and the snapshot's
insert (not counted above) is most of the cost of taking one; measured with
`python -m bench.history_growth [--postgres] --interval N`, 20 and 50 gave the same assign
latency within noise, and 50 writes fewer rows.

The other aggregates need none: users, enterprises, departments, calendar feeds and the
registries (email claims, the admin seat, idempotency keys) change a few times in their life;
a shift, a roster (at most 366 days), a claim, a swap or an assignment ends."""

STATE_TYPES: dict[type, dict[str, Any]] = {
    # `bookings` only in snapshots of EmployeeSchedule's class version 1 (its upcast reads them)
    EmployeeSchedule: {"bookings": dict[int, Booking], "time_off": dict[int, tuple[Interval, str, str | None]],
                       "unavailable": dict[int, tuple[Interval, str | None]]},
    DepartmentCalendar: {"ranges": dict[int, tuple[date, date]]},
}
"""The large attributes, by type: written as one JSON text that msgspec decodes into that type
in C (1,300 bookings in about 4 ms, against about 40 ms through the tagged forms below, which
the transcoder and `decode` each walk in Python). A type that no longer fits a stored snapshot
fails its load loudly."""

_decoders: dict[tuple[type, str], msgspec.json.Decoder[Any]] = {}


def _decoder(kind: type, name: str) -> msgspec.json.Decoder[Any]:
    found = _decoders.get((kind, name))
    if found is None:
        found = _decoders[(kind, name)] = msgspec.json.Decoder(STATE_TYPES[kind][name])
    return found


_COLUMNS = msgspec.json.Decoder(tuple[list[bytes], int])
"""A schedule's `Bookings` as its five columns of 64-bit integers (base64 of their little-endian
bytes) and its longest booking: 1,300 bookings come back as five byte copies, with no Python
object per booking, and no `Booking` is built until a rule reads it."""


def _columns_of(booked: Bookings) -> str:
    columns = []
    for column in booked.columns():
        if sys.byteorder == "big":
            column = array("q", column)
            column.byteswap()
        columns.append(column.tobytes())
    return msgspec.json.encode((columns, booked.longest)).decode()


def _bookings_of(text: str) -> Bookings:
    raw, longest = _COLUMNS.decode(text)
    columns = []
    for data in raw:
        column = array("q")
        column.frombytes(data)
        if sys.byteorder == "big":
            column.byteswap()
        columns.append(column)
    return Bookings(tuple(columns), longest)


def encode_state(kind: type, state: dict[str, Any]) -> dict[str, Any]:
    typed = STATE_TYPES.get(kind, {})
    return {name: _encode_one(value, name in typed) for name, value in state.items()}


def _encode_one(value: Any, typed: bool) -> Any:
    if isinstance(value, Bookings):
        return {"$columns": _columns_of(value)}
    return {"$typed": msgspec.json.encode(value).decode()} if typed else encode(value)


def decode_state(kind: type, state: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode_one(kind, name, value) for name, value in state.items()}


def _decode_one(kind: type, name: str, value: Any) -> Any:
    if type(value) is dict and "$columns" in value:
        return _bookings_of(value["$columns"])
    if type(value) is dict and "$typed" in value:
        return _decoder(kind, name).decode(value["$typed"])
    return decode(value)


# The transcoder's own types (its registered transcodings and JSON's scalars).
_KEPT = (type(None), bool, int, float, str, datetime, date, time, UUID, Decimal)


def encode(value: Any) -> Any:
    """`value` in forms the JSON transcoder gives back as they were."""
    if isinstance(value, _KEPT):
        return value
    if isinstance(value, Enum):
        return {"$enum": [get_topic(type(value)), value.value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set" if isinstance(value, set) else "$frozenset": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"$data": [get_topic(type(value)), fields]}
    raise TypeError(f"A snapshot cannot keep a {type(value).__qualname__}: teach application.snapshots to")


def decode(value: Any) -> Any:
    if type(value) is list:
        return [decode(v) for v in value]
    if type(value) is not dict or len(value) != 1:
        return value
    (tag, body), = value.items()
    if tag == "$map":
        return {decode(k): decode(v) for k, v in body}
    if tag == "$tuple":
        return tuple(decode(v) for v in body)
    if tag == "$data":
        topic, fields = body
        return resolve_topic(topic)(**{name: decode(v) for name, v in fields.items()})
    if tag == "$frozenset":
        return frozenset(decode(v) for v in body)
    if tag == "$set":
        return {decode(v) for v in body}
    if tag == "$enum":
        return resolve_topic(body[0])(body[1])
    return value


class StateSnapshot(Snapshot):
    """eventsourcing's `Snapshot`, with the state encoded as above (see the module's note)."""

    @classmethod
    def take(cls, aggregate: Any) -> StateSnapshot:
        taken = Snapshot.take.__func__(Snapshot, aggregate)  # type: ignore[attr-defined]
        return cls(originator_id=taken.originator_id, originator_version=taken.originator_version,
                   timestamp=taken.timestamp, topic=taken.topic,
                   state=encode_state(type(aggregate), taken.state))

    def mutate(self, _: None) -> Any:
        state = decode_state(resolve_topic(self.topic), self.state)
        return Snapshot.mutate(dataclasses.replace(self, state=state), None)
