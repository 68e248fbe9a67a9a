"""Which events make up a roster as it was at an instant: the rule every selection applies.

A roster's read-model rows are written by the events of its own aggregates (the roster, its
shifts, their assignments, its swap requests) and named by the directory rows of the people,
department and enterprise those events name. As of an instant, a selection holds:

1. the roster's events in log order, up to the first one recorded after the instant;
2. the directory events (users, the department, the enterprise) of what those name, in log
   order, up to the first one recorded after the instant.

Times count to the millisecond, as the API shows them (`updated_at`): an instant covers every
event recorded within its millisecond, so `as_of=<an updated_at>` shows that change. Events
are stamped when a command makes them, moments before it commits: an instant inside a
command's own few milliseconds may show part of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, TypeVar
from uuid import UUID

from domain.identity import User
from domain.organisation import Department, Enterprise
from domain.roster import Roster

T = TypeVar("T")

PEOPLE_FIELDS = ("by", "employee_id", "requester_id", "target_employee_id")
"""Attributes of the roster's events that name a user: every actor, the roster's creator, each
assignee and both parties to a swap. Their names are read as they were."""


class SelectedEvent(NamedTuple):
    """An event chosen for a replay: its position in the log, its topic, and the event."""

    id: int
    topic: str
    event: Any


def millisecond(moment: datetime) -> datetime:
    """`moment` in UTC, to the millisecond, as the read models store times."""
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def until_first_after(items: Iterable[T], instant: datetime, at: Callable[[T], datetime]) -> list[T]:
    """`items` (in log order) before the first one recorded after `instant`."""
    # millisecond(t) <= instant exactly when t is before the end of the instant's millisecond.
    end = millisecond(instant) + timedelta(milliseconds=1)
    kept = []
    for item in items:
        if at(item) >= end:
            break
        kept.append(item)
    return kept


def roster_uuid(roster_id: int) -> UUID:
    return Roster.create_id(roster_id)


def directory_named(roster_events: Sequence[SelectedEvent]) -> set[UUID]:
    """The aggregates of the users, department and enterprise that the roster's events name."""
    found: set[UUID] = set()
    people: set[int] = set()
    for selected in roster_events:
        values = vars(selected.event)
        if isinstance(selected.event, Roster.Planned):
            found.add(Department.create_id(values["department_id"]))
            found.add(Enterprise.create_id(values["enterprise_id"]))
        for name in PEOPLE_FIELDS:
            user_id = values.get(name)
            if type(user_id) is int:
                people.add(user_id)
    return found | {User.create_id(user_id) for user_id in people}


def merged(*runs: Sequence[SelectedEvent]) -> list[SelectedEvent]:
    """Several runs of selected events as one, in log order."""
    return sorted((e for run in runs for e in run), key=lambda e: e.id)


def event_time(selected: SelectedEvent) -> datetime:
    return selected.event.timestamp  # type: ignore[no-any-return]
