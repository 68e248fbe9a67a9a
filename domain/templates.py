"""Shift templates: the built-in defaults and a department's own, and generating shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.ids import aggregate_uuid
from domain.roster import days
from domain.shift import check_shift_fields

WEEKDAYS = frozenset(range(5))


@dataclass(frozen=True)
class TemplateShift:
    title: str
    start_time: time
    end_time: time
    required_staff: int = 1
    weekdays: frozenset[int] | None = None
    """Days of the week (0 = Monday) it applies to; None: every day."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "start_time": self.start_time.strftime("%H:%M"),
            "end_time": self.end_time.strftime("%H:%M"),
            "required_staff": self.required_staff,
            "weekdays": sorted(self.weekdays) if self.weekdays is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TemplateShift:
        weekdays = data.get("weekdays")
        return cls(
            title=data["title"],
            start_time=time.fromisoformat(data["start_time"]),
            end_time=time.fromisoformat(data["end_time"]),
            required_staff=int(data.get("required_staff", 1)),
            weekdays=frozenset(weekdays) if weekdays is not None else None,
        )


DEFAULT_TEMPLATES: dict[str, tuple[str, list[TemplateShift]]] = {
    "standard_8hour": ("Three 8-hour shifts a day", [
        TemplateShift("Morning Shift", time(6), time(14)),
        TemplateShift("Afternoon Shift", time(14), time(22)),
        TemplateShift("Night Shift", time(22), time(6)),
    ]),
    "12hour": ("Two 12-hour shifts a day", [
        TemplateShift("Day Shift", time(7), time(19)),
        TemplateShift("Night Shift", time(19), time(7)),
    ]),
    "business_hours": ("One 09:00-17:00 shift on weekdays", [
        TemplateShift("Business Hours", time(9), time(17), weekdays=WEEKDAYS),
    ]),
}


def check_template_shifts(shifts: list[TemplateShift]) -> list[TemplateShift]:
    if not 1 <= len(shifts) <= 24:
        raise RuleViolation("A template holds 1 to 24 shifts", field="shifts")
    for shift in shifts:
        check_shift_fields(shift.title, shift.required_staff)
        if shift.start_time == shift.end_time:
            raise RuleViolation("A shift cannot start and end at the same time", field="shifts")
        if shift.weekdays is not None and not shift.weekdays <= frozenset(range(7)):
            raise RuleViolation("weekdays are 0 (Monday) to 6 (Sunday)", field="shifts")
    return shifts


def generate(shifts: list[TemplateShift], start_date: date, end_date: date) -> list[tuple[date, TemplateShift]]:
    """Every (day, template shift) of the date range, in order."""
    return [
        (day, shift)
        for day in days(start_date, end_date)
        for shift in shifts
        if shift.weekdays is None or day.weekday() in shift.weekdays
    ]


class ShiftTemplate(Aggregate):
    """A department's own template."""

    @staticmethod
    def create_id(template_id: int, **_: object) -> UUID:
        return aggregate_uuid("shift_template", template_id)

    @classmethod
    def define(
        cls, *, template_id: int, department_id: int, enterprise_id: int, name: str,
        description: str | None, shifts: list[TemplateShift], by: int,
    ) -> ShiftTemplate:
        name = name.strip()
        if not name or len(name) > 255:
            raise RuleViolation("Template name must be 1 to 255 characters", field="name")
        return cls(
            template_id=template_id, department_id=department_id, enterprise_id=enterprise_id,
            name=name, description=description,
            shifts=[s.as_dict() for s in check_template_shifts(shifts)], by=by,
        )

    @event("Defined")
    def __init__(
        self, *, template_id: int, department_id: int, enterprise_id: int, name: str,
        description: str | None, shifts: list[dict[str, Any]], by: int,
    ) -> None:
        self.template_id = template_id
        self.department_id = department_id
        self.enterprise_id = enterprise_id
        self.name = name
        self.description = description
        self.shifts = shifts
        self.is_deleted = False

    @property
    def template_shifts(self) -> list[TemplateShift]:
        return [TemplateShift.from_dict(s) for s in self.shifts]

    def revise(self, *, name: str | None, description: str | None,
               shifts: list[TemplateShift] | None, by: int) -> None:
        new_name = (name.strip() if name is not None else self.name)
        if not new_name or len(new_name) > 255:
            raise RuleViolation("Template name must be 1 to 255 characters", field="name")
        new_shifts = [s.as_dict() for s in check_template_shifts(shifts)] if shifts is not None else self.shifts
        self._revised(name=new_name, description=description if description is not None else self.description,
                      shifts=new_shifts, by=by)

    @event("Revised")
    def _revised(self, *, name: str, description: str | None, shifts: list[dict[str, Any]], by: int) -> None:
        self.name = name
        self.description = description
        self.shifts = shifts

    def delete(self, by: int) -> None:
        self._deleted(by=by)

    @event("Deleted")
    def _deleted(self, *, by: int) -> None:
        self.is_deleted = True
