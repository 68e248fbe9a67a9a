"""An employee's bookings in start order, so that a rule reads only the ones near a new booking.

A schedule lives as long as the employee: after five years it holds some 1,300 bookings, and
building a `Booking` with its `Interval` and two datetimes for each of them at every load (or
walking all of them at every check) made each command slower every year. The bookings are kept
here as five parallel columns of 64-bit integers (`array('q')`; instants as microseconds since
the epoch, UTC), sorted by start: a snapshot stores and restores the columns as bytes, with no
Python object per booking, and a check asks for the few bookings within reach of the new one
(`near`), found by bisection. A `Booking` is built only for those.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.timeslots import Interval
from domain.zones import UTC

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Booking:
    shift_id: int
    roster_id: int
    interval: Interval


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _instant(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


class Bookings:
    """Assignment id -> booking, kept in start order (ties in the order they were booked)."""

    def __init__(self, columns: tuple[array[int], ...] | None = None, longest: int = 0) -> None:
        self.starts, self.ends, self.assignment_ids, self.shift_ids, self.roster_ids = (
            columns if columns is not None else tuple(array("q") for _ in range(5)))
        self.longest = longest  # the longest booking ever held (microseconds): how far back `near` looks
        self._held = set(self.assignment_ids)  # so a replayed booking finds no old one without a scan

    def columns(self) -> tuple[array[int], ...]:
        return self.starts, self.ends, self.assignment_ids, self.shift_ids, self.roster_ids

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bookings):
            return NotImplemented
        return self.columns() == other.columns() and self.longest == other.longest

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Bookings({dict(self.items())!r})"

    # -- changes ------------------------------------------------------------------

    def put(self, assignment_id: int, booking: Booking) -> None:
        """Book `assignment_id`, replacing its booking if it has one (a shift that moved)."""
        self.remove(assignment_id)
        start, end = _micros(booking.interval.start), _micros(booking.interval.end)
        at = bisect_right(self.starts, start)
        for column, value in zip(self.columns(), (start, end, assignment_id, booking.shift_id, booking.roster_id)):
            column.insert(at, value)
        self._held.add(assignment_id)
        self.longest = max(self.longest, end - start)

    def remove(self, assignment_id: int) -> None:
        if assignment_id in self._held:
            self._held.discard(assignment_id)
            at = self.assignment_ids.index(assignment_id)
            for column in self.columns():
                del column[at]

    # -- reading ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.starts)

    def __contains__(self, assignment_id: object) -> bool:
        return assignment_id in self._held

    def near(self, first: datetime, last: datetime) -> Iterator[tuple[int, Booking]]:
        """Every booking that ends at or after `first` and starts at or before `last` (a few more
        may come too: callers test each one), in start order."""
        low = bisect_left(self.starts, _micros(first) - self.longest)
        high = bisect_right(self.starts, _micros(last))
        for at in range(low, high):
            yield self.assignment_ids[at], self._booking(at)

    def items(self) -> Iterator[tuple[int, Booking]]:
        for at in range(len(self.starts)):
            yield self.assignment_ids[at], self._booking(at)

    def count_in(self, roster_id: int) -> int:
        return self.roster_ids.count(roster_id)

    def hours_in(self, roster_id: int) -> float:
        micros = sum(e - s for s, e, r in zip(self.starts, self.ends, self.roster_ids) if r == roster_id)
        return micros / 3_600_000_000

    def roster_of(self, assignment_id: int) -> int | None:
        if assignment_id not in self._held:
            return None
        return self.roster_ids[self.assignment_ids.index(assignment_id)]

    def _booking(self, at: int) -> Booking:
        return Booking(self.shift_ids[at], self.roster_ids[at],
                       Interval(_instant(self.starts[at]), _instant(self.ends[at])))
