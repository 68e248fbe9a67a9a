"""A roster as it was at any instant, and what changed between two instants.

As-of replays the roster's events up to the instant (chosen by the rule in `roster_events`)
through the product's own projections into private read models, then reads them with the
code of the live GET (`roster_reads`, the same `RosterQueries`): so `as_of=now` answers what
the live GET answers, and one change to a projection changes both.

Rights: the caller as they are now must be allowed to read the roster as it was then, by the
live GET's own rule. Tenancy never changes (a roster keeps its enterprise and department), so
another tenant's roster is 404 at every instant; an employee sees a roster as of the instants
it was not a draft; a roster deleted since stays readable as it was before its deletion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Protocol

from domain.calendar_window import EARLIEST, LATEST
from domain.errors import NotFound, RuleViolation
from domain.roster import Roster
from domain.timeslots import iso

from application.ports import RosterQueries
from application.principal import Principal
from application.roster_diff import RosterDiff, StatusMove, diff_rosters
from application.roster_events import SelectedEvent, millisecond
from application.roster_reads import check_visible, roster_detail, roster_shifts
from application.rostering_views import RosterDetail, ShiftView

Clock = Callable[[], datetime]

WINDOW = "from 1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z"


class RosterEvents(Protocol):
    """Chooses the events that make up a roster as it was (see `application.roster_events`)."""

    def select(self, roster_id: int, instant: datetime) -> Sequence[SelectedEvent]:
        """The roster's events and its directory events as of `instant` (UTC, to the
        millisecond), decoded, in log order; empty when the roster did not exist yet."""
        ...


class PastUnavailable(Exception):
    """The past cannot be rebuilt now: a projection cannot apply one of the chosen events
    (the live one is parked on it too). Answered 503: it clears once the projection is fixed."""


class PastReadModels(Protocol):
    """Read models rebuilt from chosen events alone."""

    def replayed(self, events: Sequence[SelectedEvent]) -> AbstractContextManager[RosterQueries]:
        """The product's projections applied to `events` (in log order) in a private store,
        read through the live queries; the store is discarded when the context ends."""
        ...


def check_instant(instant: datetime, field: str, now: datetime) -> datetime:
    """An instant a client named: with a time zone, inside the calendar window, not in the
    future. Returned in UTC."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise RuleViolation(f"{field} must carry a time zone, as in 2026-01-31T18:00:00Z", field=field)
    try:
        utc = instant.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 moved across midnight by its offset
        raise RuleViolation(f"{field} must be an instant {WINDOW}", field=field) from None
    if not EARLIEST <= utc.replace(tzinfo=None) < LATEST:
        raise RuleViolation(f"{field} must be an instant {WINDOW}", field=field)
    if utc > now:
        raise RuleViolation(f"{field} is in the future", field=field)
    return utc


class RosterAsOf:
    def __init__(self, events: RosterEvents, past: PastReadModels, clock: Clock) -> None:
        self._events = events
        self._past = past
        self._clock = clock

    def roster(self, principal: Principal, roster_id: int, instant: datetime) -> RosterDetail:
        """What `GET /api/rosters/:id` answered at `instant`."""
        at = self._instant(instant, "as_of")
        with self._past.replayed(self._events.select(roster_id, at)) as queries:
            return roster_detail(queries, principal, roster_id)

    def shifts(
        self, principal: Principal, roster_id: int, instant: datetime, day: str | None,
        start_date: str | None, end_date: str | None,
    ) -> list[ShiftView]:
        """What `GET /api/shifts/roster/:id` answered at `instant`."""
        at = self._instant(instant, "as_of")
        with self._past.replayed(self._events.select(roster_id, at)) as queries:
            return roster_shifts(queries, principal, roster_id, day, start_date, end_date)

    def diff(self, principal: Principal, roster_id: int, since: datetime | None,
             until: datetime | None) -> RosterDiff:
        """What changed between the roster at `since` (default: the start of the calendar window,
        before it existed) and at `until` (default: now): each side is what the as-of GET answers
        (absent where the roster did not exist or was deleted), and the caller must be allowed
        to read each side that exists."""
        now = self._clock()
        first = check_instant(since, "from", now) if since is not None else EARLIEST.replace(tzinfo=timezone.utc)
        last = check_instant(until, "to", now) if until is not None else now
        if first > last:
            raise RuleViolation("from must not be after to", field="from")
        first, last = millisecond(first), millisecond(last)
        earlier = self._events.select(roster_id, first)
        later = self._events.select(roster_id, last)
        before = self._state(principal, roster_id, earlier)
        after = self._state(principal, roster_id, later)
        if before is None and after is None:
            raise NotFound("Roster not found")
        seen = {e.id for e in earlier}
        moves, status = [], before.status if before is not None else "draft"
        for selected in later:
            event = selected.event
            if selected.id not in seen and isinstance(event, Roster.StatusChanged):
                moves.append(StatusMove(from_=status, to=event.status, at=iso(event.timestamp), by=event.by))
                status = event.status
        return diff_rosters(roster_id, iso(first), iso(last), before, after, moves)

    def _state(self, principal: Principal, roster_id: int, events: Sequence[SelectedEvent]) -> RosterDetail | None:
        """The roster as `events` leave it; None where it does not exist (yet, or any more)."""
        with self._past.replayed(events) as queries:
            summary = queries.roster_summary(roster_id)
            if summary is None:
                return None
            check_visible(principal, summary)
            return queries.roster(roster_id)

    def _instant(self, instant: datetime, field: str) -> datetime:
        return check_instant(instant, field, self._clock())
