"""History criteria from a request or a command line, as the read model compares them."""

from __future__ import annotations

from datetime import datetime, timezone

from application.history_views import HistoryFilter
from domain.errors import RuleViolation
from domain.timeslots import iso


def instant(value: datetime | None, name: str) -> str | None:
    """An instant as `occurred_at` is stored (UTC, milliseconds, Z); a naive one is taken as UTC."""
    if value is None:
        return None
    try:
        return iso(value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc))
    except (OverflowError, ValueError):  # shifting 9999-12-31T23:59-14:00 to UTC leaves the calendar
        raise RuleViolation(f"{name} is out of range", field=name) from None


def criteria_of(since: datetime | None, until: datetime | None, types: list[str] | None = None,
                actor_id: int | None = None, subject_kind: str | None = None, after: int | None = None,
                **more: int | None) -> HistoryFilter:
    return HistoryFilter(since=instant(since, "since"), until=instant(until, "until"),
                         types=tuple(types) if types else None, actor_id=actor_id, subject_kind=subject_kind,
                         after=after, **more)
