"""Employees' time off (approved by a manager) and unavailability (a soft preference)."""

from __future__ import annotations

from domain.errors import NotFound
from domain.timeslots import Interval, local_period

from application import policy
from application.base import RosteringHandler
from application.local_time import zone_of
from application.principal import Principal
from application.rostering_commands import LocalPeriod
from application.rostering_views import AvailabilityView
from application.views import Page, UserFilter


class AvailabilityService(RosteringHandler):
    def request_time_off(self, principal: Principal, period: LocalPeriod, reason: str | None) -> AvailabilityView:
        policy.require_may_change(principal)
        zone = zone_of(self._directory, principal)
        schedule = self._schedule(principal.id)
        entry_id = self._ids.next_id("time_off")
        schedule.request_time_off(entry_id, self._instants(period, zone), reason, by=principal.id, timezone=zone)
        self._commit(schedule)
        return self._find("time_off", entry_id)

    def decide_time_off(self, principal: Principal, time_off_id: int, approve: bool) -> AvailabilityView:
        entry = self._find("time_off", time_off_id)
        employee = self._directory.user(entry.employee_id)
        if employee is None or employee.enterprise_id is None or employee.department_id is None:
            raise NotFound("Time-off request not found")
        policy.require_department_manager(
            principal, employee.enterprise_id, employee.department_id, "Time-off request"
        )
        schedule = self._schedule(entry.employee_id)
        schedule.decide_time_off(time_off_id, approve, by=principal.id)
        self._commit(schedule, conflict="The employee's schedule changed at the same time; retry")
        return self._find("time_off", time_off_id)

    def cancel_time_off(self, principal: Principal, time_off_id: int) -> AvailabilityView:
        policy.require_may_change(principal)
        entry = self._find("time_off", time_off_id)
        if entry.employee_id != principal.id:
            raise NotFound("Time-off request not found")
        schedule = self._schedule(principal.id)
        schedule.cancel_time_off(time_off_id, by=principal.id)
        self._commit(schedule)
        return self._find("time_off", time_off_id)

    def mark_unavailable(self, principal: Principal, period: LocalPeriod, note: str | None) -> AvailabilityView:
        policy.require_may_change(principal)
        zone = zone_of(self._directory, principal)
        schedule = self._schedule(principal.id)
        entry_id = self._ids.next_id("unavailability")
        schedule.mark_unavailable(entry_id, self._instants(period, zone), note, by=principal.id, timezone=zone)
        self._commit(schedule)
        return self._find("unavailable", entry_id)

    def clear_unavailable(self, principal: Principal, entry_id: int) -> None:
        policy.require_may_change(principal)
        entry = self._find("unavailable", entry_id)
        if entry.employee_id != principal.id:
            raise NotFound("Unavailability entry not found")
        schedule = self._schedule(principal.id)
        schedule.clear_unavailable(entry_id, by=principal.id)
        self._commit(schedule)

    def mine(self, principal: Principal, kind: str | None) -> list[AvailabilityView]:
        return self._queries.availability([principal.id], kind)

    def of_department(self, principal: Principal, department_id: int, kind: str | None) -> list[AvailabilityView]:
        department = self._directory.department(department_id)
        if department is None:
            raise NotFound("Department not found")
        policy.require_department_overseer(principal, department.enterprise_id, department.id, "Department")
        members = self._directory.users(
            UserFilter(enterprise_id=department.enterprise_id, department_id=department.id),
            Page(number=1, size=100_000),
        ).items
        return self._queries.availability([m.id for m in members], kind)

    @staticmethod
    def _instants(period: LocalPeriod, zone: str) -> Interval:
        return local_period(period.start_date, period.start_time, period.end_date, period.end_time, zone)

    def _find(self, kind: str, entry_id: int) -> AvailabilityView:
        entry = self._queries.availability_entry(kind, entry_id)
        if entry is None:
            raise NotFound("Time-off request not found" if kind == "time_off" else "Unavailability entry not found")
        return entry
