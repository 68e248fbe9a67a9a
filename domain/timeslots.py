"""Shift times: a date plus HH:MM start and end; an end not after the start is the next day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

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


def shift_interval(day: date, start: time, end: time) -> Interval:
    begins = datetime.combine(day, start)
    ends = datetime.combine(day if end > start else day + timedelta(days=1), end)
    return Interval(begins, ends)


def day_interval(first: date, last: date) -> Interval:
    return Interval(datetime.combine(first, time(0)), datetime.combine(last + timedelta(days=1), time(0)))


def iso(moment: datetime) -> str:
    """Timestamps as the contract shows them: ISO 8601, UTC, milliseconds, `Z`."""
    # isoformat is about twice as fast as strftime, and rebuilds call this for every event.
    if moment.tzinfo is timezone.utc:  # stored event times: only the "+00:00" to swap for "Z"
        return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
