"""Enterprises (tenants) and their departments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, RuleViolation
from domain.hours import (
    DEFAULT_WEEK_START,
    HoursLimits,
    check_max_consecutive_days,
    check_max_hours_per_week,
    check_week_start,
)
from domain.ids import aggregate_uuid
from domain.upcasting import upgrade, zone_was_utc
from domain.zones import DEFAULT_ZONE, check_zone

MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 2000
HOURS_DEFAULTS = ("max_hours_per_week", "max_consecutive_days", "week_starts_on")
"""The enterprise's working-time defaults for its rosters."""


def check_name(name: str, what: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise RuleViolation(f"{what} name must be 1 to {MAX_NAME_LENGTH} characters", field="name")
    return name


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise RuleViolation(
            f"Description must be at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return description


class Enterprise(Aggregate):
    """A tenant: every department, roster and non-system user belongs to one.

    Its `timezone` is the default of the departments opened without one; changing it later
    moves no department (each keeps the zone it was opened with).
    """

    @staticmethod
    def create_id(enterprise_id: int, **_: object) -> UUID:
        return aggregate_uuid("enterprise", enterprise_id)

    @classmethod
    def found(
        cls, *, enterprise_id: int, name: str, description: str | None, by: int,
        timezone: str = DEFAULT_ZONE,
    ) -> Enterprise:
        return cls(
            enterprise_id=enterprise_id,
            name=check_name(name, "Enterprise"),
            description=check_description(description),
            timezone=check_zone(timezone),
            by=by,
        )

    @event("Founded")
    def __init__(
        self, *, enterprise_id: int, name: str, description: str | None, timezone: str, by: int
    ) -> None:
        self.enterprise_id = enterprise_id
        self.name = name
        self.description = description
        self.timezone = timezone
        self.created_by = by
        # Working-time defaults of its rosters: set by their own event, so Founded and Updated
        # events stored before them replay unchanged (and mean: no limits, weeks from monday).
        self.max_hours_per_week: float | None = None
        self.max_consecutive_days: int | None = None
        self.week_starts_on = DEFAULT_WEEK_START

    @property
    def hours_defaults(self) -> HoursLimits:
        """What a roster whose own setting is null uses (application/hours_rules.py)."""
        return HoursLimits(self.max_hours_per_week, self.max_consecutive_days, self.week_starts_on)

    def change_hours_defaults(self, changes: dict[str, Any], by: int) -> None:
        """`changes` holds the defaults given (a None limit: no default); the others stay."""
        unknown = set(changes) - set(HOURS_DEFAULTS)
        if unknown:
            raise RuleViolation(f"Unknown enterprise setting {sorted(unknown)[0]}", field=sorted(unknown)[0])
        current = self.hours_defaults
        new = HoursLimits(
            max_hours_per_week=check_max_hours_per_week(changes.get("max_hours_per_week", current.max_hours_per_week)),
            max_consecutive_days=check_max_consecutive_days(
                changes.get("max_consecutive_days", current.max_consecutive_days)),
            week_starts_on=check_week_start(changes.get("week_starts_on", current.week_starts_on)),
        )
        if new != current:
            self._hours_defaults_changed(
                max_hours_per_week=new.max_hours_per_week, max_consecutive_days=new.max_consecutive_days,
                week_starts_on=new.week_starts_on, by=by,
            )

    @event("HoursDefaultsChanged")
    def _hours_defaults_changed(
        self, *, max_hours_per_week: float | None, max_consecutive_days: int | None, week_starts_on: str, by: int
    ) -> None:
        self.max_hours_per_week = max_hours_per_week
        self.max_consecutive_days = max_consecutive_days
        self.week_starts_on = week_starts_on

    def update(
        self, *, name: str | None, description: str | None, by: int, timezone: str | None = None
    ) -> None:
        new_name = check_name(name, "Enterprise") if name is not None else self.name
        new_description = (
            check_description(description) if description is not None else self.description
        )
        new_zone = check_zone(timezone) if timezone is not None else self.timezone
        if (new_name, new_description, new_zone) != (self.name, self.description, self.timezone):
            self._updated(name=new_name, description=new_description, timezone=new_zone, by=by)

    @event("Updated")
    def _updated(self, *, name: str, description: str | None, timezone: str, by: int) -> None:
        self.name = name
        self.description = description
        self.timezone = timezone


class DepartmentDeleted(Conflict):
    def __init__(self) -> None:
        super().__init__("Department has been deleted")


class Department(Aggregate):
    """A team inside an enterprise, optionally led by a manager, working in one time zone.

    Its rosters' shifts are wall-clock times in its `timezone`. Changing the zone re-reads the
    shifts of its rosters that are not archived in the new zone (see application.rezoning).
    """

    @staticmethod
    def create_id(department_id: int, **_: object) -> UUID:
        return aggregate_uuid("department", department_id)

    @classmethod
    def open(
        cls,
        *,
        department_id: int,
        enterprise_id: int,
        name: str,
        description: str | None,
        manager_id: int | None,
        by: int,
        timezone: str = DEFAULT_ZONE,
    ) -> Department:
        """`timezone`: the department's own, or else its enterprise's (the caller resolves which)."""
        return cls(
            department_id=department_id,
            enterprise_id=enterprise_id,
            name=check_name(name, "Department"),
            description=check_description(description),
            manager_id=manager_id,
            timezone=check_zone(timezone),
            by=by,
        )

    @event("Opened")
    def __init__(
        self,
        *,
        department_id: int,
        enterprise_id: int,
        name: str,
        description: str | None,
        manager_id: int | None,
        timezone: str,
        by: int,
    ) -> None:
        self.department_id = department_id
        self.enterprise_id = enterprise_id
        self.name = name
        self.description = description
        self.manager_id = manager_id
        self.timezone = timezone
        self.is_deleted = False

    def update(
        self,
        *,
        name: str | None,
        description: str | None,
        manager_id: int | None,
        clear_manager: bool,
        by: int,
        timezone: str | None = None,
    ) -> None:
        self._check_live()
        new_name = check_name(name, "Department") if name is not None else self.name
        new_description = (
            check_description(description) if description is not None else self.description
        )
        new_manager = None if clear_manager else (manager_id or self.manager_id)
        new_zone = check_zone(timezone) if timezone is not None else self.timezone
        if (new_name, new_description, new_manager, new_zone) != (
            self.name,
            self.description,
            self.manager_id,
            self.timezone,
        ):
            self._updated(
                name=new_name, description=new_description, manager_id=new_manager,
                timezone=new_zone, by=by,
            )

    @event("Updated")
    def _updated(
        self, *, name: str, description: str | None, manager_id: int | None, timezone: str, by: int
    ) -> None:
        self.name = name
        self.description = description
        self.manager_id = manager_id
        self.timezone = timezone

    def delete(self, *, by: int) -> None:
        self._check_live()
        self._deleted(by=by)

    @event("Deleted")
    def _deleted(self, *, by: int) -> None:
        self.is_deleted = True

    def _check_live(self) -> None:
        if self.is_deleted:
            raise DepartmentDeleted()


# Version 2 carries the zone; older events were all UTC.
for _event in (Enterprise.Founded, Enterprise.Updated, Department.Opened, Department.Updated):
    upgrade(_event, 2, zone_was_utc)
