"""Rosters: a department's plan for a date range, and the calendar that keeps them apart."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calendar_window import check_day
from domain.errors import Conflict, RuleViolation
from domain.hours import check_max_consecutive_days, check_max_hours_per_week
from domain.ids import aggregate_uuid, registry_uuid
from domain.upcasting import upgrade, zone_was_utc
from domain.zones import DEFAULT_ZONE, check_zone

MAX_ROSTER_DAYS = 366
DEFAULT_SETTINGS: dict[str, Any] = {
    "auto_assign": False,
    "assignment_strategy": "balanced",
    "max_shifts_per_person": None,
    "min_rest_hours": 10,
    "require_swap_approval": True,
    # Open shifts (domain/claim.py): employees claim open or offered-up places only where the
    # manager opted in; a claim then waits for a manager unless the manager opted out of that.
    "allow_shift_claims": False,
    "require_claim_approval": True,
    # Working-time limits (domain/hours.py), counted across all of an employee's rosters;
    # None: the enterprise's default applies (and with none there, no limit).
    "max_hours_per_week": None,
    "max_consecutive_days": None,
}
CLEARABLE = frozenset({"max_hours_per_week", "max_consecutive_days"})
"""Settings for which an explicit None is a value (back to the enterprise default), not "unchanged"."""


class RosterStatus(str, Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    APPROVED = "approved"
    ARCHIVED = "archived"


# The workflow: draft -> published -> approved -> archived, and published back to draft.
TRANSITIONS: dict[RosterStatus, frozenset[RosterStatus]] = {
    RosterStatus.DRAFT: frozenset({RosterStatus.PUBLISHED}),
    RosterStatus.PUBLISHED: frozenset({RosterStatus.DRAFT, RosterStatus.APPROVED}),
    RosterStatus.APPROVED: frozenset({RosterStatus.ARCHIVED}),
    RosterStatus.ARCHIVED: frozenset(),
}


class RosterOverlap(Conflict):
    def __init__(self, other_roster_id: int) -> None:
        super().__init__(
            "A roster already exists for this date range", conflicting_roster_id=other_roster_id
        )


class RosterReadOnly(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"The roster is {status} and can no longer be changed", status=status)


def check_dates(start_date: date, end_date: date) -> None:
    check_day(start_date, "start_date")
    check_day(end_date, "end_date")
    if start_date > end_date:
        raise RuleViolation("start_date must not be after end_date", field="end_date")
    if (end_date - start_date).days + 1 > MAX_ROSTER_DAYS:
        raise RuleViolation(f"A roster spans at most {MAX_ROSTER_DAYS} days", field="end_date")


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    merged = {**DEFAULT_SETTINGS, **{k: v for k, v in settings.items() if v is not None or k in CLEARABLE}}
    if merged["assignment_strategy"] not in ("balanced", "round_robin"):
        raise RuleViolation("assignment_strategy is balanced or round_robin", field="settings")
    cap = merged["max_shifts_per_person"]
    if cap is not None and (not isinstance(cap, int) or cap < 1):
        raise RuleViolation("max_shifts_per_person must be at least 1", field="settings")
    rest = merged["min_rest_hours"]
    if not isinstance(rest, (int, float)) or not 0 <= rest <= 48:
        raise RuleViolation("min_rest_hours must be between 0 and 48", field="settings")
    for flag in ("allow_shift_claims", "require_claim_approval"):
        if not isinstance(merged[flag], bool):
            raise RuleViolation(f"{flag} must be true or false", field="settings")
    check_max_hours_per_week(merged["max_hours_per_week"], field="settings")
    check_max_consecutive_days(merged["max_consecutive_days"], field="settings")
    return merged


class Roster(Aggregate):
    """A department's plan for a date range. Its `timezone` is the department's: its shifts are
    planned in it, and it follows the department when the department's zone changes while the
    roster is not archived."""

    @staticmethod
    def create_id(roster_id: int, **_: object) -> UUID:
        return aggregate_uuid("roster", roster_id)

    @classmethod
    def plan(
        cls, *, roster_id: int, department_id: int, enterprise_id: int, name: str,
        description: str | None, start_date: date, end_date: date, settings: dict[str, Any], by: int,
        timezone: str = DEFAULT_ZONE,
    ) -> Roster:
        name = name.strip()
        if not name or len(name) > 255:
            raise RuleViolation("Roster name must be 1 to 255 characters", field="name")
        check_dates(start_date, end_date)
        return cls(
            roster_id=roster_id, department_id=department_id, enterprise_id=enterprise_id,
            name=name, description=description, start_date=start_date, end_date=end_date,
            settings=check_settings(settings), timezone=check_zone(timezone), by=by,
        )

    @event("Planned")
    def __init__(
        self, *, roster_id: int, department_id: int, enterprise_id: int, name: str,
        description: str | None, start_date: date, end_date: date, settings: dict[str, Any],
        timezone: str, by: int,
    ) -> None:
        self.roster_id = roster_id
        self.department_id = department_id
        self.enterprise_id = enterprise_id
        self.name = name
        self.description = description
        self.start_date = start_date
        self.end_date = end_date
        self.settings = settings
        self.timezone = timezone
        self.created_by = by
        self.status = RosterStatus.DRAFT.value
        self.shift_dates: dict[int, date] = {}
        self.auto_assign: dict[str, Any] | None = None
        self.is_deleted = False

    @property
    def status_enum(self) -> RosterStatus:
        return RosterStatus(self.status)

    @property
    def is_live(self) -> bool:
        return not self.is_deleted and self.status != RosterStatus.ARCHIVED.value

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    def check_writable(self) -> None:
        if self.is_deleted:
            raise RosterReadOnly("deleted")
        if self.status == RosterStatus.ARCHIVED.value:
            raise RosterReadOnly(self.status)

    def change_status(self, new: RosterStatus, by: int) -> None:
        if self.is_deleted:
            raise RosterReadOnly("deleted")
        if new not in TRANSITIONS[self.status_enum]:
            raise Conflict(
                f"A {self.status} roster cannot become {new.value}",
                allowed=[s.value for s in sorted(TRANSITIONS[self.status_enum], key=lambda s: s.value)],
            )
        self._status_changed(status=new.value, by=by)

    @event("StatusChanged")
    def _status_changed(self, *, status: str, by: int) -> None:
        self.status = status

    def revise(
        self, *, name: str | None, description: str | None, start_date: date | None,
        end_date: date | None, settings: dict[str, Any] | None, by: int,
    ) -> None:
        self.check_writable()
        start, end = start_date or self.start_date, end_date or self.end_date
        check_dates(start, end)
        outside = sorted(d for d in self.shift_dates.values() if not start <= d <= end)
        if outside:
            raise Conflict(
                "Shifts lie outside the new date range; move or delete them first",
                first_shift_date=outside[0].isoformat(),
            )
        new_name = name.strip() if name is not None else self.name
        if not new_name or len(new_name) > 255:
            raise RuleViolation("Roster name must be 1 to 255 characters", field="name")
        merged = check_settings({**self.settings, **(settings or {})})
        self._revised(
            name=new_name, description=description if description is not None else self.description,
            start_date=start, end_date=end, settings=merged, timezone=self.timezone, by=by,
        )

    def rezone(self, timezone: str, by: int) -> None:
        """Its department's zone changed; the caller re-zones its shifts in the same save."""
        self.check_writable()
        if check_zone(timezone) != self.timezone:
            self._revised(
                name=self.name, description=self.description, start_date=self.start_date,
                end_date=self.end_date, settings=self.settings, timezone=timezone, by=by,
            )

    @event("Revised")
    def _revised(
        self, *, name: str, description: str | None, start_date: date, end_date: date,
        settings: dict[str, Any], timezone: str, by: int,
    ) -> None:
        self.name = name
        self.description = description
        self.start_date = start_date
        self.end_date = end_date
        self.settings = settings
        self.timezone = timezone

    def add_shift(self, shift_id: int, day: date, by: int) -> None:
        self.check_writable()
        if not self.covers(day):
            raise RuleViolation(
                f"Shift date {day.isoformat()} lies outside the roster "
                f"({self.start_date.isoformat()} to {self.end_date.isoformat()})",
                field="date",
            )
        self._shift_added(shift_id=shift_id, day=day, by=by)

    @event("ShiftAdded")
    def _shift_added(self, *, shift_id: int, day: date, by: int) -> None:
        self.shift_dates[shift_id] = day

    def move_shift(self, shift_id: int, day: date, by: int) -> None:
        self.check_writable()
        if not self.covers(day):
            raise RuleViolation("Shift date lies outside the roster", field="date")
        if self.shift_dates.get(shift_id) != day:
            self._shift_moved(shift_id=shift_id, day=day, by=by)

    @event("ShiftMoved")
    def _shift_moved(self, *, shift_id: int, day: date, by: int) -> None:
        self.shift_dates[shift_id] = day

    def remove_shift(self, shift_id: int, by: int) -> None:
        self.check_writable()
        self._shift_removed(shift_id=shift_id, by=by)

    @event("ShiftRemoved")
    def _shift_removed(self, *, shift_id: int, by: int) -> None:
        self.shift_dates.pop(shift_id, None)

    def record_auto_assign(self, report: dict[str, Any] | None, by: int) -> None:
        """Keep the progress or result of an auto-assign run in the roster's metadata
        (None: there is none, as when a request that could not be queued is withdrawn)."""
        self._auto_assign_recorded(report=report, by=by)

    @event("AutoAssignRecorded")
    def _auto_assign_recorded(self, *, report: dict[str, Any] | None, by: int) -> None:
        self.auto_assign = report

    def delete(self, by: int) -> None:
        self.check_writable()
        self._deleted(by=by)

    @event("Deleted")
    def _deleted(self, *, by: int) -> None:
        self.is_deleted = True
        self.shift_dates = {}


class DepartmentCalendar(Aggregate):
    """Which date ranges a department's live rosters hold, and the zone they are planned in;
    saved with every change to them, so a roster planned while the department's zone changes
    meets a newer version and is planned again in the new zone."""

    @staticmethod
    def create_id(department_id: int, **_: object) -> UUID:
        return DepartmentCalendar.id_for(department_id)

    @staticmethod
    def id_for(department_id: int) -> UUID:
        return registry_uuid(f"roster-calendar:{department_id}")

    # Not keyword-only: eventsourcing 9.5 ignores the defaults of keyword-only arguments.
    @event("Opened")
    def __init__(self, department_id: int, timezone: str = DEFAULT_ZONE) -> None:
        self.department_id = department_id
        self.timezone = timezone
        self.ranges: dict[int, tuple[date, date]] = {}

    def rezone(self, timezone: str, by: int | None = None) -> None:
        if check_zone(timezone) != self.timezone:
            self._rezoned(timezone=timezone, by=by)

    @event("Rezoned")
    def _rezoned(self, *, timezone: str, by: int | None) -> None:
        self.timezone = timezone

    def reserve(self, roster_id: int, start_date: date, end_date: date, by: int | None = None) -> None:
        for other, (start, end) in self.ranges.items():
            if other != roster_id and start <= end_date and start_date <= end:
                raise RosterOverlap(other)
        if self.ranges.get(roster_id) != (start_date, end_date):
            self._reserved(roster_id=roster_id, start_date=start_date, end_date=end_date, by=by)

    @event("Reserved")
    def _reserved(self, *, roster_id: int, start_date: date, end_date: date, by: int | None) -> None:
        self.ranges[roster_id] = (start_date, end_date)

    def release(self, roster_id: int, by: int | None = None) -> None:
        if roster_id in self.ranges:
            self._released(roster_id=roster_id, by=by)

    @event("Released")
    def _released(self, *, roster_id: int, by: int | None) -> None:
        self.ranges.pop(roster_id, None)


# Version 2 carries the zone; older rosters and calendars were all UTC.
for _event in (Roster.Planned, Roster.Revised, DepartmentCalendar.Opened):
    upgrade(_event, 2, zone_was_utc)


def days(start_date: date, end_date: date) -> list[date]:
    return [start_date + timedelta(days=i) for i in range((end_date - start_date).days + 1)]
