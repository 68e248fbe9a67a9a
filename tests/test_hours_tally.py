"""The hours report's arithmetic and rules, without storage: overtime per employee and week,
the hours rules' single entry point, and the report's window."""

from __future__ import annotations

from datetime import date

import pytest

from domain.hours import HoursLimits
from application.hours_report import MAX_DAYS, check_window, default_range, weekly_limit_and_week_start
from application.hours_tally import Window, allowed_by_week, tally, week_of, weekly_overtime
from application.hours_views import DayShifts, HoursFigures, Person, RosterSpan, StatusSum, WeekLoad
from domain.errors import RuleViolation

EMPLOYEE = 7


def span(roster_id: int, start: str, end: str) -> RosterSpan:
    return RosterSpan(roster_id, start, end, {})


def test_weeks_start_on_the_given_weekday() -> None:
    assert week_of(date(2026, 3, 29), 0) == date(2026, 3, 23)  # a Sunday: the Monday before
    assert week_of(date(2026, 3, 30), 0) == date(2026, 3, 30)
    assert week_of(date(2026, 3, 30), 6) == date(2026, 3, 29)  # weeks from Sunday


def test_the_minutes_past_the_weeks_limit_are_overtime() -> None:
    weeks = [WeekLoad(EMPLOYEE, "2026-05-04", 0, 24 * 60), WeekLoad(8, "2026-05-04", 0, 16 * 60)]
    assert weekly_overtime(weeks, {"2026-05-04": 20 * 60}) == {(EMPLOYEE, "2026-05-04"): 240}


def test_a_week_without_a_limit_has_no_overtime() -> None:
    assert weekly_overtime([WeekLoad(EMPLOYEE, "2026-05-04", 0, 80 * 60)], {"2026-05-11": 60}) == {}


def test_minutes_before_the_range_come_first_and_only_what_passes_the_limit_after_them_counts() -> None:
    allowed = {"2026-05-04": 20 * 60}
    # 16 h on Monday and Tuesday (before a range starting Wednesday), 8 h on Wednesday: 4 h over.
    assert weekly_overtime([WeekLoad(EMPLOYEE, "2026-05-04", 16 * 60, 8 * 60)], allowed) == {
        (EMPLOYEE, "2026-05-04"): 240}
    # Already 24 h before the range: every minute of the range is over, and only those.
    assert weekly_overtime([WeekLoad(EMPLOYEE, "2026-05-04", 24 * 60, 8 * 60)], allowed) == {
        (EMPLOYEE, "2026-05-04"): 480}


def test_a_weeks_limit_is_the_smallest_of_the_rosters_covering_a_day_of_it() -> None:
    rosters = [span(1, "2026-04-01", "2026-04-30"), span(2, "2026-05-01", "2026-05-31"),
               span(3, "2026-06-01", "2026-06-30")]
    allowed = allowed_by_week(rosters, {1: 40.0, 2: 37.5, 3: None}, date(2026, 4, 27), date(2026, 6, 7), 0)
    assert allowed["2026-04-27"] == 37.5 * 60  # April 27 to May 3: both April's and May's rosters
    assert allowed["2026-05-04"] == 37.5 * 60
    assert allowed["2026-05-25"] == 37.5 * 60  # May 25 to 31
    assert "2026-06-01" not in allowed  # June has no limit
    assert allowed_by_week(rosters, {}, date(2026, 4, 27), date(2026, 6, 7), 0) == {}


def test_the_rules_come_from_max_hours_per_week_and_weeks_start_on_monday() -> None:
    limits, week_start = weekly_limit_and_week_start({
        1: {"max_hours_per_week": 40}, 2: {}, 3: {"max_hours_per_week": None}, 4: {"max_hours_per_week": 37.5},
        5: {"max_hours_per_week": True}, 6: {"max_hours_per_week": "40"}, 7: {"max_hours_per_week": 0},
    }, None)
    assert limits == {1: 40.0, 2: None, 3: None, 4: 37.5, 5: None, 6: None, 7: None}
    assert week_start == 0


def test_a_roster_without_a_limit_takes_its_enterprises_default_and_week_start() -> None:
    defaults = HoursLimits(max_hours_per_week=30, max_consecutive_days=None, week_starts_on="sunday")
    limits, week_start = weekly_limit_and_week_start({1: {"max_hours_per_week": 40}, 2: {}}, defaults)
    assert limits == {1: 40.0, 2: 30.0}
    assert week_start == 6


def test_declined_and_pending_hours_are_counted_apart_from_confirmed_ones() -> None:
    figures = HoursFigures(
        days=[DayShifts("2026-05-04", 1, 1, 450), DayShifts("2026-05-05", 1, 0, 0)],
        sums=[StatusSum("2026-05-04", "pending", 1, 450), StatusSum("2026-05-04", "confirmed", 1, 450),
              StatusSum("2026-05-05", "declined", 1, 240)],
        allowed={}, week_starts_on=0, weeks=[], day_overtime={}, people={})
    rows, totals = tally(figures, Window(date(2026, 5, 4), date(2026, 5, 5), "day", 0))
    assert [(r.period_start, r.planned_hours, r.confirmed_hours, r.declined_hours, r.open_places, r.open_hours)
            for r in rows] == [("2026-05-04", 15.0, 7.5, 0.0, 1, 7.5), ("2026-05-05", 0.0, 0.0, 4.0, 0, 0.0)]
    assert (totals.planned_hours, totals.confirmed_hours, totals.declined_hours) == (15.0, 7.5, 4.0)


def test_an_employee_row_counts_their_planned_shifts_and_their_weeks_overtime() -> None:
    figures = HoursFigures(
        days=[DayShifts("2026-05-04", 3, 0, 0)],
        sums=[StatusSum(EMPLOYEE, "confirmed", 3, 24 * 60), StatusSum(EMPLOYEE, "declined", 1, 60)],
        allowed={"2026-05-04": 20 * 60}, week_starts_on=0, weeks=[WeekLoad(EMPLOYEE, "2026-05-04", 0, 24 * 60)],
        day_overtime={}, people={EMPLOYEE: Person(EMPLOYEE, "Eve", "eve@x.test")})
    rows, totals = tally(figures, Window(date(2026, 5, 4), date(2026, 5, 10), "employee", 0))
    assert [(r.employee_name, r.shifts, r.planned_hours, r.declined_hours, r.overtime_hours) for r in rows] == [
        ("Eve", 3, 24.0, 1.0, 4.0)]
    assert totals.overtime_hours == 4.0 and totals.shifts == 3


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
