"""Which working-time limits hold for a roster: its own settings, else its enterprise's defaults.

One function decides it (`effective_limits`), for every command that books (assignment,
bulk, swaps, claims, auto-assign, zone changes) and for the reads that show or report hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from domain.hours import DEFAULT_WEEK_START, HoursLimits
from domain.organisation import Enterprise
from domain.roster import Roster
from domain.schedule import Rules

from application.events import SchedulaX


class HoursDefaults(Protocol):
    """An enterprise's defaults: the aggregate's `hours_defaults`, or its read model's detail."""

    max_hours_per_week: float | None
    max_consecutive_days: int | None
    week_starts_on: str


def effective_limits(roster_settings: Mapping[str, Any], enterprise_defaults: HoursDefaults | None) -> HoursLimits:
    """The roster's limit where it sets one (not null), else the enterprise's default, else none.
    Weeks start on the enterprise's `week_starts_on` (monday without one)."""
    defaults = enterprise_defaults or HoursLimits()
    hours = roster_settings.get("max_hours_per_week")
    days = roster_settings.get("max_consecutive_days")
    return HoursLimits(
        max_hours_per_week=hours if hours is not None else defaults.max_hours_per_week,
        max_consecutive_days=days if days is not None else defaults.max_consecutive_days,
        week_starts_on=defaults.week_starts_on or DEFAULT_WEEK_START,
    )


def enterprise_defaults(events: SchedulaX, enterprise_id: int) -> HoursLimits | None:
    """Read from the event store, as the commands that enforce them read everything they check."""
    enterprise = events.find(Enterprise.create_id(enterprise_id), Enterprise)
    return enterprise.hours_defaults if enterprise is not None else None


def rules_of(roster: Roster, defaults: HoursDefaults | None) -> Rules:
    """Every rule a booking on one of the roster's shifts must respect."""
    limits = effective_limits(roster.settings, defaults)
    return Rules(
        min_rest_hours=float(roster.settings.get("min_rest_hours", 10)),
        max_shifts_per_roster=roster.settings.get("max_shifts_per_person"),
        max_hours_per_week=limits.max_hours_per_week,
        max_consecutive_days=limits.max_consecutive_days,
        week_starts_on=limits.week_starts_on,
        timezone=roster.timezone,
    )


def rules_for(events: SchedulaX, roster: Roster) -> Rules:
    """`rules_of` the roster with its enterprise's defaults, read from the event store."""
    return rules_of(roster, enterprise_defaults(events, roster.enterprise_id))
