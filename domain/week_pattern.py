"""Copying a roster to other dates: which source day each target day takes its shifts from.

A roster's shifts follow the week (weekday shifts, weekend shifts, a night rota that turns
every two weeks), so a copy moves them by whole weeks, never by an odd number of days:

1. The source moves by `weeks`, the whole number of weeks nearest to the distance from the
   source's first day to the target's first day (a remainder of 0-3 days rounds down, 4-6
   up). Target day T takes the shifts of source day T - weeks.
2. A target day that lands outside the source that way takes the shifts of the source's
   pattern repeated: the source's first `period` days, `period` being its whole weeks
   (7 x floor(length / 7)), laid end to end before and after it. Its source day is then
   the one `period` days (or a multiple of it) away, counted from the first day of the source.
3. A source shorter than a week (period 7) has no day for the weekdays it lacks: target days
   on those weekdays stay empty.

Every target day so maps to a source day on the same weekday; target days before or after
the (moved, repeated) pattern simply use the part of it they fall on: the pattern is
trimmed at the target's ends. A copy by exactly N weeks is an exact translation.
"""

from __future__ import annotations

from datetime import date, timedelta

WEEK = 7


def whole_weeks_between(source_start: date, target_start: date) -> int:
    """The whole number of weeks nearest to the distance between the two first days."""
    return (((target_start - source_start).days + WEEK // 2) // WEEK)


def source_day(source_start: date, source_end: date, target_start: date, target: date) -> date | None:
    """The source day whose shifts `target` takes (same weekday), or None when the source
    (shorter than a week) has no day of that weekday."""
    length = (source_end - source_start).days + 1
    period = WEEK * max(1, length // WEEK)
    # Days from the source's first day, in plain integers: no date before 0001 or after 9999
    # is ever formed, whatever the two rosters' distance.
    index = (target - source_start).days - WEEK * whole_weeks_between(source_start, target_start)
    if not 0 <= index < length:
        index %= period
        if index >= length:
            return None
    return source_start + timedelta(days=index)


def copy_days(
    source_start: date, source_end: date, target_start: date, target_end: date
) -> list[tuple[date, date]]:
    """(target day, source day) for every day of the target range that takes shifts, in order."""
    pairs = []
    for offset in range((target_end - target_start).days + 1):
        target = target_start + timedelta(days=offset)
        found = source_day(source_start, source_end, target_start, target)
        if found is not None:
            pairs.append((target, found))
    return pairs
