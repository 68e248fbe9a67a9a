"""Shift times: a date plus HH:MM start and end in a zone; an end not after the start is the next day.

`shift_interval` is the one way from a shift's wall-clock fields to the instants it occupies:
rest, overlap, hours and weeks are all computed on its `Interval`, whose ends are UTC instants,
so shifts of departments in different zones compare as the moments they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from domain.errors import RuleViolation
from domain.zones import UTC, instant, wall_clock


@dataclass(frozen=True)
class Interval:
    """From `start` to `end`: aware datetimes, kept in UTC.

    Python subtracts two datetimes of the same zone by their wall clocks, which is wrong
    across a daylight-saving change; in UTC every difference is elapsed time.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment.tzinfo is None:
                raise TypeError(f"Interval.{name} must be an aware datetime (an instant), not {moment!r}")
            if moment.tzinfo is not UTC:
                object.__setattr__(self, name, moment.astimezone(UTC))

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def gap_to(self, other: Interval) -> timedelta:
        """Time between the two intervals (zero when they touch or overlap)."""
        if self.overlaps(other):
            return timedelta(0)
        return other.start - self.end if self.end <= other.start else self.start - other.end

    def wall_clock(self, zone: str) -> tuple[datetime, datetime]:
        """What the clocks of `zone` show at the start and at the end (naive datetimes)."""
        return wall_clock(self.start, zone), wall_clock(self.end, zone)


@lru_cache(maxsize=65536)
def shift_interval(day: date, start: time, end: time, zone: str) -> Interval:
    """The instants of a shift on `day` from `start` to `end` on the clocks of `zone`.

    For a shift already planned, so it never refuses: an ambiguous time is its first occurrence,
    a time the clocks skip is read with the offset before the skip (RFC 5545; only if the tz
    database changed after the shift was planned), and a span left without length is empty.
    Commands check the times first with `check_shift_times`. A night across a daylight-saving
    change lasts 7 or 9 hours.
    """
    begins = instant(day, start, zone, strict=False)
    ends = instant(day if end > start else day + timedelta(days=1), end, zone, strict=False)
    return Interval(begins, max(begins, ends))


def check_shift_times(day: date, start: time, end: time, zone: str) -> Interval:
    """`shift_interval`, for times a person gives: one the clocks of `zone` skip that day is
    refused (400 on `start_time` or `end_time`), and so is a shift that would have no length."""
    if start == end:
        raise RuleViolation("A shift cannot start and end at the same time", field="end_time")
    instant(day, start, zone, "start_time")
    instant(day if end > start else day + timedelta(days=1), end, zone, "end_time")
    interval = shift_interval(day, start, end, zone)
    if interval.end <= interval.start:  # not with both ends on the clock; the invariant's guard
        raise RuleViolation(f"The shift has no length in {zone}", field="end_time")
    return interval


def local_period(first: date, start: time | None, last: date, end: time | None, zone: str) -> Interval:
    """A period given on the clocks of `zone`: from `start` on `first` to `end` on `last`, or whole
    days (from the start of `first` to the start of the day after `last`) when the times are None."""
    if start is None or end is None:
        return Interval(instant(first, time(0), zone, "start_date", strict=False),
                        instant(last + timedelta(days=1), time(0), zone, "end_date", strict=False))
    return Interval(instant(first, start, zone, "start_time"), instant(last, end, zone, "end_time"))


def iso(moment: datetime) -> str:
    """Timestamps as the contract shows them: ISO 8601, UTC, milliseconds, `Z`."""
    # isoformat is about twice as fast as strftime, and rebuilds call this for every event.
    if moment.tzinfo is timezone.utc:  # stored event times: only the "+00:00" to swap for "Z"
        return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
