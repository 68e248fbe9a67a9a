"""Time zones: which names we accept, and how a wall-clock time in a zone becomes an instant.

A department works in one IANA zone; its shifts are wall-clock dates and times there. Every
instant and duration is computed from them with `zoneinfo`, never from the wall clock alone:
a night from 22:00 to 06:00 in Europe/Berlin lasts 7 hours on 2026-03-29 and 9 on 2026-10-25.

Two wall-clock times need a rule, and both follow RFC 5545 (what calendar clients do with a
DTSTART and its TZID) and PEP 495's default:
- an ambiguous time (the hour repeated when the clocks go back) is its first occurrence
  (`fold=0`): 02:30 on 2026-10-25 in Berlin is 00:30 UTC, still summer time;
- a time that does not exist (the hour skipped when the clocks go forward) is refused where
  a person gave it (`strict`): 02:30 on 2026-03-29 in Berlin is a 400 naming the field. Only
  the bounds of whole days are lenient: a day whose midnight is skipped (America/Havana)
  begins when the clocks jump.

The zone's rules come from the tz database (the `tzdata` package where the system has none);
reading it is no more I/O than importing a module, and it is the same on every replay.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from domain.errors import RuleViolation

UTC = timezone.utc
DEFAULT_ZONE = "UTC"
"""The zone of an enterprise created without one, and of everything recorded before zones existed."""

NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
"""Keys the tz database answers to that name no place: the host's own zone (it differs from
machine to machine), the POSIX rule template and the placeholder zone."""


@lru_cache(maxsize=1)
def _accepted() -> dict[str, str]:
    """Lower-cased name -> the name, for every zone we accept (to suggest the right spelling)."""
    return {name.lower(): name for name in available_timezones() if name not in NOT_PLACES}


def is_zone(name: object) -> bool:
    return isinstance(name, str) and _accepted().get(name.lower()) == name


def check_zone(name: str, field: str = "timezone") -> str:
    """`name` if it is an IANA zone (Europe/Berlin, America/New_York, UTC, Etc/GMT-2, ...)."""
    if is_zone(name):
        return name
    known = _accepted().get(name.lower()) if isinstance(name, str) else None
    hint = f"; did you mean {known}?" if known else ""
    raise RuleViolation(
        f"{field} must be an IANA time zone name such as Europe/Berlin, America/New_York or UTC{hint}",
        field=field,
    )


def zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # ZoneInfo keeps one instance per key


def instant(day: date, at: time, zone: str, field: str = "start_time", strict: bool = True) -> datetime:
    """The UTC instant at which the clocks of `zone` show `at` on `day` (rules: module docstring)."""
    if zone == DEFAULT_ZONE:
        return datetime.combine(day, at, tzinfo=UTC)
    tz = ZoneInfo(zone)
    local = datetime.combine(day, at, tzinfo=tz)  # fold=0: the first of two, the offset before a gap
    moment = local.astimezone(UTC)
    if strict and moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        jump = (local.replace(fold=1).utcoffset() or timedelta(0)) - (local.utcoffset() or timedelta(0))
        raise RuleViolation(
            f"{at.strftime('%H:%M')} does not exist on {day.isoformat()} in {zone}: the clocks go"
            f" forward by {_length(abs(jump))} there",
            field=field, date=day.isoformat(), timezone=zone,
        )
    return moment


def wall_clock(moment: datetime, zone: str) -> datetime:
    """What the clocks of `zone` show at `moment`, as a naive datetime."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _length(delta: timedelta) -> str:
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    parts += [f"{minutes} minutes"] if minutes else []
    return " ".join(parts)
