"""The calendar window: the dates and instants SchedulaX accepts, 1970-01-01 to 2199-12-31.

Every date a command takes (a roster's range, a shift's day, time off) lies inside it, and
every instant from the start of its first day to the end of its last. Inside it, whatever the
read side derives (the next morning of a night shift, a week's Monday, the day after the last)
still fits `datetime`, and every date is four ISO digits, so stored strings sort as dates do.
A value outside would be saved, then fail the projection that has to compute with it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from domain.errors import RuleViolation

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2199, 12, 31)
EARLIEST = datetime.combine(FIRST_DAY, time(0))
"""The first instant inside the window."""
LATEST = datetime.combine(LAST_DAY + timedelta(days=1), time(0))
"""The end of the last day: time off taking the whole of 2199-12-31 ends here."""


def in_window(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def outside_window(field: str) -> str:
    """The message for a date outside the window."""
    return f"{field} must be a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def check_day(day: date, field: str) -> date:
    if not in_window(day):
        raise RuleViolation(outside_window(field), field=field)
    return day


def check_span(start: datetime, end: datetime, start_field: str = "start", end_field: str = "end") -> None:
    """A period (naive, like the domain's intervals) lying inside the window."""
    if not EARLIEST <= start < LATEST:
        raise RuleViolation(outside_window(start_field), field=start_field)
    if not EARLIEST < end <= LATEST:
        raise RuleViolation(outside_window(end_field), field=end_field)
