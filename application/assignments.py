"""Putting employees on shifts: assign, unassign, answer, bulk, available, auto-assign, my schedule."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from domain.assignment import Assignment, AssignmentStatus
from domain.errors import Conflict, DomainError, NotFound, PermissionDenied, RuleViolation
from domain.planner import STRATEGIES, auto_assign, refusal
from domain.roles import Role
from domain.roster import Roster
from domain.schedule import Booking, EmployeeSchedule, Rules
from domain.shift import Shift

from application import policy
from application.base import RosteringHandler
from application.events import SchedulaX
from application.hours_rules import rules_for
from application.ports import (
    Directory,
    IdAllocator,
    JobQueue,
    ProjectionSync,
    RosterQueries,
)
from application.principal import Principal, principal_of
from application.rostering_views import AssignmentView, ScheduleEntry
from application.versions import check_version
from application.views import Page, UserFilter, UserView

RACE = "The shift or the employee's schedule changed at the same time; retry"
# Rosters with more open places than this are filled by a background job.
BACKGROUND_PLACES = 100
REPORT_WAIT_SECONDS = 5.0
"""How long a job looks for its request's report before it takes the request as never saved."""


def booking_of(shift: Shift, roster: Roster) -> Booking:
    """What an employee's schedule books for a place on the shift."""
    return Booking(shift.shift_id, roster.roster_id, shift.interval)


def place(
    shift: Shift, roster: Roster, schedule: EmployeeSchedule, assignment_id: int, employee_id: int, by: int,
    rules: Rules, claim_id: int | None = None,
) -> Assignment:
    """Put the employee on an open place of the shift: the one booking path of every assignment
    (manual, bulk and claims), so every rule of the schedule holds for each of them. `rules`:
    `hours_rules.rules_for` the roster (its settings with its enterprise's defaults)."""
    shift.take_place(assignment_id, employee_id, by=by)
    schedule.book(assignment_id, booking_of(shift, roster), rules, by=by)
    return Assignment(assignment_id=assignment_id, shift_id=shift.shift_id, roster_id=roster.roster_id,
                      employee_id=employee_id, by=by, claim_id=claim_id)


@dataclass
class Candidate:
    employee: UserView
    available: bool
    reason: str | None
    hours_in_roster: float
    shifts_in_roster: int
    hours_this_week: float
    """Hours booked in every roster in the week of the shift (weeks as the limits count them)."""


class AssignmentService(RosteringHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        queries: RosterQueries, jobs: JobQueue | None = None,
    ) -> None:
        super().__init__(events, ids, sync, directory, queries)
        self._jobs = jobs

    # -- commands -------------------------------------------------------------

    def assign(
        self, principal: Principal, shift_id: int, employee_id: int, expected_version: int | None = None
    ) -> AssignmentView:
        shift, roster = self._managed_shift(principal, shift_id)
        check_version(shift.version, expected_version)
        employee = self._member(roster, employee_id)
        schedule = self._schedule(employee.id)
        assignment = self._place(shift, roster, schedule, employee.id, principal.id,
                                 rules_for(self._events, roster))
        self._commit(shift, schedule, assignment, conflict=RACE)
        return self._view(assignment.assignment_id)

    def bulk_assign(self, principal: Principal, items: list[tuple[int, int]]) -> list[AssignmentView]:
        """All or nothing: every (shift, employee) pair is placed, or none is."""
        if not 1 <= len(items) <= 500:
            raise RuleViolation("Send 1 to 500 assignments", field="assignments")
        shifts: dict[int, tuple[Shift, Roster]] = {}
        rules: dict[int, Rules] = {}  # roster id -> its rules, read once
        schedules: dict[int, EmployeeSchedule] = {}
        made: list[Assignment] = []
        for index, (shift_id, employee_id) in enumerate(items):
            try:
                if shift_id not in shifts:
                    shifts[shift_id] = self._managed_shift(principal, shift_id)
                shift, roster = shifts[shift_id]
                employee = self._member(roster, employee_id)
                schedule = schedules.setdefault(employee.id, self._schedule(employee.id))
                if roster.roster_id not in rules:
                    rules[roster.roster_id] = rules_for(self._events, roster)
                made.append(self._place(shift, roster, schedule, employee.id, principal.id, rules[roster.roster_id]))
            except DomainError as error:
                error.details.update(index=index, shift_id=shift_id, employee_id=employee_id)
                raise
        self._commit(*(s for s, _ in shifts.values()), *schedules.values(), *made, conflict=RACE)
        return [self._view(a.assignment_id) for a in made]

    def unassign(self, principal: Principal, assignment_id: int) -> None:
        assignment = self._load(Assignment, "assignment", assignment_id, "Assignment")
        shift, roster = self._managed_shift(principal, assignment.shift_id, allow_deleted=True)
        roster.check_writable()
        assignment.remove(by=principal.id)
        shift.free_place(assignment_id, by=principal.id)
        schedule = self._schedule(assignment.employee_id)
        schedule.release(assignment_id, by=principal.id)
        self._commit(assignment, shift, schedule, conflict=RACE)

    def answer(
        self, principal: Principal, assignment_id: int, status: AssignmentStatus, notes: str | None,
        expected_version: int | None = None,
    ) -> AssignmentView:
        """The employee confirms or declines (or a manager does it for them); declining frees the place."""
        policy.require_may_change(principal)
        assignment = self._load(Assignment, "assignment", assignment_id, "Assignment")
        shift = self._load(Shift, "shift", assignment.shift_id, "Assignment")
        roster = self._load(Roster, "roster", assignment.roster_id, "Assignment")
        if assignment.employee_id != principal.id:
            if not policy.can_view_department(principal, roster.enterprise_id, roster.department_id):
                raise NotFound("Assignment not found")
            if not policy.can_manage_department(principal, roster.enterprise_id, roster.department_id):
                raise PermissionDenied("Only the assigned employee or their manager can answer")
        check_version(assignment.version, expected_version)
        roster.check_writable()
        assignment.answer(status, notes, by=principal.id)
        touched: list[Any] = [assignment]
        if status is AssignmentStatus.DECLINED:
            shift.free_place(assignment_id, by=principal.id)
            schedule = self._schedule(assignment.employee_id)
            schedule.release(assignment_id, by=principal.id)
            touched += [shift, schedule]
        self._commit(*touched, conflict=RACE)
        return self._view(assignment_id)

    def request_auto_assign(
        self, principal: Principal, roster_id: int, strategy: str | None, background: bool | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Fill the roster now, or queue it when it is large; (report, queued)."""
        roster = self._fillable_roster(principal, roster_id, strategy)
        shifts = self._shifts_of(roster)
        places = sum(max(0, s.open_places) for s in shifts)
        if self._jobs is None or background is False or (background is None and places <= BACKGROUND_PLACES):
            return self._fill(principal, roster, shifts, strategy), False
        # Sent first, saved after: a send that fails saves nothing (503, and a retry with the
        # same Idempotency-Key runs again), so the roster never says "queued" for a job nobody
        # has. The job, which may start before the save, waits briefly for its report.
        self._jobs.check_available()
        report = {"status": "queued", "strategy": strategy, "open_places": places, "requested_by": principal.id,
                  "job_id": uuid4().hex}
        self._jobs.enqueue_auto_assign(roster_id, principal.id, strategy, report["job_id"])
        roster.record_auto_assign(report, by=principal.id)
        self._commit(roster)
        return report, True

    def run_auto_assign_job(
        self, roster_id: int, user_id: int, strategy: str | None, job_id: str | None = None
    ) -> None:
        """The background job: safe to repeat, since a second run finds no open place left.

        A job whose request was never saved (its send timed out on a hung broker, which ran it
        later; its save lost a race) or was superseded by a later request does nothing.
        """
        user = self._directory.user(user_id)
        if user is None or not user.is_active:
            return
        principal = principal_of(user)
        roster = self._reported(roster_id, job_id) if job_id is not None else \
            self._load(Roster, "roster", roster_id, "Roster")
        if roster is None:
            return
        running = {"status": "running", "strategy": strategy}
        roster.record_auto_assign(running if job_id is None else {**running, "job_id": job_id}, by=user_id)
        self._commit(roster)
        try:
            self.auto_assign(principal, roster_id, strategy)
        except Conflict as error:
            if error.message.startswith("The roster changed"):
                raise  # a concurrent edit: let the queue retry with fresh state
            self._record_failure(roster_id, user_id, error)
        except DomainError as error:
            self._record_failure(roster_id, user_id, error)

    def _reported(self, roster_id: int, job_id: str) -> Roster | None:
        """The roster once its report names `job_id`, or None if it does not within REPORT_WAIT_SECONDS:
        the request saves its report just after sending the job, which a worker may start first."""
        deadline = time.monotonic() + REPORT_WAIT_SECONDS
        while True:
            roster = self._load(Roster, "roster", roster_id, "Roster")
            if (roster.auto_assign or {}).get("job_id") == job_id:
                return roster
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)

    def _record_failure(self, roster_id: int, user_id: int, error: DomainError) -> None:
        roster = self._load(Roster, "roster", roster_id, "Roster")
        roster.record_auto_assign({"status": "failed", "error": error.message}, by=user_id)
        self._commit(roster)

    def _fillable_roster(self, principal: Principal, roster_id: int, strategy: str | None) -> Roster:
        roster = self._load(Roster, "roster", roster_id, "Roster")
        policy.require_department_manager(principal, roster.enterprise_id, roster.department_id, "Roster")
        roster.check_writable()
        if strategy is not None and strategy not in STRATEGIES:
            raise RuleViolation(f"strategy is one of {', '.join(STRATEGIES)}", field="strategy")
        return roster

    def auto_assign(self, principal: Principal, roster_id: int, strategy: str | None = None) -> dict[str, Any]:
        roster = self._fillable_roster(principal, roster_id, strategy)
        return self._fill(principal, roster, self._shifts_of(roster), strategy)

    def _shifts_of(self, roster: Roster) -> list[Shift]:
        return [self._load(Shift, "shift", sid, "Shift") for sid in roster.shift_dates]

    def _fill(self, principal: Principal, roster: Roster, shifts: list[Shift], strategy: str | None) -> dict[str, Any]:
        strategy = strategy or roster.settings.get("assignment_strategy", "balanced")
        members = self._members(roster)
        schedules = {m.id: self._schedule(m.id) for m in members}
        plan = auto_assign(
            shifts, schedules, rules_for(self._events, roster), roster.roster_id,
            lambda: self._ids.next_id("assignment"), principal.id, strategy,
        )
        assignments = [
            Assignment(assignment_id=aid, shift_id=shift.shift_id, roster_id=roster.roster_id,
                       employee_id=employee_id, by=principal.id)
            for aid, shift, employee_id in plan.placements
        ]
        hours = sorted(s.hours_in(roster.roster_id) for s in schedules.values())
        report = {
            "status": "completed",
            "strategy": strategy,
            "assigned": len(plan.placements),
            "unfilled_places": sum(u.open_places for u in plan.unfilled),
            "unfilled": [dict(u.__dict__) for u in plan.unfilled],
            "eligible_employees": len(members),
            "min_hours": hours[0] if hours else 0,
            "max_hours": hours[-1] if hours else 0,
        }
        roster.record_auto_assign(report, by=principal.id)
        touched_shifts = {s.shift_id: s for _, s, _ in plan.placements}
        touched_schedules = {e: schedules[e] for _, _, e in plan.placements}
        self._commit(roster, *touched_shifts.values(), *touched_schedules.values(), *assignments,
                     conflict="The roster changed while it was being filled; run auto-assign again")
        return report

    # -- queries --------------------------------------------------------------

    def available_employees(self, principal: Principal, shift_id: int) -> list[Candidate]:
        shift, roster = self._shift_and_roster(shift_id)
        policy.require_department_overseer(principal, roster.enterprise_id, roster.department_id, "Shift")
        rules = rules_for(self._events, roster)
        booking = Booking(shift.shift_id, roster.roster_id, shift.interval)
        found = []
        for member in self._members(roster):
            schedule = self._schedule(member.id)
            # A candidate who would break a limit is marked unavailable with the rule's message,
            # as for every other rule.
            why = refusal(schedule, shift, member.id, booking, rules)
            found.append(Candidate(
                employee=member, available=why is None, reason=why[1] if why else None,
                hours_in_roster=schedule.hours_in(roster.roster_id),
                shifts_in_roster=schedule.shifts_in(roster.roster_id),
                hours_this_week=round(schedule.hours_in_week_of(shift.interval, rules.week_starts_on,
                                                                 rules.timezone), 2),
            ))
        found.sort(key=lambda c: (not c.available, c.hours_in_roster, c.employee.id))
        return found

    def my_schedule(
        self, principal: Principal, start_date: str | None, end_date: str | None, status: str | None
    ) -> list[ScheduleEntry]:
        return self._queries.schedule(principal.id, start_date, end_date, status)

    def get_assignment(self, principal: Principal, assignment_id: int) -> AssignmentView:
        view = self._queries.assignment(assignment_id)
        if view is None:
            raise NotFound("Assignment not found")
        if view.employee_id != principal.id:
            roster = self._queries.roster_summary(view.roster_id)
            if roster is None or not policy.can_oversee_department(
                principal, roster.enterprise_id, roster.department_id
            ):
                raise NotFound("Assignment not found")
        return view

    # -- helpers --------------------------------------------------------------

    def _place(
        self, shift: Shift, roster: Roster, schedule: EmployeeSchedule, employee_id: int, by: int, rules: Rules
    ) -> Assignment:
        return place(shift, roster, schedule, self._ids.next_id("assignment"), employee_id, by, rules)

    def _managed_shift(
        self, principal: Principal, shift_id: int, writable: bool = True, allow_deleted: bool = False
    ) -> tuple[Shift, Roster]:
        shift, roster = self._shift_and_roster(shift_id, allow_deleted)
        policy.require_department_manager(principal, roster.enterprise_id, roster.department_id, "Shift")
        if writable:
            roster.check_writable()
        return shift, roster

    def _shift_and_roster(self, shift_id: int, allow_deleted: bool = False) -> tuple[Shift, Roster]:
        shift = self._events.find(Shift.create_id(shift_id), Shift)
        if shift is None or (shift.is_deleted and not allow_deleted):
            raise NotFound("Shift not found")
        roster = self._events.find(Roster.create_id(shift.roster_id), Roster)
        if roster is None:
            raise NotFound("Shift not found")
        return shift, roster

    def _member(self, roster: Roster, employee_id: int) -> UserView:
        user = self._directory.user(employee_id)
        if (
            user is None or not user.is_active or user.enterprise_id != roster.enterprise_id
            or user.role == Role.SYSTEM_ADMIN.value
        ):
            raise RuleViolation("The employee is not an active member of this enterprise", field="employee_id")
        if user.role == Role.AUDITOR.value:
            raise RuleViolation("An auditor reads rosters and works no shifts", field="employee_id")
        return user

    def _members(self, roster: Roster) -> list[UserView]:
        """Who auto-assign and the availability list consider: the department's active staff."""
        members = self._directory.users(
            UserFilter(enterprise_id=roster.enterprise_id, department_id=roster.department_id, is_active=True),
            Page(number=1, size=100_000),
        ).items
        return [m for m in members if m.role in (Role.EMPLOYEE.value, Role.MANAGER.value)]

    def _view(self, assignment_id: int) -> AssignmentView:
        view = self._queries.assignment(assignment_id)
        if view is None:
            raise NotFound("Assignment not found")
        return view
