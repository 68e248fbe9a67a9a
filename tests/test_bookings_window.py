"""The schedule reads only the bookings within reach of a new one (issue 22.3): it decides
exactly what a check against every booking decides, and its columns survive a snapshot,
including one taken before the columns existed (class version 1)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from application.snapshots import StateSnapshot
from domain.bookings import Booking, Bookings
from domain.errors import Conflict
from domain.hours import check_working_time
from domain.schedule import DoubleBooked, EmployeeSchedule, NotEnoughRest, Rules, TooManyShifts
from domain.timeslots import Interval

FIRST = datetime(2026, 3, 2, tzinfo=timezone.utc)


def interval(hour: int, minutes: int) -> Interval:
    start = FIRST + timedelta(hours=hour)
    return Interval(start, start + timedelta(minutes=minutes))


def check_against_everything(bookings: dict[int, Booking], new: Booking, rules: Rules,
                             ignoring: frozenset[int]) -> str | None:
    """The rules of time and count read over every booking, as the schedule did before it kept
    its bookings in start order: the name of the first rule broken, or None."""
    others = [b for a, b in bookings.items() if a not in ignoring]
    rest = timedelta(hours=rules.min_rest_hours)
    if any(o.interval.overlaps(new.interval) for o in others):
        return "DoubleBooked"
    if any(o.interval.gap_to(new.interval) < rest for o in others):
        return "NotEnoughRest"
    limit = rules.max_shifts_per_roster
    if limit is not None and sum(1 for o in others if o.roster_id == new.roster_id) >= limit:
        return "TooManyShifts"
    if rules.limits_working_time:
        try:
            check_working_time(new.interval, [o.interval for o in others], rules.hours_limits, rules.timezone)
        except Conflict as refused:
            return type(refused).__name__
    return None


bookings_drawn = st.lists(
    st.tuples(st.integers(0, 24 * 60), st.integers(30, 30 * 60), st.integers(1, 3)), min_size=1, max_size=60,
)
rules_drawn = st.builds(
    Rules,
    min_rest_hours=st.sampled_from([0, 8, 11, 36]),
    max_shifts_per_roster=st.none() | st.integers(1, 20),
    max_hours_per_week=st.none() | st.integers(8, 80),
    max_consecutive_days=st.none() | st.integers(1, 14),
    week_starts_on=st.sampled_from(["monday", "sunday"]),
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago"]),
)


@settings(max_examples=150, deadline=None)
@given(drawn=bookings_drawn, rules=rules_drawn, ignored=st.sets(st.integers(1, 60), max_size=5),
       released=st.sets(st.integers(1, 60), max_size=10))
def test_a_check_reads_the_nearby_bookings_and_decides_what_reading_all_of_them_decides(
    drawn: list[tuple[int, int, int]], rules: Rules, ignored: set[int], released: set[int],
) -> None:
    schedule, everything = EmployeeSchedule(employee_id=1), {}
    unlimited = Rules(min_rest_hours=0)
    for number, (hour, minutes, roster) in enumerate(drawn, start=1):
        booking = Booking(number, roster, interval(hour, minutes))
        try:
            schedule.book(number, booking, unlimited)
        except DoubleBooked:
            continue
        everything[number] = booking
    for number in released:
        schedule.release(number)
        everything.pop(number, None)
    assert schedule.bookings == everything
    for hour in range(0, 24 * 60, 97):
        new = Booking(999, 2, interval(hour, 9 * 60))
        expected = check_against_everything(everything, new, rules, frozenset(ignored))
        try:
            schedule.check(new, rules, frozenset(ignored))
            decided = None
        except Conflict as refused:
            decided = type(refused).__name__
            if isinstance(refused, (DoubleBooked, NotEnoughRest)):  # it names a booking that breaks it
                named = [b for b in everything.values() if b.shift_id == refused.details["conflicting_shift_id"]]
                assert named and named[0].shift_id not in ignored
        assert decided == expected, (hour, rules)


def test_a_booking_released_and_a_booking_moved_leave_no_trace_in_the_columns() -> None:
    booked = Bookings()
    booked.put(1, Booking(10, 1, interval(0, 60)))
    booked.put(2, Booking(20, 1, interval(5, 60)))
    booked.put(1, Booking(10, 1, interval(9, 60)))  # moved: after the other now
    booked.remove(2)
    assert dict(booked.items()) == {1: Booking(10, 1, interval(9, 60))}
    assert 2 not in booked and booked.count_in(1) == 1
    assert [a for a, _ in booked.near(FIRST, FIRST + timedelta(hours=8))] == []
    assert [a for a, _ in booked.near(FIRST + timedelta(hours=9, minutes=30), FIRST + timedelta(hours=20))] == [1]


def test_a_snapshot_keeps_the_columns_and_a_snapshot_of_class_version_1_is_upcast() -> None:
    schedule = EmployeeSchedule(employee_id=4)
    for number in range(1, 40):
        schedule.book(number, Booking(number, 1 + number % 3, interval(number * 20, 8 * 60)), Rules())
    schedule.release(7)
    taken = StateSnapshot.take(schedule)
    restored = taken.mutate(None)
    assert restored.booked == schedule.booked and restored.bookings == schedule.bookings

    state = dict(taken.state)  # the same state as class version 1 wrote it
    del state["booked"], state["class_version"]
    state["bookings"] = {"$typed": msgspec.json.encode(dict(schedule.bookings)).decode()}
    old = StateSnapshot(originator_id=taken.originator_id, originator_version=taken.originator_version,
                        timestamp=taken.timestamp, topic=taken.topic, state=state).mutate(None)
    assert old.booked == schedule.booked
    try:
        old.book(99, Booking(99, 1, interval(20 * 20 + 1, 60)), Rules())
    except DoubleBooked as refused:
        assert refused.details["conflicting_shift_id"] == 20
    else:
        raise AssertionError("the upcast schedule forgot a booking")


def test_a_roster_limit_counts_every_booking_of_the_roster_however_far_apart() -> None:
    schedule = EmployeeSchedule(employee_id=5)
    for number in range(1, 4):  # a year apart: far outside any window of time
        schedule.book(number, Booking(number, 8, interval(number * 24 * 365, 60)), Rules())
    try:
        schedule.check(Booking(4, 8, interval(10, 60)), Rules(max_shifts_per_roster=3))
    except TooManyShifts:
        pass
    else:
        raise AssertionError("the fourth shift of the roster was allowed")
    schedule.check(Booking(4, 8, interval(10, 60)), Rules(max_shifts_per_roster=3), ignoring=frozenset({2}))
