"""Working-time limits in the domain: hours in a week and days in a row, across rosters and zones."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.hours_rules import effective_limits, rules_of
from domain.errors import RuleViolation
from domain.hours import (
    HoursLimits,
    TooManyConsecutiveDays,
    TooManyHours,
    local_day,
    run_around,
    week_of,
    week_start,
)
from domain.organisation import Enterprise
from domain.planner import auto_assign
from domain.roster import Roster, check_settings
from domain.schedule import Booking, EmployeeSchedule, NotEnoughRest, Rules
from domain.shift import Shift

BERLIN = "Europe/Berlin"
MONDAY = date(2025, 1, 6)
DAY = timedelta(days=1)


def plan(shift_id: int, day: date, start: int, end: int, zone: str = "UTC", roster_id: int = 1) -> Shift:
    return Shift.plan(shift_id=shift_id, roster_id=roster_id, department_id=1, enterprise_id=1, day=day,
                      start_time=time(start), end_time=time(end), title=f"Shift {shift_id}", description=None,
                      required_staff=1, location=None, by=1, timezone=zone)


def booking(shift: Shift) -> Booking:
    return Booking(shift.shift_id, shift.roster_id, shift.interval)


def booked(*shifts: Shift) -> EmployeeSchedule:
    schedule = EmployeeSchedule(employee_id=7)
    for number, shift in enumerate(shifts, start=1):
        schedule.book(number, booking(shift), Rules(min_rest_hours=0))
    return schedule


def weekdays(first: date, count: int, roster_id: int = 1, hours: tuple[int, int] = (9, 17),
             zone: str = "UTC", first_id: int = 1) -> list[Shift]:
    return [plan(first_id + i, first + i * DAY, *hours, zone=zone, roster_id=roster_id) for i in range(count)]


def limits(**given: object) -> Rules:
    return Rules(min_rest_hours=0, **given)  # type: ignore[arg-type]


# -- weeks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("starts_on", "expected"), [
    ("monday", date(2025, 1, 6)), ("sunday", date(2025, 1, 5)), ("wednesday", date(2025, 1, 8)),
    ("thursday", date(2025, 1, 2)),
])
def test_the_week_of_a_day_starts_on_the_configured_weekday(starts_on: str, expected: date) -> None:
    assert week_start(date(2025, 1, 8), starts_on) == expected  # a Wednesday


def test_a_week_across_the_spring_change_in_berlin_lasts_167_hours() -> None:
    first, week = week_of(plan(1, date(2026, 3, 25), 9, 17, BERLIN).interval.start, "monday", BERLIN)
    assert first == date(2026, 3, 23) and week.hours == 167


# -- hours in a week ------------------------------------------------------------------------------


def test_a_booking_over_the_weekly_limit_is_refused_naming_the_rule_and_the_numbers() -> None:
    schedule = booked(*weekdays(MONDAY, 5))  # 40 hours, Monday to Friday
    with pytest.raises(TooManyHours) as refused:
        schedule.check(booking(plan(9, MONDAY + 5 * DAY, 9, 13)), limits(max_hours_per_week=40))
    assert refused.value.message == (
        "The booking would give the employee 44 hours in the week of 2025-01-06 (max_hours_per_week 40)")
    assert refused.value.details == {"rule": "max_hours_per_week", "max_hours_per_week": 40, "hours": 44,
                                     "week_start": "2025-01-06"}


def test_a_booking_reaching_the_limit_exactly_is_allowed() -> None:
    schedule = booked(*weekdays(MONDAY, 4))
    schedule.check(booking(plan(9, MONDAY + 4 * DAY, 9, 17)), limits(max_hours_per_week=40))


def test_the_next_week_starts_from_zero() -> None:
    schedule = booked(*weekdays(MONDAY, 5))
    schedule.check(booking(plan(9, MONDAY + 7 * DAY, 9, 17)), limits(max_hours_per_week=8))


def test_a_night_across_the_week_boundary_counts_wholly_in_the_week_it_starts_in() -> None:
    sunday_night = plan(1, MONDAY + 6 * DAY, 22, 6)  # Sunday 22:00 to Monday 06:00
    schedule = booked(sunday_night)
    # The next week (from Monday 00:00) holds none of its 8 hours: 8 more fit under 8.
    schedule.check(booking(plan(2, MONDAY + 7 * DAY, 16, 23)), limits(max_hours_per_week=8))
    # Its own week holds all 8: one more hour on the Saturday does not fit.
    with pytest.raises(TooManyHours) as refused:
        schedule.check(booking(plan(3, MONDAY + 5 * DAY, 9, 10)), limits(max_hours_per_week=8))
    assert refused.value.details["hours"] == 9 and refused.value.details["week_start"] == "2025-01-06"


def test_weeks_starting_on_sunday_count_other_days_together() -> None:
    # Sunday 2025-01-12 and Monday to Thursday of the next week: 40 hours in a Sunday week,
    # but 8 + 32 in Monday weeks.
    shifts = [plan(1, MONDAY + 6 * DAY, 9, 17), *weekdays(MONDAY + 7 * DAY, 4, first_id=2)]
    schedule = booked(*shifts)
    friday = booking(plan(9, MONDAY + 11 * DAY, 9, 17))
    schedule.check(friday, limits(max_hours_per_week=40, week_starts_on="monday"))
    with pytest.raises(TooManyHours) as refused:
        schedule.check(friday, limits(max_hours_per_week=40, week_starts_on="sunday"))
    assert refused.value.details["week_start"] == "2025-01-12"


def test_hours_count_across_every_roster_of_the_employee() -> None:
    schedule = booked(*weekdays(MONDAY, 3, roster_id=1), *weekdays(MONDAY + 3 * DAY, 2, roster_id=2, first_id=4))
    with pytest.raises(TooManyHours):
        schedule.check(Booking(9, 3, plan(9, MONDAY + 5 * DAY, 9, 10, roster_id=3).interval),
                       limits(max_hours_per_week=40))


def test_weeks_are_counted_on_the_clocks_of_the_shifts_department() -> None:
    # Sunday 2025-01-12 23:30 UTC is already Monday 00:30 in Berlin: in UTC the shift falls in
    # the week of the 6th, in Berlin in the week of the 13th.
    late = Booking(1, 1, plan(1, MONDAY + 6 * DAY, 23, 7).interval)
    schedule = EmployeeSchedule(employee_id=7)
    schedule.book(1, late, Rules(min_rest_hours=0))
    monday_in_berlin = Booking(2, 2, plan(2, MONDAY + 7 * DAY, 9, 17, BERLIN).interval)
    with pytest.raises(TooManyHours) as refused:
        schedule.check(monday_in_berlin, limits(max_hours_per_week=8, timezone=BERLIN))
    assert refused.value.details["week_start"] == "2025-01-13"
    schedule.check(monday_in_berlin, limits(max_hours_per_week=8, timezone="UTC"))


def test_a_night_across_the_spring_change_counts_its_seven_elapsed_hours() -> None:
    night = plan(1, date(2026, 3, 28), 22, 6, BERLIN)  # 7 hours: the clocks skip 02:00-03:00
    schedule = booked(night)
    schedule.check(booking(plan(2, date(2026, 3, 24), 9, 10, BERLIN)), limits(max_hours_per_week=8, timezone=BERLIN))


def test_other_rules_are_named_before_the_hours_limit() -> None:
    schedule = booked(*weekdays(MONDAY, 5))
    with pytest.raises(NotEnoughRest):
        schedule.check(booking(plan(9, MONDAY + 4 * DAY, 18, 22)), Rules(min_rest_hours=10, max_hours_per_week=40))


# -- days in a row --------------------------------------------------------------------------------


def test_a_seventh_day_in_a_row_is_refused_naming_the_run() -> None:
    schedule = booked(*weekdays(MONDAY, 6))
    with pytest.raises(TooManyConsecutiveDays) as refused:
        schedule.check(booking(plan(9, MONDAY + 6 * DAY, 9, 13)), limits(max_consecutive_days=6))
    assert refused.value.message == ("The booking would have the employee work 7 days in a row, from 2025-01-06"
                                     " to 2025-01-12 (max_consecutive_days 6)")
    assert refused.value.details["rule"] == "max_consecutive_days" and refused.value.details["days"] == 7


def test_a_day_off_breaks_the_run() -> None:
    schedule = booked(*weekdays(MONDAY, 5))
    schedule.check(booking(plan(9, MONDAY + 6 * DAY, 9, 17)), limits(max_consecutive_days=5))


def test_a_booking_joining_two_runs_counts_both() -> None:
    schedule = booked(*weekdays(MONDAY, 3), *weekdays(MONDAY + 4 * DAY, 3, first_id=4))
    with pytest.raises(TooManyConsecutiveDays) as refused:
        schedule.check(booking(plan(9, MONDAY + 3 * DAY, 9, 17)), limits(max_consecutive_days=6))
    assert refused.value.details["days"] == 7


def test_days_in_a_row_count_across_rosters() -> None:
    schedule = booked(*weekdays(MONDAY, 2, roster_id=1), *weekdays(MONDAY + 2 * DAY, 2, roster_id=2, first_id=3))
    with pytest.raises(TooManyConsecutiveDays):
        schedule.check(Booking(9, 3, plan(9, MONDAY + 4 * DAY, 9, 17, roster_id=3).interval),
                       limits(max_consecutive_days=4))


def test_a_night_shift_works_the_day_it_starts_on() -> None:
    nights = [plan(i + 1, MONDAY + i * DAY, 22, 6) for i in range(3)]  # starting Mon, Tue, Wed
    schedule = booked(*nights)
    schedule.check(booking(plan(9, MONDAY + 4 * DAY, 9, 17)), limits(max_consecutive_days=3))
    with pytest.raises(TooManyConsecutiveDays):
        schedule.check(booking(plan(9, MONDAY + 3 * DAY, 22, 23)), limits(max_consecutive_days=3))


def test_days_are_the_dates_on_the_clocks_of_the_shifts_department() -> None:
    # 23:30 UTC on Sunday is Monday in Berlin: with Monday booked in Berlin that is one day, not two.
    schedule = booked(plan(1, MONDAY + 6 * DAY, 23, 4))
    monday = booking(plan(2, MONDAY + 7 * DAY, 10, 12, BERLIN))
    schedule.check(monday, limits(max_consecutive_days=1, timezone=BERLIN))
    with pytest.raises(TooManyConsecutiveDays):
        schedule.check(monday, limits(max_consecutive_days=1, timezone="UTC"))


def test_the_run_around_a_day_is_its_consecutive_neighbours() -> None:
    days = {MONDAY, MONDAY + DAY, MONDAY + 3 * DAY}
    assert run_around(MONDAY + 2 * DAY, days) == (MONDAY, MONDAY + 3 * DAY)
    assert run_around(MONDAY + 5 * DAY, days) == (MONDAY + 5 * DAY, MONDAY + 5 * DAY)


# -- settings and defaults ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [
    {"max_hours_per_week": 0}, {"max_hours_per_week": -1}, {"max_hours_per_week": 168.5},
    {"max_hours_per_week": True}, {"max_hours_per_week": "40"}, {"max_consecutive_days": 0},
    {"max_consecutive_days": 367}, {"max_consecutive_days": 2.5}, {"max_consecutive_days": False},
])
def test_roster_settings_refuse_limits_out_of_range(bad: dict[str, object]) -> None:
    with pytest.raises(RuleViolation):
        check_settings(bad)


def test_roster_limits_default_to_null_and_a_null_sets_one_back() -> None:
    assert check_settings({})["max_hours_per_week"] is None
    roster = Roster.plan(roster_id=1, department_id=1, enterprise_id=1, name="R", description=None,
                         start_date=MONDAY, end_date=MONDAY + 6 * DAY,
                         settings={"max_hours_per_week": 37.5, "max_consecutive_days": 6}, by=1)
    assert (roster.settings["max_hours_per_week"], roster.settings["max_consecutive_days"]) == (37.5, 6)
    roster.revise(name=None, description=None, start_date=None, end_date=None,
                  settings={"max_hours_per_week": None}, by=1)
    assert (roster.settings["max_hours_per_week"], roster.settings["max_consecutive_days"]) == (None, 6)


def test_an_enterprise_starts_without_defaults_and_weeks_from_monday() -> None:
    enterprise = Enterprise.found(enterprise_id=1, name="Acme", description=None, by=1)
    assert enterprise.hours_defaults == HoursLimits(None, None, "monday")
    enterprise.change_hours_defaults({"max_hours_per_week": 40, "week_starts_on": "sunday"}, by=1)
    enterprise.change_hours_defaults({"max_consecutive_days": 6}, by=1)
    assert enterprise.hours_defaults == HoursLimits(40, 6, "sunday")
    enterprise.change_hours_defaults({"max_hours_per_week": None}, by=1)
    assert enterprise.hours_defaults == HoursLimits(None, 6, "sunday")
    events = len(enterprise.collect_events())
    enterprise.change_hours_defaults({"max_consecutive_days": 6}, by=1)  # no change: no event
    assert events == 4 and enterprise.collect_events() == []


@pytest.mark.parametrize("bad", [{"week_starts_on": "Monday"}, {"week_starts_on": "mon"},
                                 {"max_hours_per_week": 200}, {"max_consecutive_days": 0}, {"overtime": 1}])
def test_enterprise_defaults_refuse_bad_values(bad: dict[str, object]) -> None:
    enterprise = Enterprise.found(enterprise_id=1, name="Acme", description=None, by=1)
    with pytest.raises(RuleViolation):
        enterprise.change_hours_defaults(bad, by=1)


def test_the_roster_setting_wins_and_null_falls_back_to_the_enterprise_default() -> None:
    defaults = HoursLimits(40, 6, "sunday")
    assert effective_limits({"max_hours_per_week": 30, "max_consecutive_days": None}, defaults) == \
        HoursLimits(30, 6, "sunday")
    assert effective_limits({}, defaults) == defaults
    assert effective_limits({"max_hours_per_week": 30}, None) == HoursLimits(30, None, "monday")


def test_a_rosters_rules_count_weeks_in_its_zone() -> None:
    roster = Roster.plan(roster_id=1, department_id=1, enterprise_id=1, name="R", description=None,
                         start_date=MONDAY, end_date=MONDAY, settings={}, by=1, timezone=BERLIN)
    rules = rules_of(roster, HoursLimits(40, None, "tuesday"))
    assert (rules.max_hours_per_week, rules.week_starts_on, rules.timezone) == (40, "tuesday", BERLIN)


# -- auto-assign ------------------------------------------------------------------------------------


def test_auto_assign_stops_at_the_weekly_limit_and_reports_why() -> None:
    shifts = weekdays(MONDAY, 7)  # 56 hours for one employee
    plan_made = auto_assign(shifts, {7: EmployeeSchedule(employee_id=7)},
                            Rules(min_rest_hours=10, max_hours_per_week=40), 1, iter(range(1, 99)).__next__, by=1)
    assert len(plan_made.placements) == 5
    assert [u.reasons for u in plan_made.unfilled] == [{"too_many_hours": 1}] * 2


def test_auto_assign_keeps_hours_within_one_shift_of_each_other_under_limits() -> None:
    shifts = [plan(i + 1, MONDAY + (i // 3) * DAY, *hours) for i, hours in
              enumerate([(6, 14), (14, 22), (22, 6)] * 14)]  # two weeks, three shifts a day
    for s in shifts:
        s.required_staff = 2
    schedules = {e: EmployeeSchedule(employee_id=e) for e in range(1, 13)}
    rules = Rules(min_rest_hours=10, max_hours_per_week=40, max_consecutive_days=5)
    plan_made = auto_assign(shifts, schedules, rules, 1, iter(range(1, 999)).__next__, by=1)
    hours = {e: s.hours_in(1) for e, s in schedules.items()}
    assert not plan_made.unfilled
    assert max(hours.values()) - min(hours.values()) <= 8
    assert_within_limits(schedules.values(), 40, 5, "monday", "UTC")


# -- random bookings never break a limit ----------------------------------------------------------


def assert_within_limits(schedules: object, max_hours: float, max_days: int, starts_on: str, zone: str) -> None:
    for schedule in schedules:  # type: ignore[attr-defined]
        weeks: dict[date, float] = defaultdict(float)
        days = set()
        for b in schedule.bookings.values():
            weeks[week_of(b.interval.start, starts_on, zone)[0]] += b.interval.hours
            days.add(local_day(b.interval.start, zone))
        assert all(h <= max_hours + 1e-9 for h in weeks.values()), weeks
        assert all((last - first).days + 1 <= max_days for first, last in (run_around(d, days) for d in days))


@settings(max_examples=60, deadline=None)
@given(
    attempts=st.lists(st.tuples(st.integers(0, 27), st.integers(0, 23), st.integers(1, 12), st.integers(1, 3)),
                      min_size=1, max_size=40),
    max_hours=st.integers(4, 60), max_days=st.integers(1, 7),
    starts_on=st.sampled_from(["monday", "wednesday", "sunday"]), zone=st.sampled_from(["UTC", BERLIN]),
)
def test_random_bookings_never_exceed_the_limits(
    attempts: list[tuple[int, int, int, int]], max_hours: int, max_days: int, starts_on: str, zone: str,
) -> None:
    schedule = EmployeeSchedule(employee_id=7)
    rules = Rules(min_rest_hours=0, max_hours_per_week=max_hours, max_consecutive_days=max_days,
                  week_starts_on=starts_on, timezone=zone)
    for number, (day, hour, length, roster_id) in enumerate(attempts, start=1):
        try:  # a time the clocks skip (Berlin, 29 March) is refused before anything is booked
            shift = plan(number, date(2026, 3, 16) + day * DAY, hour, (hour + length) % 24, zone, roster_id)
        except RuleViolation:
            continue
        try:
            schedule.book(number, Booking(number, roster_id, shift.interval), rules)
        except (TooManyHours, TooManyConsecutiveDays):
            pass
        except Exception as other:  # double booking is a refusal too
            assert type(other).__name__ == "DoubleBooked"
    assert_within_limits([schedule], max_hours, max_days, starts_on, zone)
