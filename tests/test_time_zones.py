"""Time zones in the domain: shifts are wall-clock times in their department's zone, and every
instant and duration comes from zoneinfo. No I/O: the zone comes in as an argument."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from application.dashboards import moment
from application.events import SchedulaX
from domain.errors import Conflict, RuleViolation
from domain.organisation import Department, Enterprise
from domain.planner import auto_assign
from domain.roster import DepartmentCalendar, Roster
from domain.schedule import Booking, DoubleBooked, EmployeeSchedule, NotEnoughRest, Rules
from domain.shift import Shift
from domain.timeslots import Interval, check_shift_times, local_period, shift_interval
from domain.zones import _accepted, check_zone, wall_clock

UTC = timezone.utc
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)  # Berlin's changes (last Sundays)
NY_SPRING, NY_AUTUMN = date(2026, 3, 8), date(2026, 11, 1)
DAY = timedelta(days=1)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)  # type: ignore[misc]


def plan(shift_id: int, day: date, start: time, end: time, zone: str, roster_id: int = 1) -> Shift:
    return Shift.plan(shift_id=shift_id, roster_id=roster_id, department_id=1, enterprise_id=1, day=day,
                      start_time=start, end_time=end, title=f"Shift {shift_id}", description=None,
                      required_staff=1, location=None, by=1, timezone=zone)


def booked(*shifts: Shift) -> EmployeeSchedule:
    schedule = EmployeeSchedule(employee_id=7)
    for number, shift in enumerate(shifts, start=1):
        schedule.book(number, Booking(shift.shift_id, shift.roster_id, shift.interval), Rules(min_rest_hours=0))
    return schedule


# -- a night across a daylight-saving change --------------------------------------------------


@pytest.mark.parametrize(("zone", "evening", "hours", "start", "end"), [
    (BERLIN, SPRING - DAY, 7, utc(2026, 3, 28, 21), utc(2026, 3, 29, 4)),
    (BERLIN, AUTUMN - DAY, 9, utc(2026, 10, 24, 20), utc(2026, 10, 25, 5)),
    (NEW_YORK, NY_SPRING - DAY, 7, utc(2026, 3, 8, 3), utc(2026, 3, 8, 10)),
    (NEW_YORK, NY_AUTUMN - DAY, 9, utc(2026, 11, 1, 2), utc(2026, 11, 1, 11)),
])
def test_a_night_from_22_to_06_across_a_daylight_saving_change_lasts_7_or_9_hours(
    zone: str, evening: date, hours: int, start: datetime, end: datetime,
) -> None:
    night = plan(1, evening, time(22), time(6), zone)
    assert (night.interval.start, night.interval.end, night.interval.hours) == (start, end, hours)
    assert night.interval.wall_clock(zone) == (datetime.combine(evening, time(22)),
                                               datetime.combine(evening + DAY, time(6)))
    # The same night a week earlier is 8 hours, and so is every night in UTC.
    assert shift_interval(evening - 7 * DAY, time(22), time(6), zone).hours == 8
    assert shift_interval(evening, time(22), time(6), "UTC").hours == 8


def test_the_planner_balances_the_hours_the_nights_really_last() -> None:
    """Two nights of Berlin's autumn weekend: 9 hours (the change) then 8. Balanced by elapsed
    hours, the third night goes to whoever worked the 8-hour one."""
    nights = [plan(i, AUTUMN - DAY + (i - 1) * DAY, time(22), time(6), BERLIN) for i in (1, 2, 3)]
    schedules = {e: EmployeeSchedule(employee_id=e) for e in (1, 2)}
    ids = iter(range(100, 200))
    plan_made = auto_assign(nights, schedules, Rules(min_rest_hours=0), 1, lambda: next(ids), by=1)
    who = {shift.shift_id: employee for _, shift, employee in plan_made.placements}
    assert who[1] != who[2] and who[3] == who[2]
    assert sorted(s.hours_in(1) for s in schedules.values()) == [9, 16]


# -- rest and overlap compare instants --------------------------------------------------------


def test_rest_between_shifts_is_elapsed_time_across_the_spring_change() -> None:
    """14:00-22:00 then 09:00 the next morning: 11 hours on the wall clock, 10 elapsed."""
    schedule = booked(plan(1, SPRING - DAY, time(14), time(22), BERLIN))
    morning = plan(2, SPRING, time(9), time(17), BERLIN)
    with pytest.raises(NotEnoughRest):
        schedule.check(Booking(2, 1, morning.interval), Rules(min_rest_hours=11))
    schedule.check(Booking(2, 1, morning.interval), Rules(min_rest_hours=10))


def test_rest_between_shifts_is_elapsed_time_across_the_autumn_change() -> None:
    """14:00-22:00 then 08:00 the next morning: 10 hours on the wall clock, 11 elapsed."""
    schedule = booked(plan(1, AUTUMN - DAY, time(14), time(22), BERLIN))
    morning = plan(2, AUTUMN, time(8), time(16), BERLIN)
    schedule.check(Booking(2, 1, morning.interval), Rules(min_rest_hours=11))
    with pytest.raises(NotEnoughRest):
        schedule.check(Booking(2, 1, morning.interval), Rules(min_rest_hours=12))


def test_shifts_of_departments_in_different_zones_overlap_as_instants_not_as_wall_clocks() -> None:
    summer = date(2026, 6, 1)
    schedule = booked(plan(1, summer, time(9), time(17), BERLIN))  # 07:00-15:00 UTC
    same_clock = plan(2, summer, time(13), time(17), NEW_YORK, roster_id=2)  # 17:00-21:00 UTC
    schedule.check(Booking(2, 2, same_clock.interval), Rules(min_rest_hours=0))
    early_in_new_york = plan(3, summer, time(6), time(10), NEW_YORK, roster_id=2)  # 10:00-14:00 UTC
    with pytest.raises(DoubleBooked):
        schedule.check(Booking(3, 2, early_in_new_york.interval), Rules(min_rest_hours=0))


# -- times the clocks skip or repeat ----------------------------------------------------------


@pytest.mark.parametrize(("zone", "day", "start", "end", "field"), [
    (BERLIN, SPRING, time(2, 30), time(10), "start_time"),
    (BERLIN, SPRING - DAY, time(22), time(2, 30), "end_time"),
    (NEW_YORK, NY_SPRING, time(2), time(9), "start_time"),
])
def test_a_time_the_clocks_skip_is_refused_naming_the_field(
    zone: str, day: date, start: time, end: time, field: str,
) -> None:
    with pytest.raises(RuleViolation) as refused:
        plan(1, day, start, end, zone)
    assert refused.value.details["field"] == field
    assert "does not exist" in refused.value.message and zone in refused.value.message
    shift = plan(1, day + 7 * DAY, start, end, zone)  # the same times a week later are fine
    with pytest.raises(RuleViolation):
        shift.revise(day=day, start_time=None, end_time=None, title=None, description=None,
                     required_staff=None, location=None, by=1)


def test_an_ambiguous_time_is_its_first_occurrence() -> None:
    """02:30 happens twice in Berlin on 2026-10-25; a shift starting then starts at the first,
    still summer time (fold=0, as RFC 5545 reads a DTSTART)."""
    early = plan(1, AUTUMN, time(2, 30), time(6), BERLIN)
    assert early.interval.start == utc(2026, 10, 25, 0, 30)
    assert early.interval.hours == 4.5  # 02:30 CEST to 06:00 CET
    repeated_hour = plan(2, AUTUMN, time(2), time(3), BERLIN)
    assert repeated_hour.interval.hours == 2  # from the first 02:00 to the (only) 03:00


def test_a_whole_day_begins_when_the_clocks_jump_over_midnight() -> None:
    """Havana skips from 00:00 to 01:00 on 2026-03-08: that day of time off lasts 23 hours."""
    whole = local_period(NY_SPRING, None, NY_SPRING, None, "America/Havana")
    assert (whole.start, whole.end, whole.hours) == (utc(2026, 3, 8, 5), utc(2026, 3, 9, 4), 23)
    with pytest.raises(RuleViolation) as refused:
        local_period(NY_SPRING, time(0, 30), NY_SPRING, time(8), "America/Havana")
    assert refused.value.details["field"] == "start_time"


def test_an_interval_holds_instants_in_utc() -> None:
    with pytest.raises(TypeError):
        Interval(datetime(2026, 1, 1), datetime(2026, 1, 2))
    berlin = datetime(2026, 3, 29, 1, 0, tzinfo=ZoneInfo(BERLIN))
    span = Interval(berlin, berlin + timedelta(hours=2))  # Python's same-zone arithmetic: wall clock
    assert span.start.tzinfo is UTC and span.hours == 1  # 01:00 CET to 03:00 CEST


# -- which names are zones --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "UTC", "Etc/GMT-2", "Asia/Kolkata"])
def test_iana_zone_names_are_accepted(name: str) -> None:
    assert check_zone(name) == name


@pytest.mark.parametrize(("name", "hint"), [
    ("Mars/Olympus_Mons", None), ("", None), ("../etc/passwd", None), ("Europe/Berlin/", None),
    ("localtime", None), ("posixrules", None), ("Factory", None), ("posix/Europe/Berlin", None),
    ("europe/berlin", "Europe/Berlin"), ("utc", "UTC"),
])
def test_other_names_are_refused_naming_the_field(name: str, hint: str | None) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_zone(name, "timezone")
    assert refused.value.details == {"field": "timezone"}
    assert (f"did you mean {hint}?" in refused.value.message) if hint else "did you mean" not in refused.value.message
    with pytest.raises(RuleViolation):
        Enterprise.found(enterprise_id=1, name="Acme", description=None, by=1, timezone=name)


def test_an_enterprise_and_a_department_keep_their_zone_and_report_a_change() -> None:
    enterprise = Enterprise.found(enterprise_id=1, name="Acme", description=None, by=1)
    assert enterprise.timezone == "UTC"
    enterprise.update(name=None, description=None, timezone=BERLIN, by=1)
    department = Department.open(department_id=2, enterprise_id=1, name="Ops", description=None,
                                 manager_id=None, by=1, timezone=enterprise.timezone)
    department.update(name=None, description=None, manager_id=None, clear_manager=False, by=1)
    assert [type(e).__name__ for e in department.collect_events()] == ["Opened"]  # nothing changed
    department.update(name=None, description=None, manager_id=None, clear_manager=False, by=1,
                      timezone=NEW_YORK)
    assert department.timezone == NEW_YORK and enterprise.timezone == BERLIN


# -- a department changes its zone --------------------------------------------------------------


def test_a_roster_and_its_shifts_move_to_a_new_zone_keeping_their_wall_clock_times() -> None:
    roster = Roster.plan(roster_id=1, department_id=1, enterprise_id=1, name="March", description=None,
                         start_date=date(2026, 3, 1), end_date=date(2026, 3, 31), settings={}, by=1)
    shift = plan(1, SPRING - DAY, time(22), time(6), "UTC")
    roster.rezone(BERLIN, by=1)
    shift.rezone(BERLIN, by=1)
    assert (roster.timezone, shift.timezone, shift.start_time, shift.interval.hours) == (BERLIN, BERLIN, time(22), 7)
    skipped = plan(2, SPRING, time(2, 30), time(8), "UTC")
    with pytest.raises(Conflict) as refused:
        skipped.rezone(BERLIN, by=1)
    assert refused.value.details["shift_id"] == 2 and "does not exist" in refused.value.message
    calendar = DepartmentCalendar(department_id=1)
    calendar.rezone(BERLIN)
    assert calendar.timezone == BERLIN


def test_bookings_moved_by_a_new_zone_are_checked_again() -> None:
    """A Berlin shift 09:00-17:00 (07:00-15:00 UTC) and a UTC one 16:00-20:00: fine. Read in
    Berlin, the second is 14:00-18:00 UTC and overlaps the first; the schedule says so."""
    summer = date(2026, 6, 1)
    berlin = plan(1, summer, time(9), time(17), BERLIN)
    moving = plan(2, summer, time(16), time(20), "UTC", roster_id=2)
    schedule = booked(berlin, moving)
    moving.rezone(BERLIN, by=1)
    with pytest.raises(DoubleBooked) as refused:
        schedule.rebook({2: (Booking(2, 2, moving.interval), Rules(min_rest_hours=0))})
    assert refused.value.details == {"conflicting_shift_id": 1, "shift_id": 2}
    later = plan(3, summer, time(18), time(22), "UTC", roster_id=2)
    together = booked(berlin, later)
    later.rezone(BERLIN, by=1)
    together.rebook({2: (Booking(3, 2, later.interval), Rules(min_rest_hours=0))})
    assert together.bookings[2].interval.start == utc(2026, 6, 1, 16)


# -- what a dashboard calls this week -----------------------------------------------------------


def test_the_week_of_a_dashboard_is_the_week_on_the_employees_clocks() -> None:
    """Sunday 23:30 UTC is already Monday 01:30 in Berlin."""
    sunday_night = utc(2026, 3, 29, 23, 30)
    assert moment(sunday_night).week_start == "2026-03-23"
    assert moment(sunday_night, BERLIN).week_start == "2026-03-30"
    assert moment(sunday_night, BERLIN).now == "2026-03-29T23:30"  # compared with UTC instants


# -- events from before zones ---------------------------------------------------------------------


def _stored_v1(event: Any, app: SchedulaX) -> StoredEvent:
    """The event as the code before zones stored it: no zone, no class_version, naive times."""
    stored = app.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    state.pop("timezone", None)
    state.pop("class_version", None)
    for name in ("start", "end"):
        if isinstance(state.get(name), dict):
            state[name]["_data_"] = state[name]["_data_"].removesuffix("+00:00")
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       json.dumps(state).encode())


def test_events_stored_before_zones_replay_as_utc() -> None:
    app = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    shift = plan(1, date(2026, 1, 5), time(22), time(6), "UTC")
    shift.revise(day=None, start_time=time(21), end_time=None, title=None, description=None,
                 required_staff=None, location=None, by=1)
    schedule = booked(shift)
    schedule.request_time_off(9, local_period(date(2026, 2, 2), None, date(2026, 2, 2), None, "UTC"), None)
    roster = Roster.plan(roster_id=1, department_id=1, enterprise_id=1, name="Jan", description=None,
                         start_date=date(2026, 1, 1), end_date=date(2026, 1, 31), settings={}, by=1)
    department = Department.open(department_id=1, enterprise_id=1, name="Ops", description=None,
                                 manager_id=None, by=1)
    aggregates = [shift, schedule, roster, department, DepartmentCalendar(department_id=1),
                  Enterprise.found(enterprise_id=1, name="Acme", description=None, by=1)]
    old = [_stored_v1(e, app) for a in aggregates for e in a.collect_events()]
    assert all(b'"timezone"' not in s.state and b"class_version" not in s.state for s in old)
    app.recorder.insert_events(old)

    replayed = app.repository.get(shift.id)
    assert (replayed.timezone, replayed.interval) == ("UTC", shift.interval)
    again = app.repository.get(schedule.id)
    assert again.bookings[1].interval == Interval(utc(2026, 1, 5, 21), utc(2026, 1, 6, 6))
    assert again.time_off[9][0] == Interval(utc(2026, 2, 2), utc(2026, 2, 3))
    for aggregate in aggregates[2:]:
        assert app.repository.get(aggregate.id).timezone == "UTC"
    decoded = [app.mapper.to_domain_event(s) for s in old]
    assert {getattr(e, "timezone", "UTC") for e in decoded} == {"UTC"}
    booked_event = next(e for e in decoded if type(e).__name__ == "Booked")
    assert booked_event.start.tzinfo is not None
    # The old schedule keeps its rules: a new booking overlapping the old one is refused.
    with pytest.raises(DoubleBooked):
        again.check(Booking(5, 1, plan(5, date(2026, 1, 6), time(5), time(9), BERLIN).interval), Rules())


# -- the invariants, for any zone and any wall-clock times ---------------------------------------------

ZONES = sorted(_accepted().values())
minutes_of_day = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@settings(max_examples=400, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(1970, 1, 1), date(2199, 12, 30)),
       start=minutes_of_day, end=minutes_of_day)
def test_random_zones_and_times_never_break_the_interval_invariants(
    zone: str, day: date, start: time, end: time,
) -> None:
    ends_on = day if end > start else day + DAY
    wall = datetime.combine(ends_on, end) - datetime.combine(day, start)
    lenient = shift_interval(day, start, end, zone)
    assert lenient.start.tzinfo is UTC and lenient.end >= lenient.start  # a stored shift never fails
    try:
        span = check_shift_times(day, start, end, zone)
    except RuleViolation as refused:
        assert start == end or refused.details["field"] in ("start_time", "end_time")
        return
    # Both ends are on the zone's clocks, and the length is the wall clock's corrected by the
    # change of offset between them: 7 or 9 hours for an 8-hour night across a DST change.
    assert wall_clock(span.start, zone) == datetime.combine(day, start)
    assert wall_clock(span.end, zone) == datetime.combine(ends_on, end)
    offsets = [moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in (span.start, span.end)]
    change = offsets[1] - offsets[0]  # type: ignore[operator]
    assert span.duration == wall - change
    assert timedelta(0) < span.duration
    if abs(change) <= timedelta(hours=1):  # every daylight-saving change; a few zones once moved more
        assert span.duration <= timedelta(hours=25)
    assert span == lenient
