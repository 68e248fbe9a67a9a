"""Unit tests of the rostering aggregates and domain services. No I/O."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import combinations
from typing import Any

import pytest

from domain.assignment import Assignment, AssignmentClosed, AssignmentStatus
from domain.errors import Conflict, PermissionDenied, RuleViolation
from domain.planner import auto_assign
from domain.roster import (
    MAX_ROSTER_DAYS,
    DepartmentCalendar,
    Roster,
    RosterOverlap,
    RosterReadOnly,
    RosterStatus,
)
from domain.schedule import (
    Booking,
    DoubleBooked,
    EmployeeSchedule,
    NotEnoughRest,
    OnTimeOff,
    Rules,
    TimeOffStatus,
    TooManyShifts,
)
from domain.shift import AlreadyOnShift, Shift, ShiftFull, ShiftRemoved
from domain.swap import SwapClosed, SwapRequest, SwapStatus
from domain.templates import DEFAULT_TEMPLATES, generate
from domain.timeslots import Interval, shift_interval

MONDAY = date(2024, 1, 1)  # a Monday
MANAGER = 1

# -- helpers ------------------------------------------------------------------


def new_roster(**overrides: Any) -> Roster:
    fields: dict[str, Any] = {
        "roster_id": 1, "department_id": 10, "enterprise_id": 100, "name": "January",
        "description": None, "start_date": MONDAY, "end_date": MONDAY + timedelta(days=6),
        "settings": {}, "by": MANAGER,
    }
    fields.update(overrides)
    return Roster.plan(**fields)


def new_shift(
    shift_id: int = 1, day: date = MONDAY, start: time = time(6), end: time = time(14),
    required_staff: int = 1, roster_id: int = 1,
) -> Shift:
    return Shift.plan(
        shift_id=shift_id, roster_id=roster_id, department_id=10, enterprise_id=100, day=day,
        start_time=start, end_time=end, title=f"Shift {shift_id}", description=None,
        required_staff=required_staff, location=None, by=MANAGER,
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant: the shifts of these tests are in UTC, their department's default zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


def span(start: datetime, hours: float) -> Interval:
    return Interval(start, start + timedelta(hours=hours))


def booking(shift_id: int, start: datetime, hours: float = 8, roster_id: int = 1) -> Booking:
    return Booking(shift_id=shift_id, roster_id=roster_id, interval=span(start, hours))


def pending(aggregate: Any) -> list[str]:
    return [type(e).__name__ for e in aggregate._pending_events]


def new_swap(needs_approval: bool = True, **overrides: Any) -> SwapRequest:
    fields: dict[str, Any] = {
        "swap_id": 1, "roster_id": 1, "requester_id": 20, "target_employee_id": 21, "shift_id": 1,
        "assignment_id": 50, "target_shift_id": None, "target_assignment_id": None, "reason": None,
        "message": None, "needs_approval": needs_approval,
    }
    fields.update(overrides)
    return SwapRequest.propose(**fields)


# -- roster dates -------------------------------------------------------------


def test_a_roster_whose_start_is_after_its_end_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        new_roster(start_date=MONDAY, end_date=MONDAY - timedelta(days=1))
    assert refused.value.details["field"] == "end_date"


def test_a_roster_of_a_single_day_is_accepted() -> None:
    roster = new_roster(start_date=MONDAY, end_date=MONDAY)
    assert (roster.start_date, roster.end_date, roster.status) == (MONDAY, MONDAY, "draft")


def test_a_roster_spans_at_most_366_days_inclusive() -> None:
    longest = new_roster(end_date=MONDAY + timedelta(days=MAX_ROSTER_DAYS - 1))
    assert (longest.end_date - longest.start_date).days + 1 == 366
    with pytest.raises(RuleViolation):
        new_roster(end_date=MONDAY + timedelta(days=MAX_ROSTER_DAYS))


def test_a_roster_name_is_stripped_and_must_not_be_blank() -> None:
    assert new_roster(name="  Week 1  ").name == "Week 1"
    with pytest.raises(RuleViolation):
        new_roster(name="   ")


def test_roster_settings_are_merged_with_the_defaults_and_checked() -> None:
    roster = new_roster(settings={"max_shifts_per_person": 3})
    assert roster.settings["max_shifts_per_person"] == 3
    assert roster.settings["min_rest_hours"] == 10
    with pytest.raises(RuleViolation):
        new_roster(settings={"assignment_strategy": "random"})
    with pytest.raises(RuleViolation):
        new_roster(settings={"max_shifts_per_person": 0})
    with pytest.raises(RuleViolation):
        new_roster(settings={"min_rest_hours": 49})


# -- roster status workflow -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ["published"],
        ["published", "draft"],
        ["published", "draft", "published", "approved"],
        ["published", "approved", "archived"],
    ],
)
def test_the_roster_workflow_allows_these_paths(path: list[str]) -> None:
    roster = new_roster()
    for status in path:
        roster.change_status(RosterStatus(status), by=MANAGER)
    assert roster.status == path[-1]
    assert pending(roster).count("StatusChanged") == len(path)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "approved"),
        ([], "archived"),
        ([], "draft"),
        (["published"], "archived"),
        (["published"], "published"),
        (["published", "approved"], "draft"),
        (["published", "approved"], "published"),
        (["published", "approved", "archived"], "draft"),
        (["published", "approved", "archived"], "published"),
        (["published", "approved", "archived"], "approved"),
    ],
)
def test_the_roster_workflow_refuses_other_transitions_and_changes_nothing(
    path: list[str], refused: str
) -> None:
    roster = new_roster()
    for status in path:
        roster.change_status(RosterStatus(status), by=MANAGER)
    before = roster.status
    with pytest.raises(Conflict):
        roster.change_status(RosterStatus(refused), by=MANAGER)
    assert roster.status == before


def archived_roster() -> Roster:
    roster = new_roster()
    roster.add_shift(1, MONDAY, by=MANAGER)
    for status in ("published", "approved", "archived"):
        roster.change_status(RosterStatus(status), by=MANAGER)
    return roster


def test_an_archived_roster_refuses_new_shifts() -> None:
    roster = archived_roster()
    with pytest.raises(RosterReadOnly):
        roster.add_shift(2, MONDAY, by=MANAGER)
    assert list(roster.shift_dates) == [1]


def test_an_archived_roster_refuses_revision() -> None:
    roster = archived_roster()
    with pytest.raises(RosterReadOnly):
        roster.revise(name="Renamed", description=None, start_date=None, end_date=None,
                      settings=None, by=MANAGER)
    assert roster.name == "January"


def test_an_archived_roster_cannot_be_deleted() -> None:
    roster = archived_roster()
    with pytest.raises(RosterReadOnly):
        roster.delete(by=MANAGER)
    assert not roster.is_deleted and not roster.is_live


def test_an_archived_roster_refuses_moving_and_removing_shifts() -> None:
    roster = archived_roster()
    with pytest.raises(RosterReadOnly):
        roster.move_shift(1, MONDAY + timedelta(days=1), by=MANAGER)
    with pytest.raises(RosterReadOnly):
        roster.remove_shift(1, by=MANAGER)
    assert roster.shift_dates == {1: MONDAY}


def test_a_deleted_roster_refuses_status_changes_and_shifts() -> None:
    roster = new_roster()
    roster.delete(by=MANAGER)
    with pytest.raises(RosterReadOnly):
        roster.change_status(RosterStatus.PUBLISHED, by=MANAGER)
    with pytest.raises(RosterReadOnly):
        roster.add_shift(1, MONDAY, by=MANAGER)


# -- roster shifts and revision ---------------------------------------------------


@pytest.mark.parametrize("offset", [-1, 7, 100])
def test_a_shift_outside_the_roster_dates_is_refused(offset: int) -> None:
    roster = new_roster()
    with pytest.raises(RuleViolation) as refused:
        roster.add_shift(1, MONDAY + timedelta(days=offset), by=MANAGER)
    assert refused.value.details["field"] == "date"
    assert roster.shift_dates == {}


def test_shifts_on_the_first_and_last_roster_day_are_accepted() -> None:
    roster = new_roster()
    roster.add_shift(1, roster.start_date, by=MANAGER)
    roster.add_shift(2, roster.end_date, by=MANAGER)
    assert roster.shift_dates == {1: roster.start_date, 2: roster.end_date}


def test_revise_refuses_a_range_that_leaves_existing_shifts_outside() -> None:
    roster = new_roster()
    roster.add_shift(1, MONDAY + timedelta(days=1), by=MANAGER)
    roster.add_shift(2, MONDAY + timedelta(days=5), by=MANAGER)
    with pytest.raises(Conflict) as refused:
        roster.revise(name=None, description=None, start_date=MONDAY + timedelta(days=2),
                      end_date=None, settings=None, by=MANAGER)
    assert refused.value.details["first_shift_date"] == (MONDAY + timedelta(days=1)).isoformat()
    with pytest.raises(Conflict):
        roster.revise(name=None, description=None, start_date=None,
                      end_date=MONDAY + timedelta(days=4), settings=None, by=MANAGER)
    assert (roster.start_date, roster.end_date) == (MONDAY, MONDAY + timedelta(days=6))


def test_revise_accepts_a_range_that_still_holds_every_shift() -> None:
    roster = new_roster()
    roster.add_shift(1, MONDAY + timedelta(days=1), by=MANAGER)
    roster.revise(name=None, description=None, start_date=MONDAY + timedelta(days=1),
                  end_date=MONDAY + timedelta(days=1), settings={"min_rest_hours": 8}, by=MANAGER)
    assert (roster.start_date, roster.end_date) == (MONDAY + timedelta(days=1),) * 2
    assert roster.settings["min_rest_hours"] == 8


def test_revise_checks_the_new_dates_too() -> None:
    roster = new_roster()
    with pytest.raises(RuleViolation):
        roster.revise(name=None, description=None, start_date=MONDAY + timedelta(days=10),
                      end_date=None, settings=None, by=MANAGER)


def test_a_removed_shift_no_longer_pins_the_roster_dates() -> None:
    roster = new_roster()
    roster.add_shift(1, MONDAY + timedelta(days=6), by=MANAGER)
    roster.remove_shift(1, by=MANAGER)
    roster.revise(name=None, description=None, start_date=None, end_date=MONDAY, settings=None,
                  by=MANAGER)
    assert roster.end_date == MONDAY


# -- department calendar -----------------------------------------------------------


def test_the_calendar_refuses_an_overlapping_range_of_another_roster() -> None:
    calendar = DepartmentCalendar(department_id=10)
    calendar.reserve(1, MONDAY, MONDAY + timedelta(days=6))
    with pytest.raises(RosterOverlap) as refused:
        calendar.reserve(2, MONDAY + timedelta(days=6), MONDAY + timedelta(days=13))
    assert refused.value.details["conflicting_roster_id"] == 1
    assert 2 not in calendar.ranges


def test_the_calendar_accepts_an_adjacent_range_and_the_same_roster_moving() -> None:
    calendar = DepartmentCalendar(department_id=10)
    calendar.reserve(1, MONDAY, MONDAY + timedelta(days=6))
    calendar.reserve(2, MONDAY + timedelta(days=7), MONDAY + timedelta(days=13))
    calendar.reserve(1, MONDAY - timedelta(days=3), MONDAY + timedelta(days=6))
    assert calendar.ranges[1] == (MONDAY - timedelta(days=3), MONDAY + timedelta(days=6))


def test_reserving_the_same_range_again_records_nothing() -> None:
    calendar = DepartmentCalendar(department_id=10)
    calendar.reserve(1, MONDAY, MONDAY)
    before = len(pending(calendar))
    calendar.reserve(1, MONDAY, MONDAY)
    assert len(pending(calendar)) == before


def test_releasing_a_roster_frees_its_dates_for_another() -> None:
    calendar = DepartmentCalendar(department_id=10)
    calendar.reserve(1, MONDAY, MONDAY + timedelta(days=6))
    calendar.release(1)
    calendar.reserve(2, MONDAY + timedelta(days=2), MONDAY + timedelta(days=3))
    assert calendar.ranges == {2: (MONDAY + timedelta(days=2), MONDAY + timedelta(days=3))}
    before = len(pending(calendar))
    calendar.release(1)  # nothing held any more
    assert len(pending(calendar)) == before


# -- shift times -----------------------------------------------------------------


def test_a_night_shift_from_22_to_06_ends_the_next_day_after_8_hours() -> None:
    night = shift_interval(MONDAY, time(22), time(6), "UTC")
    assert night.start == at(MONDAY, 22)
    assert night.end == at(MONDAY + timedelta(days=1), 6)
    assert night.hours == 8


def test_a_day_shift_ends_the_same_day() -> None:
    day = shift_interval(MONDAY, time(6), time(14), "UTC")
    assert (day.start, day.end, day.hours) == (at(MONDAY, 6), at(MONDAY, 14), 8)


def test_the_gap_between_intervals_is_symmetric_and_zero_when_touching_or_overlapping() -> None:
    morning = shift_interval(MONDAY, time(6), time(14), "UTC")
    afternoon = shift_interval(MONDAY, time(14), time(22), "UTC")
    night = shift_interval(MONDAY, time(22), time(6), "UTC")
    next_morning = shift_interval(MONDAY + timedelta(days=1), time(6), time(14), "UTC")
    assert morning.gap_to(afternoon) == afternoon.gap_to(morning) == timedelta(0)
    assert not morning.overlaps(afternoon)
    assert morning.gap_to(night) == night.gap_to(morning) == timedelta(hours=8)
    assert morning.gap_to(next_morning) == timedelta(hours=16)
    assert night.overlaps(next_morning) is False and night.gap_to(next_morning) == timedelta(0)
    long = span(at(MONDAY, 5), 20)
    assert long.overlaps(afternoon) and long.gap_to(afternoon) == timedelta(0)


# -- shifts ------------------------------------------------------------------------


def test_a_shift_cannot_start_and_end_at_the_same_time() -> None:
    with pytest.raises(RuleViolation):
        new_shift(start=time(9), end=time(9))


def test_taking_a_place_on_a_full_shift_raises_shift_full() -> None:
    shift = new_shift(required_staff=2)
    shift.take_place(1, 20, by=MANAGER)
    shift.take_place(2, 21, by=MANAGER)
    with pytest.raises(ShiftFull) as refused:
        shift.take_place(3, 22, by=MANAGER)
    assert refused.value.details["required_staff"] == 2
    assert shift.slots == {1: 20, 2: 21} and shift.open_places == 0


def test_the_same_employee_cannot_take_two_places_on_one_shift() -> None:
    shift = new_shift(required_staff=3)
    shift.take_place(1, 20, by=MANAGER)
    with pytest.raises(AlreadyOnShift):
        shift.take_place(2, 20, by=MANAGER)
    assert shift.slots == {1: 20}


def test_freeing_a_place_opens_it_for_someone_else() -> None:
    shift = new_shift(required_staff=1)
    shift.take_place(1, 20, by=MANAGER)
    shift.free_place(1, by=MANAGER)
    shift.take_place(2, 21, by=MANAGER)
    assert shift.slots == {2: 21}


def test_a_deleted_shift_takes_no_places() -> None:
    shift = new_shift()
    shift.take_place(1, 20, by=MANAGER)
    shift.delete(by=MANAGER)
    assert shift.slots == {}
    with pytest.raises(ShiftRemoved):
        shift.take_place(2, 21, by=MANAGER)


def revise(shift: Shift, **changes: Any) -> None:
    fields: dict[str, Any] = {"day": None, "start_time": None, "end_time": None, "title": None,
                                  "description": None, "required_staff": None, "location": None, "by": MANAGER}
    fields.update(changes)
    shift.revise(**fields)


def test_revise_refuses_required_staff_below_the_assigned_count() -> None:
    shift = new_shift(required_staff=3)
    shift.take_place(1, 20, by=MANAGER)
    shift.take_place(2, 21, by=MANAGER)
    with pytest.raises(Conflict) as refused:
        revise(shift, required_staff=1)
    assert refused.value.details["assigned_staff"] == 2
    assert shift.required_staff == 3
    revise(shift, required_staff=2)
    assert shift.required_staff == 2 and shift.open_places == 0


@pytest.mark.parametrize(
    "change",
    [
        {"start_time": time(7)},
        {"end_time": time(15)},
        {"day": MONDAY + timedelta(days=1)},
    ],
)
def test_revise_refuses_moving_a_staffed_shift_in_time(change: dict[str, Any]) -> None:
    shift = new_shift()
    shift.take_place(1, 20, by=MANAGER)
    with pytest.raises(Conflict):
        revise(shift, **change)
    assert (shift.day, shift.start_time, shift.end_time) == (MONDAY, time(6), time(14))


def test_revise_of_a_staffed_shift_may_change_its_title_and_keep_its_time() -> None:
    shift = new_shift()
    shift.take_place(1, 20, by=MANAGER)
    revise(shift, title="Early", start_time=time(6))
    assert shift.title == "Early"


def test_revise_moves_an_empty_shift_in_time() -> None:
    shift = new_shift()
    revise(shift, start_time=time(22), end_time=time(6))
    assert shift.interval.end == at(MONDAY + timedelta(days=1), 6)


# -- employee schedules ----------------------------------------------------------------


RULES = Rules(min_rest_hours=10, max_shifts_per_roster=None)


def schedule_with(*bookings: Booking) -> EmployeeSchedule:
    schedule = EmployeeSchedule(employee_id=20)
    for number, b in enumerate(bookings, start=1):
        schedule.book(number, b, Rules(min_rest_hours=0))
    return schedule


def test_an_overlapping_booking_is_double_booked() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 6)))
    with pytest.raises(DoubleBooked) as refused:
        schedule.check(booking(2, at(MONDAY, 13)), RULES)
    assert refused.value.details["conflicting_shift_id"] == 1


def test_double_booking_is_detected_across_rosters() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 6), roster_id=1))
    with pytest.raises(DoubleBooked):
        schedule.check(booking(2, at(MONDAY, 10), roster_id=2), RULES)


def test_a_booking_closer_than_the_rest_period_is_refused_on_either_side() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 6)))  # ends 14:00
    with pytest.raises(NotEnoughRest) as refused:
        schedule.check(booking(2, at(MONDAY, 23, 59)), RULES)
    assert refused.value.details["min_rest_hours"] == 10
    with pytest.raises(NotEnoughRest):  # ends 20:01 the day before, 9h59 before 06:00
        schedule.check(booking(3, at(MONDAY - timedelta(days=1), 12, 1)), RULES)


def test_a_booking_exactly_at_the_rest_boundary_is_allowed() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 6)))  # ends 14:00
    schedule.check(booking(2, at(MONDAY + timedelta(days=1), 0)), RULES)  # 10h later
    schedule.check(booking(3, at(MONDAY - timedelta(days=1), 12)), RULES)  # ends 20:00, 10h before


def test_touching_shifts_need_rest_unless_the_rest_period_is_zero() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 6)))
    with pytest.raises(NotEnoughRest):
        schedule.check(booking(2, at(MONDAY, 14)), RULES)
    schedule.check(booking(2, at(MONDAY, 14)), Rules(min_rest_hours=0))


def test_the_shift_limit_counts_only_the_same_roster() -> None:
    schedule = schedule_with(
        booking(1, at(MONDAY, 6), roster_id=1),
        booking(2, at(MONDAY + timedelta(days=1), 6), roster_id=1),
        booking(3, at(MONDAY + timedelta(days=2), 6), roster_id=2),
        booking(4, at(MONDAY + timedelta(days=3), 6), roster_id=2),
    )
    rules = Rules(min_rest_hours=10, max_shifts_per_roster=2)
    with pytest.raises(TooManyShifts) as refused:
        schedule.check(booking(5, at(MONDAY + timedelta(days=5), 6), roster_id=1), rules)
    assert refused.value.details["max_shifts_per_person"] == 2
    schedule.check(booking(6, at(MONDAY + timedelta(days=5), 6), roster_id=3), rules)
    schedule.check(booking(5, at(MONDAY + timedelta(days=5), 6), roster_id=1),
                   Rules(min_rest_hours=10, max_shifts_per_roster=3))


def test_ignored_bookings_do_not_count_against_a_new_one() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 6)))
    schedule.check(booking(2, at(MONDAY, 6)), RULES, ignoring=frozenset({1}))


def whole_day(day: date) -> Interval:
    return Interval(at(day, 0), at(day + timedelta(days=1), 0))


@pytest.mark.parametrize(
    ("decision", "blocks"),
    [(None, False), ("approve", True), ("reject", False), ("cancel", False)],
)
def test_only_approved_time_off_blocks_a_booking(decision: str | None, blocks: bool) -> None:
    schedule = EmployeeSchedule(employee_id=20)
    schedule.request_time_off(7, whole_day(MONDAY), "Holiday")
    if decision == "approve":
        schedule.decide_time_off(7, True, by=MANAGER)
    elif decision == "reject":
        schedule.decide_time_off(7, False, by=MANAGER)
    elif decision == "cancel":
        schedule.cancel_time_off(7, by=20)
    if blocks:
        with pytest.raises(OnTimeOff) as refused:
            schedule.check(booking(1, at(MONDAY, 22)), RULES)
        assert refused.value.details["time_off_id"] == 7
    else:
        schedule.check(booking(1, at(MONDAY, 22)), RULES)


def test_approved_time_off_does_not_block_a_booking_after_it() -> None:
    schedule = EmployeeSchedule(employee_id=20)
    schedule.request_time_off(7, whole_day(MONDAY), None)
    schedule.decide_time_off(7, True, by=MANAGER)
    schedule.check(booking(1, at(MONDAY + timedelta(days=1), 0)), RULES)


def test_time_off_cannot_be_approved_over_a_booked_shift_but_can_be_rejected() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 22)))  # runs into Tuesday
    schedule.request_time_off(7, whole_day(MONDAY + timedelta(days=1)), None)
    with pytest.raises(Conflict) as refused:
        schedule.decide_time_off(7, True, by=MANAGER)
    assert refused.value.details["conflicting_shift_id"] == 1
    assert schedule.time_off[7][1] == TimeOffStatus.REQUESTED.value
    schedule.decide_time_off(7, False, by=MANAGER)
    assert schedule.time_off[7][1] == TimeOffStatus.REJECTED.value


def test_time_off_can_be_approved_once_the_booking_is_released() -> None:
    schedule = schedule_with(booking(1, at(MONDAY, 6)))
    schedule.request_time_off(7, whole_day(MONDAY), None)
    schedule.release(1)
    schedule.decide_time_off(7, True, by=MANAGER)
    assert schedule.time_off[7][1] == "approved"


def test_a_time_off_request_is_decided_only_once() -> None:
    schedule = EmployeeSchedule(employee_id=20)
    schedule.request_time_off(7, whole_day(MONDAY), None)
    schedule.decide_time_off(7, False, by=MANAGER)
    with pytest.raises(Conflict):
        schedule.decide_time_off(7, True, by=MANAGER)
    with pytest.raises(RuleViolation):
        schedule.decide_time_off(8, True, by=MANAGER)


def test_time_off_must_end_after_it_starts() -> None:
    schedule = EmployeeSchedule(employee_id=20)
    with pytest.raises(RuleViolation):
        schedule.request_time_off(7, Interval(at(MONDAY, 9), at(MONDAY, 9)), None)


# -- assignments -------------------------------------------------------------------------


def new_assignment() -> Assignment:
    return Assignment(assignment_id=50, shift_id=1, roster_id=1, employee_id=20, by=MANAGER)


def test_a_new_assignment_is_pending_and_active() -> None:
    assignment = new_assignment()
    assert assignment.status == "pending" and assignment.is_active


def test_a_pending_assignment_can_be_confirmed_then_declined() -> None:
    assignment = new_assignment()
    assignment.answer(AssignmentStatus.CONFIRMED, "See you", by=20)
    assert (assignment.status, assignment.notes, assignment.is_active) == ("confirmed", "See you", True)
    assignment.answer(AssignmentStatus.DECLINED, None, by=20)
    assert assignment.status == "declined" and not assignment.is_active


def test_answering_the_same_way_twice_records_nothing_new() -> None:
    assignment = new_assignment()
    assignment.answer(AssignmentStatus.CONFIRMED, None, by=20)
    assignment.answer(AssignmentStatus.CONFIRMED, None, by=20)
    assert pending(assignment) == ["Made", "Answered"]


def test_an_answer_must_be_confirmed_or_declined() -> None:
    assignment = new_assignment()
    for status in (AssignmentStatus.PENDING, AssignmentStatus.REMOVED):
        with pytest.raises(RuleViolation):
            assignment.answer(status, None, by=20)
    assert assignment.status == "pending"


@pytest.mark.parametrize("close", ["decline", "remove"])
def test_a_closed_assignment_refuses_every_change(close: str) -> None:
    assignment = new_assignment()
    if close == "decline":
        assignment.answer(AssignmentStatus.DECLINED, None, by=20)
    else:
        assignment.remove(by=MANAGER)
    closed = assignment.status
    for attempt in (
        lambda: assignment.answer(AssignmentStatus.CONFIRMED, None, by=20),
        lambda: assignment.answer(AssignmentStatus.DECLINED, "again", by=20),
        lambda: assignment.remove(by=MANAGER),
        lambda: assignment.hand_over(21, by=MANAGER),
    ):
        with pytest.raises(AssignmentClosed) as refused:
            attempt()
        assert refused.value.details["status"] == closed
    assert assignment.status == closed


def test_handing_over_a_confirmed_assignment_makes_it_pending_for_the_new_employee() -> None:
    assignment = new_assignment()
    assignment.answer(AssignmentStatus.CONFIRMED, "ok", by=20)
    assignment.hand_over(21, by=MANAGER)
    assert (assignment.employee_id, assignment.status) == (21, "pending")


def test_answer_notes_are_at_most_2000_characters() -> None:
    assignment = new_assignment()
    with pytest.raises(RuleViolation):
        assignment.answer(AssignmentStatus.CONFIRMED, "n" * 2001, by=20)
    assignment.answer(AssignmentStatus.CONFIRMED, "n" * 2000, by=20)


# -- swap requests -----------------------------------------------------------------------


def test_nobody_can_swap_with_themselves_or_for_the_same_shift() -> None:
    with pytest.raises(RuleViolation):
        new_swap(target_employee_id=20)
    with pytest.raises(RuleViolation):
        new_swap(target_shift_id=1, target_assignment_id=51)


def test_only_the_target_may_respond() -> None:
    swap = new_swap()
    for someone in (20, 22, MANAGER):
        with pytest.raises(PermissionDenied):
            swap.respond(True, by=someone)
    assert swap.status == "pending"


def test_a_target_accepting_a_swap_that_needs_approval_waits_for_the_manager() -> None:
    swap = new_swap(needs_approval=True)
    assert swap.respond(True, by=21) is False
    assert swap.status == SwapStatus.ACCEPTED.value
    assert swap.decide(True, by=MANAGER) is True
    swap.complete(by=MANAGER)
    assert swap.status == SwapStatus.APPROVED.value


def test_a_target_accepting_a_swap_without_approval_carries_it_out_at_once() -> None:
    swap = new_swap(needs_approval=False)
    assert swap.respond(True, by=21) is True
    swap.complete(by=21)
    assert swap.status == "approved"


def test_a_target_declining_rejects_the_swap_for_good() -> None:
    swap = new_swap()
    assert swap.respond(False, by=21, note="No thanks") is False
    assert swap.status == "rejected"
    with pytest.raises(SwapClosed):
        swap.respond(True, by=21)
    with pytest.raises(SwapClosed):
        swap.decide(True, by=MANAGER)
    with pytest.raises(SwapClosed):
        swap.cancel(by=20)


def test_a_manager_cannot_approve_before_the_target_accepts_but_can_reject() -> None:
    swap = new_swap()
    with pytest.raises(Conflict):
        swap.decide(True, by=MANAGER)
    assert swap.status == "pending"
    assert swap.decide(False, by=MANAGER) is False
    assert swap.status == "rejected"


def test_a_manager_can_reject_an_accepted_swap() -> None:
    swap = new_swap()
    swap.respond(True, by=21)
    assert swap.decide(False, by=MANAGER) is False
    assert swap.status == "rejected"


@pytest.mark.parametrize("accepted", [False, True])
def test_only_the_requester_may_cancel_an_open_swap(accepted: bool) -> None:
    swap = new_swap()
    if accepted:
        swap.respond(True, by=21)
    for someone in (21, MANAGER):
        with pytest.raises(PermissionDenied):
            swap.cancel(by=someone)
    swap.cancel(by=20)
    assert swap.status == "cancelled"
    with pytest.raises(SwapClosed):
        swap.cancel(by=20)
    with pytest.raises(SwapClosed):
        swap.respond(True, by=21)


def test_an_approved_swap_cannot_be_cancelled_or_decided_again() -> None:
    swap = new_swap(needs_approval=False)
    swap.respond(True, by=21)
    swap.complete(by=21)
    with pytest.raises(SwapClosed):
        swap.cancel(by=20)
    with pytest.raises(SwapClosed):
        swap.decide(False, by=MANAGER)
    with pytest.raises(SwapClosed):
        swap.complete(by=MANAGER)


# -- auto-assign -----------------------------------------------------------------------------


def counter(start: int = 1000) -> Any:
    state = {"next": start}

    def next_id() -> int:
        state["next"] += 1
        return state["next"]

    return next_id


def template_shifts(key: str, first: date, last: date, required_staff: int | None = None) -> list[Shift]:
    return [
        new_shift(shift_id=number, day=day, start=t.start_time, end=t.end_time,
                  required_staff=required_staff or t.required_staff)
        for number, (day, t) in enumerate(generate(DEFAULT_TEMPLATES[key][1], first, last), start=1)
    ]


def schedules_for(*employees: int) -> dict[int, EmployeeSchedule]:
    return {e: EmployeeSchedule(employee_id=e) for e in employees}


def assert_rules_hold(schedules: dict[int, EmployeeSchedule], rules: Rules) -> None:
    for schedule in schedules.values():
        for a, b in combinations(schedule.bookings.values(), 2):
            assert not a.interval.overlaps(b.interval), f"employee {schedule.employee_id} double-booked"
            assert a.interval.gap_to(b.interval) >= timedelta(hours=rules.min_rest_hours)


def test_auto_assign_fills_every_place_when_there_are_enough_staff() -> None:
    shifts = template_shifts("standard_8hour", MONDAY, MONDAY + timedelta(days=2), required_staff=2)
    schedules = schedules_for(20, 21, 22, 23, 24, 25, 26, 27)
    plan = auto_assign(shifts, schedules, RULES, 1, counter(), by=MANAGER)
    assert plan.unfilled == []
    assert len(plan.placements) == 2 * len(shifts) == 18
    assert all(s.open_places == 0 for s in shifts)
    assert len({aid for aid, _, _ in plan.placements}) == 18
    for aid, shift, employee in plan.placements:
        assert shift.slots[aid] == employee
        assert schedules[employee].bookings[aid].shift_id == shift.shift_id
    assert_rules_hold(schedules, RULES)


@pytest.mark.parametrize("strategy", ["balanced", "round_robin"])
def test_auto_assign_never_double_books_or_breaks_the_rest_rule(strategy: str) -> None:
    shifts = template_shifts("standard_8hour", MONDAY, MONDAY + timedelta(days=3))
    # Overlapping extras in the same hours as the regular shifts.
    shifts += [new_shift(shift_id=100 + i, day=MONDAY + timedelta(days=i), start=time(8),
                         end=time(20), required_staff=2) for i in range(4)]
    schedules = schedules_for(20, 21, 22)
    plan = auto_assign(shifts, schedules, RULES, 1, counter(), by=MANAGER, strategy=strategy)
    assert plan.placements, "something should be placed"
    assert plan.unfilled, "three people cannot cover all of this"
    assert_rules_hold(schedules, RULES)
    placed = sum(len(s.slots) for s in shifts)
    assert placed == len(plan.placements) == sum(len(s.bookings) for s in schedules.values())


def test_balanced_auto_assign_spreads_hours_within_one_shift_length() -> None:
    shifts = template_shifts("standard_8hour", MONDAY, MONDAY + timedelta(days=2))
    schedules = schedules_for(20, 21, 22, 23)
    plan = auto_assign(shifts, schedules, RULES, 1, counter(), by=MANAGER, strategy="balanced")
    assert plan.unfilled == []
    hours = [s.hours_in(1) for s in schedules.values()]
    assert sum(hours) == 9 * 8
    assert max(hours) - min(hours) <= 8


def test_balanced_auto_assign_favours_whoever_has_fewest_hours_already() -> None:
    schedules = schedules_for(20, 21, 22)
    schedules[20].book(1, booking(99, at(MONDAY - timedelta(days=3), 6)), RULES)
    schedules[20].book(2, booking(98, at(MONDAY - timedelta(days=2), 6)), RULES)
    shifts = template_shifts("business_hours", MONDAY, MONDAY + timedelta(days=1))
    plan = auto_assign(shifts, schedules, RULES, 1, counter(), by=MANAGER, strategy="balanced")
    assert [employee for _, _, employee in plan.placements] == [21, 22]


def test_round_robin_auto_assign_rotates_through_the_employees_in_order() -> None:
    schedules = schedules_for(22, 20, 21)
    schedules[20].book(1, booking(99, at(MONDAY - timedelta(days=3), 6)), RULES)  # hours do not matter
    shifts = template_shifts("business_hours", MONDAY, MONDAY + timedelta(days=6))  # 5 weekdays
    plan = auto_assign(shifts, schedules, RULES, 1, counter(), by=MANAGER, strategy="round_robin")
    assert [employee for _, _, employee in plan.placements] == [20, 21, 22, 20, 21]


def test_round_robin_skips_an_employee_who_cannot_work_and_carries_on_after_the_chosen_one() -> None:
    schedules = schedules_for(20, 21, 22)
    schedules[21].request_time_off(1, whole_day(MONDAY + timedelta(days=1)), None)
    schedules[21].decide_time_off(1, True, by=MANAGER)
    shifts = template_shifts("business_hours", MONDAY, MONDAY + timedelta(days=3))  # Mon-Thu
    plan = auto_assign(shifts, schedules, RULES, 1, counter(), by=MANAGER, strategy="round_robin")
    # Mon: 20; Tue: 21 is off, so 22; Wed: back to the start, 20; Thu: 21.
    assert [employee for _, _, employee in plan.placements] == [20, 22, 20, 21]


def test_auto_assign_reports_unfilled_places_and_why() -> None:
    schedules = schedules_for(20, 21)
    schedules[21].request_time_off(1, whole_day(MONDAY), "Away")
    schedules[21].decide_time_off(1, True, by=MANAGER)
    shift = new_shift(shift_id=5, required_staff=3)
    plan = auto_assign([shift], schedules, RULES, 1, counter(), by=MANAGER)
    assert [employee for _, _, employee in plan.placements] == [20]
    assert len(plan.unfilled) == 1
    unfilled = plan.unfilled[0]
    assert (unfilled.shift_id, unfilled.date, unfilled.title, unfilled.open_places) == (
        5, MONDAY.isoformat(), "Shift 5", 2,
    )
    assert unfilled.reasons == {"already_on_shift": 1, "on_time_off": 1}


def test_auto_assign_reports_rule_names_for_rest_limit_and_unavailability() -> None:
    schedules = schedules_for(20, 21, 22)
    schedules[20].book(1, booking(90, at(MONDAY, 0), hours=4), RULES)  # ends 04:00: not enough rest
    schedules[21].book(2, booking(91, at(MONDAY - timedelta(days=2), 6)), RULES)  # at the limit
    schedules[22].mark_unavailable(1, whole_day(MONDAY), None)
    shift = new_shift(shift_id=5)
    plan = auto_assign([shift], schedules, Rules(min_rest_hours=10, max_shifts_per_roster=1), 1,
                       counter(), by=MANAGER)
    assert plan.placements == []
    assert plan.unfilled[0].reasons == {"not_enough_rest": 1, "too_many_shifts": 1, "unavailable": 1}


def test_auto_assign_with_nobody_leaves_every_place_open() -> None:
    shifts = template_shifts("12hour", MONDAY, MONDAY)
    plan = auto_assign(shifts, {}, RULES, 1, counter(), by=MANAGER)
    assert plan.placements == []
    assert [u.open_places for u in plan.unfilled] == [1, 1]


def test_auto_assign_skips_deleted_and_already_full_shifts() -> None:
    gone = new_shift(shift_id=1)
    gone.delete(by=MANAGER)
    full = new_shift(shift_id=2, day=MONDAY + timedelta(days=1))
    full.take_place(1, 99, by=MANAGER)
    plan = auto_assign([gone, full], schedules_for(20), RULES, 1, counter(), by=MANAGER)
    assert plan.placements == [] and plan.unfilled == []


# -- templates --------------------------------------------------------------------------------


def test_business_hours_generates_one_shift_per_weekday_and_skips_weekends() -> None:
    generated = generate(DEFAULT_TEMPLATES["business_hours"][1], MONDAY, MONDAY + timedelta(days=13))
    assert len(generated) == 10
    assert all(day.weekday() < 5 for day, _ in generated)
    assert [day for day, _ in generated][:5] == [MONDAY + timedelta(days=i) for i in range(5)]
    assert all((t.start_time, t.end_time) == (time(9), time(17)) for _, t in generated)


def test_business_hours_over_a_weekend_only_generates_nothing() -> None:
    saturday = MONDAY + timedelta(days=5)
    assert generate(DEFAULT_TEMPLATES["business_hours"][1], saturday, saturday + timedelta(days=1)) == []


def test_the_standard_template_generates_three_shifts_a_day_in_order() -> None:
    generated = generate(DEFAULT_TEMPLATES["standard_8hour"][1], MONDAY, MONDAY + timedelta(days=1))
    assert [(day, t.title) for day, t in generated] == [
        (MONDAY, "Morning Shift"), (MONDAY, "Afternoon Shift"), (MONDAY, "Night Shift"),
        (MONDAY + timedelta(days=1), "Morning Shift"), (MONDAY + timedelta(days=1), "Afternoon Shift"),
        (MONDAY + timedelta(days=1), "Night Shift"),
    ]
