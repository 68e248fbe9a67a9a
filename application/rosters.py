"""Roster, shift and template use cases."""

from __future__ import annotations

from typing import Any

import msgspec

from domain.assignment import Assignment
from domain.calendar_window import check_day
from domain.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from domain.roles import Role
from domain.roster import DepartmentCalendar, Roster, RosterStatus
from domain.schedule import EmployeeSchedule
from domain.shift import Shift
from domain.templates import DEFAULT_TEMPLATES, ShiftTemplate, TemplateShift, generate
from domain.week_pattern import whole_weeks_between
from domain.zones import DEFAULT_ZONE

from application import policy, roster_reads
from application.auto_fill import AutoFill
from application.base import RosteringHandler
from application.events import ConcurrentWrite, SchedulaX
from application.hours_rules import rules_for
from application.ports import Directory, IdAllocator, ProjectionSync, RosterQueries
from application.principal import Principal
from application.roster_copy import AssignmentCarrier, CopiedRoster, CopyReport, pattern_days, shifts_by_day
from application.rostering_commands import NewRoster, NewShift, NewTemplate, RosterChanges, ShiftChanges
from application.rostering_views import RosterDetail, RosterFilter, RosterSummary, ShiftView, TemplateView
from application.versions import check_version
from application.views import DepartmentView, Page, Paged

CREATE_ATTEMPTS = 3


class RosterService(RosteringHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        queries: RosterQueries, auto_fill: AutoFill | None = None,
    ) -> None:
        super().__init__(events, ids, sync, directory, queries)
        self._auto_fill = auto_fill
        """Fills rosters whose settings say auto_assign (application/auto_fill.py); None: never."""

    # -- rosters --------------------------------------------------------------

    def create_roster(self, principal: Principal, new: NewRoster) -> RosterDetail:
        department = self._managed_department(principal, new.department_id)
        template = self._template_for(new, department) if new.auto_generate_shifts else []
        for attempt in range(CREATE_ATTEMPTS):
            calendar = self._calendar(department.id, department.timezone)
            roster = Roster.plan(
                roster_id=self._ids.next_id("roster"), department_id=department.id,
                enterprise_id=department.enterprise_id, name=new.name, description=new.description,
                start_date=new.start_date, end_date=new.end_date, settings=new.settings, by=principal.id,
                timezone=calendar.timezone,
            )
            calendar.reserve(roster.roster_id, roster.start_date, roster.end_date, by=principal.id)
            shifts = [
                self._plan_shift(roster, day, t.start_time, t.end_time, t.title, None,
                                 new.required_staff or t.required_staff, None, principal.id)
                for day, t in generate(template, roster.start_date, roster.end_date)
            ]
            try:
                position = self._events.commit(roster, calendar, *shifts)
            except ConcurrentWrite:
                # Another roster of the department was saved meanwhile: re-check against it.
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                continue
            self._sync.wait_for(position)
            if shifts:
                self._fill_if_asked(roster.roster_id, principal.id, "roster_created")
            return self._detail(roster.roster_id)
        raise AssertionError("unreachable")

    def update_roster(
        self, principal: Principal, roster_id: int, changes: RosterChanges, expected_version: int | None
    ) -> RosterDetail:
        roster = self._managed_roster(principal, roster_id)
        check_version(roster.version, expected_version)
        was_on = bool(roster.settings.get("auto_assign"))
        roster.revise(name=changes.name, description=changes.description, start_date=changes.start_date,
                      end_date=changes.end_date, settings=changes.settings, by=principal.id)
        calendar = self._calendar(roster.department_id)
        if roster.is_live:
            calendar.reserve(roster.roster_id, roster.start_date, roster.end_date, by=principal.id)
        self._commit(roster, calendar)
        if roster.settings.get("auto_assign") and not was_on and roster.shift_dates:
            self._fill_if_asked(roster_id, principal.id, "auto_assign_switched_on")
        return self._detail(roster_id)

    def change_status(
        self, principal: Principal, roster_id: int, status: RosterStatus, expected_version: int | None
    ) -> RosterSummary:
        roster = self._visible_roster(principal, roster_id)
        if not policy.can_manage_department(principal, roster.enterprise_id, roster.department_id):
            raise PermissionDenied("Insufficient permissions for this operation")
        if principal.role not in policy.STATUS_MOVERS[status.value]:
            raise PermissionDenied(f"A {principal.role.value} cannot move a roster to {status.value}")
        check_version(roster.version, expected_version)
        roster.change_status(status, by=principal.id)
        calendar = self._calendar(roster.department_id)
        if status is RosterStatus.ARCHIVED:
            calendar.release(roster.roster_id, by=principal.id)  # archived rosters no longer hold their dates
        self._commit(roster, calendar)
        return self._summary(roster_id)

    def delete_roster(self, principal: Principal, roster_id: int, expected_version: int | None) -> None:
        roster = self._managed_roster(principal, roster_id)
        check_version(roster.version, expected_version)
        doomed: list[Any] = []
        for shift_id in list(roster.shift_dates):
            doomed += self._dismantle_shift(self._load(Shift, "shift", shift_id, "Shift"), principal.id)
        roster.delete(by=principal.id)
        calendar = self._calendar(roster.department_id)
        calendar.release(roster.roster_id, by=principal.id)
        self._commit(roster, calendar, *doomed)

    def copy_roster(
        self, principal: Principal, roster_id: int, start_date: Any, end_date: Any, name: str | None,
        include_assignments: bool = False,
    ) -> CopiedRoster:
        """A new draft roster whose days take the shifts of the source day on the same weekday
        (domain/week_pattern.py); with `include_assignments`, their employees too, where every
        rule still lets them work it (the others are reported, not silently dropped)."""
        source = self._managed_roster(principal, roster_id, writable=False)
        check_day(start_date, "start_date")  # before the arithmetic below, which it keeps in range
        end_date = end_date or start_date + (source.end_date - source.start_date)
        by_day = shifts_by_day(self._load(Shift, "shift", sid, "Shift") for sid in source.shift_dates)
        calendar = self._calendar(source.department_id, source.timezone)
        roster = Roster.plan(
            roster_id=self._ids.next_id("roster"), department_id=source.department_id,
            enterprise_id=source.enterprise_id, name=name or f"{source.name} (copy)",
            description=source.description, start_date=start_date, end_date=end_date,
            settings=dict(source.settings), by=principal.id, timezone=calendar.timezone,
        )
        calendar.reserve(roster.roster_id, roster.start_date, roster.end_date, by=principal.id)
        pairs = [
            (s, self._plan_shift(roster, day, s.start_time, s.end_time, s.title, s.description,
                                 s.required_staff, s.location, principal.id))
            for day, source_day in pattern_days(source, roster)
            for s in by_day.get(source_day, [])
        ]
        carrier = AssignmentCarrier(roster, self._directory.user, self._schedule,
                                    lambda: self._ids.next_id("assignment"), principal.id,
                                    rules_for(self._events, roster))
        if include_assignments:
            carrier.carry(pairs)
        self._commit(roster, calendar, *(c for _, c in pairs), *carrier.touched,
                     conflict="Another roster of this department, or an employee's schedule, changed; retry")
        if any(c.open_places > 0 for _, c in pairs):
            self._fill_if_asked(roster.roster_id, principal.id, "roster_copied")
        report = CopyReport(
            source_roster_id=source.roster_id, weeks_moved=whole_weeks_between(source.start_date, roster.start_date),
            shifts_copied=len(pairs), include_assignments=include_assignments,
            assignments_copied=len(carrier.made), assignments_skipped=carrier.skipped,
        )
        return CopiedRoster(roster=self._detail(roster.roster_id), copy=report)

    def get_roster(self, principal: Principal, roster_id: int) -> RosterDetail:
        return roster_reads.roster_detail(self._queries, principal, roster_id)

    def list_rosters(self, principal: Principal, criteria: RosterFilter, page: Page) -> Paged[RosterSummary]:
        if principal.role in policy.ENTERPRISE_WIDE:
            criteria = msgspec.structs.replace(criteria, enterprise_id=principal.enterprise_id)
        elif not principal.is_system_admin:
            if principal.department_id is None:
                return Paged(items=[], total=0, page=page)
            criteria = msgspec.structs.replace(
                criteria, enterprise_id=principal.enterprise_id, department_id=principal.department_id
            )
            if principal.role is Role.EMPLOYEE:
                allowed = ("published", "approved", "archived")
                wanted = criteria.statuses or allowed
                criteria = msgspec.structs.replace(
                    criteria, statuses=tuple(s for s in wanted if s in allowed)
                )
        return self._queries.rosters(criteria, page)

    # -- shifts ---------------------------------------------------------------

    def create_shift(self, principal: Principal, new: NewShift) -> ShiftView:
        for attempt in range(CREATE_ATTEMPTS):
            roster = self._managed_roster(principal, new.roster_id)
            shift = self._plan_shift(roster, new.date, new.start_time, new.end_time, new.title,
                                     new.description, new.required_staff, new.location, principal.id)
            try:
                position = self._events.commit(roster, shift)
            except ConcurrentWrite:
                # The roster moved on meanwhile (an auto-assign job records its progress on it):
                # adding a shift does not depend on what changed, so plan it again.
                if attempt == CREATE_ATTEMPTS - 1:
                    raise Conflict("The resource was changed by another request; retry") from None
                continue
            self._sync.wait_for(position)
            self._fill_if_asked(roster.roster_id, principal.id, "shift_added")
            return self._shift(shift.shift_id)
        raise AssertionError("unreachable")

    def update_shift(
        self, principal: Principal, shift_id: int, changes: ShiftChanges, expected_version: int | None
    ) -> ShiftView:
        shift = self._load(Shift, "shift", shift_id, "Shift")
        roster = self._managed_roster(principal, shift.roster_id)
        check_version(shift.version, expected_version)
        shift.revise(day=changes.date, start_time=changes.start_time, end_time=changes.end_time,
                     title=changes.title, description=changes.description,
                     required_staff=changes.required_staff, location=changes.location, by=principal.id)
        roster.move_shift(shift_id, shift.day, by=principal.id)
        self._commit(shift, roster)
        return self._shift(shift_id)

    def delete_shift(self, principal: Principal, shift_id: int, expected_version: int | None) -> None:
        shift = self._load(Shift, "shift", shift_id, "Shift")
        roster = self._managed_roster(principal, shift.roster_id)
        check_version(shift.version, expected_version)
        doomed = self._dismantle_shift(shift, principal.id)
        roster.remove_shift(shift_id, by=principal.id)
        self._commit(roster, *doomed)

    def shifts_of(
        self, principal: Principal, roster_id: int, day: str | None, start_date: str | None,
        end_date: str | None,
    ) -> list[ShiftView]:
        return roster_reads.roster_shifts(self._queries, principal, roster_id, day, start_date, end_date)

    def get_shift(self, principal: Principal, shift_id: int) -> ShiftView:
        shift = self._queries.shift(shift_id)
        if shift is None:
            raise NotFound("Shift not found")
        self._check_visible(principal, self._summary(shift.roster_id), "Shift")
        return shift

    # -- templates ------------------------------------------------------------

    def default_templates(self) -> list[TemplateView]:
        return [
            TemplateView(id=None, key=key, name=key, description=description, department_id=None,
                         shifts=[s.as_dict() for s in shifts])
            for key, (description, shifts) in DEFAULT_TEMPLATES.items()
        ]

    def department_templates(self, principal: Principal, department_id: int) -> list[TemplateView]:
        department = self._directory.department(department_id)
        if department is None or not policy.can_view_department(
            principal, department.enterprise_id, department.id
        ):
            raise NotFound("Department not found")
        return self._queries.templates(department_id)

    def create_template(self, principal: Principal, new: NewTemplate) -> TemplateView:
        department = self._managed_department(principal, new.department_id)
        template = ShiftTemplate.define(
            template_id=self._ids.next_id("shift_template"), department_id=department.id,
            enterprise_id=department.enterprise_id, name=new.name, description=new.description,
            shifts=new.shifts, by=principal.id,
        )
        self._commit(template)
        return self._template_view(template.template_id)

    def update_template(
        self, principal: Principal, template_id: int, name: str | None, description: str | None,
        shifts: list[TemplateShift] | None, expected_version: int | None,
    ) -> TemplateView:
        template = self._managed_template(principal, template_id)
        check_version(template.version, expected_version)
        template.revise(name=name, description=description, shifts=shifts, by=principal.id)
        self._commit(template)
        return self._template_view(template_id)

    def delete_template(self, principal: Principal, template_id: int) -> None:
        template = self._managed_template(principal, template_id)
        template.delete(by=principal.id)
        self._commit(template)

    def get_template(self, principal: Principal, template_id: int) -> TemplateView:
        view = self._queries.template(template_id)
        department = self._directory.department(view.department_id) if view and view.department_id else None
        if view is None or department is None or not policy.can_view_department(
            principal, department.enterprise_id, department.id
        ):
            raise NotFound("Template not found")
        return view

    # -- helpers --------------------------------------------------------------

    def _fill_if_asked(self, roster_id: int, by: int, trigger: str) -> None:
        """The roster gained shifts: fill it if its settings ask (after its save; never fails it)."""
        if self._auto_fill is not None:
            self._auto_fill.request(roster_id, by, trigger)

    def _plan_shift(self, roster: Roster, day: Any, start: Any, end: Any, title: str,
                    description: str | None, required_staff: int, location: str | None, by: int) -> Shift:
        shift_id = self._ids.next_id("shift")
        roster.add_shift(shift_id, day, by=by)
        return Shift.plan(
            shift_id=shift_id, roster_id=roster.roster_id, department_id=roster.department_id,
            enterprise_id=roster.enterprise_id, day=day, start_time=start, end_time=end, title=title,
            description=description, required_staff=required_staff, location=location, by=by,
            timezone=roster.timezone,
        )

    def _dismantle_shift(self, shift: Shift, by: int) -> list[Any]:
        """Remove a shift's assignments and free its employees' schedules, then the shift."""
        touched: list[Any] = []
        for assignment_id, employee_id in list(shift.slots.items()):
            assignment = self._load(Assignment, "assignment", assignment_id, "Assignment")
            assignment.remove(by=by)
            schedule = self._events.find(EmployeeSchedule.id_for(employee_id), EmployeeSchedule)
            if schedule is not None:
                schedule.release(assignment_id, by=by)
                touched.append(schedule)
            touched.append(assignment)
        shift.delete(by=by)
        return [shift, *touched]

    def _template_for(self, new: NewRoster, department: DepartmentView) -> list[TemplateShift]:
        if new.shift_template_id is not None:
            template = self._events.find(
                ShiftTemplate.create_id(new.shift_template_id), ShiftTemplate
            )
            if template is None or template.is_deleted or template.department_id != department.id:
                raise RuleViolation("No such template in this department", field="shift_template_id")
            return template.template_shifts
        key = new.shift_template or "standard_8hour"
        if key not in DEFAULT_TEMPLATES:
            raise RuleViolation(
                f"Unknown shift_template '{key}'; one of {', '.join(DEFAULT_TEMPLATES)}",
                field="shift_template",
            )
        return DEFAULT_TEMPLATES[key][1]

    def _calendar(self, department_id: int, timezone: str = DEFAULT_ZONE) -> DepartmentCalendar:
        """The department's calendar; a new one is opened in `timezone`, the department's zone.
        The calendar's zone is the one new rosters are planned in (see application.rezoning)."""
        calendar = self._events.find(DepartmentCalendar.id_for(department_id), DepartmentCalendar)
        return calendar or DepartmentCalendar(department_id=department_id, timezone=timezone)

    def _managed_department(self, principal: Principal, department_id: int) -> DepartmentView:
        department = self._directory.department(department_id)
        if department is None:
            raise NotFound("Department not found")
        policy.require_department_manager(principal, department.enterprise_id, department.id, "Department")
        return department

    def _visible_roster(self, principal: Principal, roster_id: int) -> Roster:
        roster = self._load(Roster, "roster", roster_id, "Roster")
        if not policy.can_view_roster(principal, roster.enterprise_id, roster.department_id, roster.status):
            raise NotFound("Roster not found")
        return roster

    def _managed_roster(self, principal: Principal, roster_id: int, writable: bool = True) -> Roster:
        roster = self._visible_roster(principal, roster_id)
        policy.require_department_manager(principal, roster.enterprise_id, roster.department_id, "Roster")
        if writable:
            roster.check_writable()
        return roster

    def _managed_template(self, principal: Principal, template_id: int) -> ShiftTemplate:
        template = self._load(ShiftTemplate, "shift_template", template_id, "Template")
        policy.require_department_manager(principal, template.enterprise_id, template.department_id, "Template")
        return template

    def _check_visible(self, principal: Principal, summary: RosterSummary | None, what: str = "Roster") -> None:
        roster_reads.check_visible(principal, summary, what)

    def _summary(self, roster_id: int) -> RosterSummary:
        summary = self._queries.roster_summary(roster_id)
        if summary is None:
            raise NotFound("Roster not found")
        return summary

    def _detail(self, roster_id: int) -> RosterDetail:
        detail = self._queries.roster(roster_id)
        if detail is None:
            raise NotFound("Roster not found")
        return detail

    def _shift(self, shift_id: int) -> ShiftView:
        view = self._queries.shift(shift_id)
        if view is None:
            raise NotFound("Shift not found")
        return view

    def _template_view(self, template_id: int) -> TemplateView:
        view = self._queries.template(template_id)
        if view is None:
            raise NotFound("Template not found")
        return view


