"""Shifts: a slot of work on a roster day, and who fills its places."""

from __future__ import annotations

from datetime import date, time
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calendar_window import check_day
from domain.errors import Conflict, RuleViolation
from domain.ids import aggregate_uuid
from domain.timeslots import Interval, check_shift_times, shift_interval
from domain.upcasting import upgrade, zone_was_utc
from domain.zones import DEFAULT_ZONE, check_zone

MAX_STAFF = 500


class ShiftFull(Conflict):
    def __init__(self, required_staff: int) -> None:
        super().__init__(
            f"The shift already has its {required_staff} required staff", required_staff=required_staff
        )


class AlreadyOnShift(Conflict):
    def __init__(self, employee_id: int) -> None:
        super().__init__("The employee is already assigned to this shift", employee_id=employee_id)


class ShiftRemoved(Conflict):
    def __init__(self) -> None:
        super().__init__("The shift has been deleted")


def check_shift_fields(title: str, required_staff: int) -> str:
    title = title.strip()
    if not title or len(title) > 255:
        raise RuleViolation("Shift title must be 1 to 255 characters", field="title")
    if not 1 <= required_staff <= MAX_STAFF:
        raise RuleViolation(f"required_staff must be 1 to {MAX_STAFF}", field="required_staff")
    return title


class Shift(Aggregate):
    """A slot of work: `day`, `start_time` and `end_time` on the clocks of `timezone`, its
    department's zone when it was planned (or last re-zoned with the department)."""

    @staticmethod
    def create_id(shift_id: int, **_: object) -> UUID:
        return aggregate_uuid("shift", shift_id)

    @classmethod
    def plan(
        cls, *, shift_id: int, roster_id: int, department_id: int, enterprise_id: int, day: date,
        start_time: time, end_time: time, title: str, description: str | None,
        required_staff: int, location: str | None, by: int, timezone: str = DEFAULT_ZONE,
    ) -> Shift:
        check_day(day, "date")
        check_shift_times(day, start_time, end_time, check_zone(timezone))
        return cls(
            shift_id=shift_id, roster_id=roster_id, department_id=department_id,
            enterprise_id=enterprise_id, day=day, start_time=start_time, end_time=end_time,
            title=check_shift_fields(title, required_staff), description=description,
            required_staff=required_staff, location=location, timezone=timezone, by=by,
        )

    @event("Planned")
    def __init__(
        self, *, shift_id: int, roster_id: int, department_id: int, enterprise_id: int, day: date,
        start_time: time, end_time: time, title: str, description: str | None,
        required_staff: int, location: str | None, timezone: str, by: int,
    ) -> None:
        self.shift_id = shift_id
        self.roster_id = roster_id
        self.department_id = department_id
        self.enterprise_id = enterprise_id
        self.day = day
        self.start_time = start_time
        self.end_time = end_time
        self.title = title
        self.description = description
        self.required_staff = required_staff
        self.location = location
        self.timezone = timezone
        self.slots: dict[int, int] = {}  # assignment id -> employee id, pending or confirmed
        self.is_deleted = False

    @property
    def interval(self) -> Interval:
        return shift_interval(self.day, self.start_time, self.end_time, self.timezone)

    @property
    def open_places(self) -> int:
        return self.required_staff - len(self.slots)

    def check_live(self) -> None:
        if self.is_deleted:
            raise ShiftRemoved()

    def revise(
        self, *, day: date | None, start_time: time | None, end_time: time | None,
        title: str | None, description: str | None, required_staff: int | None,
        location: str | None, by: int,
    ) -> None:
        self.check_live()
        new_day, new_start, new_end = day or self.day, start_time or self.start_time, end_time or self.end_time
        check_day(new_day, "date")
        check_shift_times(new_day, new_start, new_end, self.timezone)
        staff = required_staff if required_staff is not None else self.required_staff
        new_title = check_shift_fields(title if title is not None else self.title, staff)
        if staff < len(self.slots):
            raise Conflict(
                f"{len(self.slots)} employees are assigned; required_staff cannot go below that",
                assigned_staff=len(self.slots),
            )
        if self.slots and (new_day, new_start, new_end) != (self.day, self.start_time, self.end_time):
            raise Conflict("Unassign the employees before moving the shift to another time")
        self._revised(
            day=new_day, start_time=new_start, end_time=new_end, title=new_title,
            description=description if description is not None else self.description,
            required_staff=staff, location=location if location is not None else self.location,
            timezone=self.timezone, by=by,
        )

    def rezone(self, timezone: str, by: int) -> None:
        """Its department's zone changed: the same wall-clock times, read in `timezone`.

        The caller re-books the employees on it (their rules are checked again there)."""
        self.check_live()
        if check_zone(timezone) == self.timezone:
            return
        try:
            check_shift_times(self.day, self.start_time, self.end_time, timezone)
        except RuleViolation as error:
            raise Conflict(
                f"{self.title} on {self.day.isoformat()} cannot move to {timezone}: {error.message}",
                shift_id=self.shift_id, date=self.day.isoformat(), timezone=timezone,
            ) from None
        self._revised(
            day=self.day, start_time=self.start_time, end_time=self.end_time, title=self.title,
            description=self.description, required_staff=self.required_staff, location=self.location,
            timezone=timezone, by=by,
        )

    @event("Revised")
    def _revised(
        self, *, day: date, start_time: time, end_time: time, title: str, description: str | None,
        required_staff: int, location: str | None, timezone: str, by: int,
    ) -> None:
        self.day = day
        self.start_time = start_time
        self.end_time = end_time
        self.title = title
        self.description = description
        self.required_staff = required_staff
        self.location = location
        self.timezone = timezone

    def take_place(self, assignment_id: int, employee_id: int, by: int) -> None:
        self.check_live()
        if employee_id in self.slots.values():
            raise AlreadyOnShift(employee_id)
        if self.open_places <= 0:
            raise ShiftFull(self.required_staff)
        self._place_taken(assignment_id=assignment_id, employee_id=employee_id, by=by)

    @event("PlaceTaken")
    def _place_taken(self, *, assignment_id: int, employee_id: int, by: int) -> None:
        self.slots[assignment_id] = employee_id

    def free_place(self, assignment_id: int, by: int) -> None:
        if assignment_id in self.slots:
            self._place_freed(assignment_id=assignment_id, by=by)

    @event("PlaceFreed")
    def _place_freed(self, *, assignment_id: int, by: int) -> None:
        self.slots.pop(assignment_id, None)

    def hand_over(self, assignment_id: int, employee_id: int, by: int) -> None:
        """A swap: the place stays filled, by someone else."""
        self.check_live()
        if employee_id in self.slots.values():
            raise AlreadyOnShift(employee_id)
        self._handed_over(assignment_id=assignment_id, employee_id=employee_id, by=by)

    @event("HandedOver")
    def _handed_over(self, *, assignment_id: int, employee_id: int, by: int) -> None:
        self.slots[assignment_id] = employee_id

    def delete(self, by: int) -> None:
        self.check_live()
        self._deleted(by=by)

    @event("Deleted")
    def _deleted(self, *, by: int) -> None:
        self.is_deleted = True
        self.slots = {}


# Version 2 carries the zone its times are read in; older shifts were all UTC.
upgrade(Shift.Planned, 2, zone_was_utc)
upgrade(Shift.Revised, 2, zone_was_utc)
