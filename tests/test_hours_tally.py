"""The hours report's arithmetic and rules, without storage: overtime per employee and week,
the hours rules' single entry point, and the report's window."""

from __future__ import annotations

from datetime import date

import pytest

from application.hours_report import MAX_DAYS, check_window, default_range, weekly_limit_and_week_start
from application.hours_tally import Window, overtime_minutes, tally, week_of
from application.hours_views import HoursData, Person, ShiftHours, Worked
from domain.errors import RuleViolation

EMPLOYEE = 7


def shift(shift_id: int, day: str, hours: float = 8, roster_id: int = 1, start: str = "08:00",
          open_places: int = 0) -> ShiftHours:
    return ShiftHours(shift_id=shift_id, roster_id=roster_id, date=day, start_at=f"{day}T{start}",
                      minutes=int(hours * 60), open_places=open_places)


def week(*shifts: ShiftHours) -> list[tuple[int, ShiftHours]]:
    return [(EMPLOYEE, s) for s in shifts]


def test_weeks_start_on_the_given_weekday() -> None:
    assert week_of(date(2026, 3, 29), 0) == date(2026, 3, 23)  # a Sunday: the Monday before
    assert week_of(date(2026, 3, 30), 0) == date(2026, 3, 30)
    assert week_of(date(2026, 3, 30), 6) == date(2026, 3, 29)  # weeks from Sunday


def test_the_shift_crossing_the_limit_has_only_its_minutes_past_it_as_overtime() -> None:
    shifts = week(shift(1, "2026-05-04"), shift(2, "2026-05-05"), shift(3, "2026-05-06"))
    assert overtime_minutes(shifts, {1: 20}, 0) == {(EMPLOYEE, 3): 240}


def test_every_shift_after_the_limit_is_all_overtime_in_time_order() -> None:
    # Given out of order: the week is taken in time order all the same.
    shifts = week(shift(3, "2026-05-06"), shift(1, "2026-05-04"), shift(2, "2026-05-05"))
    assert overtime_minutes(shifts, {1: 8}, 0) == {(EMPLOYEE, 2): 480, (EMPLOYEE, 3): 480}


def test_hours_of_different_weeks_never_add_up() -> None:
    shifts = week(shift(1, "2026-05-09", 12), shift(2, "2026-05-10", 12), shift(3, "2026-05-11", 12))
    assert overtime_minutes(shifts, {1: 20}, 0) == {(EMPLOYEE, 2): 240}  # Sat + Sun; Monday is a new week
    assert overtime_minutes(shifts, {1: 20}, 6) == {(EMPLOYEE, 3): 240}  # weeks from Sunday: Sun + Mon


def test_the_strictest_limit_of_the_rosters_worked_that_week_holds() -> None:
    shifts = week(shift(1, "2026-05-04", roster_id=1), shift(2, "2026-05-05", roster_id=2))
    assert overtime_minutes(shifts, {1: None, 2: 10}, 0) == {(EMPLOYEE, 2): 360}
    assert overtime_minutes(shifts, {1: None, 2: None}, 0) == {}


def test_each_employee_has_their_own_week() -> None:
    planned = [(1, shift(1, "2026-05-04")), (2, shift(1, "2026-05-04")), (1, shift(2, "2026-05-05"))]
    assert overtime_minutes(planned, {1: 10}, 0) == {(1, 2): 360}


def test_the_rules_come_from_max_hours_per_week_and_weeks_start_on_monday() -> None:
    limits, week_start = weekly_limit_and_week_start({
        1: {"max_hours_per_week": 40}, 2: {}, 3: {"max_hours_per_week": None}, 4: {"max_hours_per_week": 37.5},
        5: {"max_hours_per_week": True}, 6: {"max_hours_per_week": "40"}, 7: {"max_hours_per_week": 0},
    })
    assert limits == {1: 40.0, 2: None, 3: None, 4: 37.5, 5: None, 6: None, 7: None}
    assert week_start == 0


def test_shifts_read_before_the_range_count_towards_its_first_weeks_overtime_only() -> None:
    # The range starts on Wednesday; Monday and Tuesday were read to count the week's hours.
    shifts = [shift(1, "2026-05-04"), shift(2, "2026-05-05"), shift(3, "2026-05-06")]
    data = HoursData(shifts=shifts, worked=[Worked(s.shift_id, EMPLOYEE, "confirmed") for s in shifts],
                     roster_settings={1: {"max_hours_per_week": 20}},
                     people={EMPLOYEE: Person(EMPLOYEE, "Eve", "eve@x.test")})
    rows, totals = tally(data, Window(date(2026, 5, 6), date(2026, 5, 31), "employee", 0), {1: 20.0})
    assert [(r.employee_name, r.shifts, r.planned_hours, r.overtime_hours) for r in rows] == [("Eve", 1, 8.0, 4.0)]
    assert totals.shifts == 1 and totals.overtime_hours == 4.0


def test_declined_and_pending_hours_are_counted_apart_from_confirmed_ones() -> None:
    shifts = [shift(1, "2026-05-04", 7.5, open_places=1), shift(2, "2026-05-05", 4)]
    data = HoursData(shifts=shifts, worked=[Worked(1, 1, "pending"), Worked(1, 2, "confirmed"),
                                            Worked(2, 1, "declined")], roster_settings={}, people={})
    rows, totals = tally(data, Window(date(2026, 5, 4), date(2026, 5, 5), "day", 0), {})
    assert [(r.period_start, r.planned_hours, r.confirmed_hours, r.declined_hours, r.open_places, r.open_hours)
            for r in rows] == [("2026-05-04", 15.0, 7.5, 0.0, 1, 7.5), ("2026-05-05", 0.0, 0.0, 4.0, 0, 0.0)]
    assert (totals.planned_hours, totals.confirmed_hours, totals.declined_hours) == (15.0, 7.5, 4.0)


def test_the_window_takes_a_leap_year_and_not_a_day_more() -> None:
    check_window(date(2028, 1, 1), date(2028, 12, 31), "week")
    with pytest.raises(RuleViolation, match=f"at most {MAX_DAYS} days"):
        check_window(date(2027, 1, 1), date(2028, 1, 2), "week")
    with pytest.raises(RuleViolation, match="on or after"):
        check_window(date(2027, 1, 2), date(2027, 1, 1), "day")
    with pytest.raises(RuleViolation, match="group_by"):
        check_window(date(2027, 1, 1), date(2027, 1, 1), "month")


def test_without_dates_the_report_is_this_month_and_with_one_the_rest_of_its_month() -> None:
    today = date(2028, 2, 14)
    assert default_range(None, None, today) == (date(2028, 2, 1), date(2028, 2, 29))
    assert default_range(date(2027, 12, 10), None, today) == (date(2027, 12, 10), date(2027, 12, 31))
    assert default_range(None, date(2027, 12, 10), today) == (date(2027, 12, 1), date(2027, 12, 10))
    assert default_range(date(2027, 1, 5), date(2027, 3, 1), today) == (date(2027, 1, 5), date(2027, 3, 1))
