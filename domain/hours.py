"""Working-time limits: hours in a week and working days in a row, counted across all rosters.

The rules, as managers of Deputy or When I Work expect them:
- A week starts on a configurable weekday (`week_starts_on`, default monday) at midnight on
  the clocks of the zone of the shift being booked (its department's), and lasts until the
  same midnight seven days later: 168 hours, or 167/169 across a daylight-saving change.
- A shift counts wholly in the week (and on the day) in which it starts: a Sunday night from
  22:00 to 06:00 belongs to the week it starts in, all 8 hours of it. Splitting it at midnight
  would charge one night shift to two weeks, which payroll tools and people do not do.
- Hours are elapsed hours (instants in UTC): a Berlin night across the spring change is 7.
- Working days are the local dates on which the employee's shifts start; days in a row
  count the run of such dates that the booked shift's date would belong to.

Bookings of other departments (perhaps in other zones) count by their start instant, read on
the clocks of the zone of the shift being booked: every booking falls in exactly one of its weeks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta

from domain.errors import Conflict, RuleViolation
from domain.timeslots import Interval
from domain.zones import DEFAULT_ZONE, UTC, instant, zone_info

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEK_START = "monday"
MAX_HOURS_PER_WEEK = 168
MAX_CONSECUTIVE_DAYS = 366
EPSILON = 1e-9
"""Hours are sums of floats: 40 hours of 8 h shifts must not read as 40.000000001."""


@dataclass(frozen=True)
class HoursLimits:
    """Limits on working time; None: no limit. An enterprise's defaults, or a roster's effective ones."""

    max_hours_per_week: float | None = None
    max_consecutive_days: int | None = None
    week_starts_on: str = DEFAULT_WEEK_START


# -- validation ----------------------------------------------------------------------------------


def check_max_hours_per_week(value: object, field: str = "max_hours_per_week") -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_HOURS_PER_WEEK:
        raise RuleViolation(f"max_hours_per_week must be a number above 0 and at most {MAX_HOURS_PER_WEEK}",
                            field=field)
    return value


def check_max_consecutive_days(value: object, field: str = "max_consecutive_days") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONSECUTIVE_DAYS:
        raise RuleViolation(f"max_consecutive_days must be a whole number from 1 to {MAX_CONSECUTIVE_DAYS}",
                            field=field)
    return value


def check_week_start(value: object, field: str = "week_starts_on") -> str:
    if value not in WEEKDAYS:
        raise RuleViolation(f"week_starts_on is a weekday: {', '.join(WEEKDAYS)}", field=field)
    return str(value)


# -- weeks and days ------------------------------------------------------------------------------


def local_day(moment: datetime, zone: str) -> date:
    """The date the clocks of `zone` show at `moment`."""
    return moment.astimezone(UTC if zone == DEFAULT_ZONE else zone_info(zone)).date()


def week_start(day: date, week_starts_on: str = DEFAULT_WEEK_START) -> date:
    """The first day of the week `day` lies in."""
    return day - timedelta(days=(day.weekday() - WEEKDAYS.index(week_starts_on)) % 7)


def week_of(moment: datetime, week_starts_on: str, zone: str) -> tuple[date, Interval]:
    """The week (its first date, and its instants) in which `moment` falls on the clocks of `zone`."""
    first = week_start(local_day(moment, zone), week_starts_on)
    return first, _week(first, zone)


@lru_cache(maxsize=4096)
def _week(first: date, zone: str) -> Interval:
    """From midnight on `first` to midnight seven days later, on the clocks of `zone`."""
    return Interval(instant(first, time(0), zone, strict=False),
                    instant(first + timedelta(days=7), time(0), zone, strict=False))


def hours_in(week: Interval, intervals: Iterable[Interval]) -> float:
    """Hours of the shifts starting in `week` (a shift counts wholly in the week it starts in)."""
    return sum(i.hours for i in intervals if week.start <= i.start < week.end)


def run_around(day: date, days: set[date]) -> tuple[date, date]:
    """The first and last date of the run of consecutive dates in `days | {day}` containing `day`."""
    first = last = day
    while first - timedelta(days=1) in days:
        first -= timedelta(days=1)
    while last + timedelta(days=1) in days:
        last += timedelta(days=1)
    return first, last


# -- the rules -----------------------------------------------------------------------------------


class TooManyHours(Conflict):
    def __init__(self, hours: float, limit: float, week: date) -> None:
        super().__init__(
            f"The booking would give the employee {hours:g} hours in the week of {week.isoformat()}"
            f" (max_hours_per_week {limit:g})",
            rule="max_hours_per_week", max_hours_per_week=limit, hours=round(hours, 2),
            week_start=week.isoformat(),
        )


class TooManyConsecutiveDays(Conflict):
    def __init__(self, days: int, limit: int, first: date, last: date) -> None:
        super().__init__(
            f"The booking would have the employee work {days} days in a row, from {first.isoformat()}"
            f" to {last.isoformat()} (max_consecutive_days {limit})",
            rule="max_consecutive_days", max_consecutive_days=limit, days=days,
            first_day=first.isoformat(), last_day=last.isoformat(),
        )


def check_working_time(new: Interval, booked: list[Interval], limits: HoursLimits, zone: str) -> None:
    """Raise the first limit that booking `new` beside the `booked` shifts would break."""
    if limits.max_hours_per_week is not None:
        first, week = week_of(new.start, limits.week_starts_on, zone)
        total = hours_in(week, booked) + new.hours
        if total > limits.max_hours_per_week + EPSILON:
            raise TooManyHours(total, limits.max_hours_per_week, first)
    if limits.max_consecutive_days is not None:
        day = local_day(new.start, zone)
        # Only shifts near enough to join a run through `day` (the others already keep the limit,
        # so a run on either side is at most the limit long); a day more for the zone's offset.
        reach = timedelta(days=limits.max_consecutive_days + 2)
        days = {local_day(i.start, zone) for i in booked if abs(i.start - new.start) <= reach}
        first, last = run_around(day, days)
        length = (last - first).days + 1
        if length > limits.max_consecutive_days:
            raise TooManyConsecutiveDays(length, limits.max_consecutive_days, first, last)


def hours_of_week(moment: datetime, booked: Iterable[Interval], week_starts_on: str, zone: str) -> float:
    """Hours already booked in the week `moment` falls in (for showing beside a candidate)."""
    return hours_in(week_of(moment, week_starts_on, zone)[1], booked)
