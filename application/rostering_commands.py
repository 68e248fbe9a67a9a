"""Command inputs of the rostering use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from domain.templates import TemplateShift


@dataclass(frozen=True)
class NewRoster:
    name: str
    department_id: int
    start_date: date
    end_date: date
    description: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    auto_generate_shifts: bool = False
    shift_template: str | None = None
    """A default template key (standard_8hour, 12hour, business_hours)."""
    shift_template_id: int | None = None
    """Or one of the department's own templates."""
    required_staff: int | None = None
    """Overrides the template's required_staff for every generated shift."""


@dataclass(frozen=True)
class RosterChanges:
    name: str | None = None
    description: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    settings: dict[str, Any] | None = None


@dataclass(frozen=True)
class NewShift:
    roster_id: int
    date: date
    start_time: time
    end_time: time
    title: str
    description: str | None = None
    required_staff: int = 1
    location: str | None = None


@dataclass(frozen=True)
class ShiftChanges:
    date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    title: str | None = None
    description: str | None = None
    required_staff: int | None = None
    location: str | None = None


@dataclass(frozen=True)
class NewTemplate:
    department_id: int
    name: str
    shifts: list[TemplateShift]
    description: str | None = None


@dataclass(frozen=True)
class NewSwap:
    shift_id: int
    target_employee_id: int
    target_shift_id: int | None = None
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class LocalPeriod:
    """A period as an employee gives it, on the clocks of their department's zone: whole days from
    `start_date` to `end_date`, or from `start_time` on the first to `end_time` on the last."""

    start_date: date
    end_date: date
    start_time: time | None = None
    end_time: time | None = None
