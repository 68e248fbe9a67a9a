"""An employee's schedule: booked shifts and time off, guarding the personal rules.

Every booking is saved together with this aggregate, so two commands that would
double-book one employee cannot both succeed: the second save meets a newer version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.bookings import Booking, Bookings
from domain.calendar_window import check_span
from domain.errors import Conflict, RuleViolation
from domain.hours import DEFAULT_WEEK_START, HoursLimits, check_working_time, hours_of_week
from domain.ids import registry_uuid
from domain.timeslots import Interval
from domain.upcasting import instants_were_utc, upgrade, zone_was_utc
from domain.zones import DEFAULT_ZONE, check_zone


class DoubleBooked(Conflict):
    def __init__(self, shift_id: int) -> None:
        super().__init__("The employee already works an overlapping shift", conflicting_shift_id=shift_id)


class NotEnoughRest(Conflict):
    def __init__(self, shift_id: int, hours: float) -> None:
        super().__init__(
            f"The employee needs at least {hours:g} hours of rest between shifts",
            conflicting_shift_id=shift_id, min_rest_hours=hours,
        )


class TooManyShifts(Conflict):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The employee already has {limit} shifts in this roster (max_shifts_per_person)",
                         max_shifts_per_person=limit)


class OnTimeOff(Conflict):
    def __init__(self, time_off_id: int) -> None:
        super().__init__("The employee has approved time off then", time_off_id=time_off_id)


class TimeOffStatus(str, Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Rules:
    """The roster's limits a booking must respect.

    The working-time limits (domain/hours.py) are the effective ones: the roster's setting, else
    its enterprise's default (the application resolves which). Weeks and days are counted on the
    clocks of `timezone`, the zone of the booked shift's department.
    """

    min_rest_hours: float = 10
    max_shifts_per_roster: int | None = None
    max_hours_per_week: float | None = None
    max_consecutive_days: int | None = None
    week_starts_on: str = DEFAULT_WEEK_START
    timezone: str = DEFAULT_ZONE

    @property
    def hours_limits(self) -> HoursLimits:
        return HoursLimits(self.max_hours_per_week, self.max_consecutive_days, self.week_starts_on)

    @property
    def limits_working_time(self) -> bool:
        return self.max_hours_per_week is not None or self.max_consecutive_days is not None


class EmployeeSchedule(Aggregate):
    """Bookings, time off and unavailability as intervals of UTC instants, so that shifts of
    departments in different zones are compared as the moments they are."""

    class_version = 2  # snapshots of version 1 kept `bookings` as a dict of `Booking`

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        old = state.pop("bookings")
        booked = state["booked"] = Bookings()
        for assignment_id, booking in old.items():  # type: ignore[attr-defined]
            booked.put(assignment_id, booking)

    @staticmethod
    def create_id(employee_id: int, **_: object) -> UUID:
        return EmployeeSchedule.id_for(employee_id)

    @staticmethod
    def id_for(employee_id: int) -> UUID:
        return registry_uuid(f"schedule:{employee_id}")

    @event("Opened")
    def __init__(self, *, employee_id: int) -> None:
        self.employee_id = employee_id
        self.booked = Bookings()  # assignment id -> booking, in start order
        self.time_off: dict[int, tuple[Interval, str, str | None]] = {}  # id -> (when, status, reason)
        self.unavailable: dict[int, tuple[Interval, str | None]] = {}

    # -- rules ----------------------------------------------------------------

    def check(self, booking: Booking, rules: Rules, ignoring: frozenset[int] = frozenset()) -> None:
        """Raise the first rule `booking` would break; `ignoring` names bookings about to go.

        Only bookings within reach of `booking` can break a rule of time (overlap, rest, the
        week's hours, a run of days), so only those are read, whatever the schedule's age; each
        rule then tests each of them exactly."""
        rest = timedelta(hours=rules.min_rest_hours)
        new, reach = booking.interval, max(rest, timedelta(0))
        if rules.limits_working_time:
            reach = max(reach, _working_time_reach(rules.max_consecutive_days))
        others = [b for a, b in self.booked.near(new.start - reach, new.end + reach) if a not in ignoring]
        for other in others:
            if other.interval.overlaps(new):
                raise DoubleBooked(other.shift_id)
        for other in others:
            if other.interval.gap_to(new) < rest:
                raise NotEnoughRest(other.shift_id, rules.min_rest_hours)
        limit = rules.max_shifts_per_roster
        if limit is not None:
            going = sum(1 for a in ignoring if self.booked.roster_of(a) == booking.roster_id)
            if self.booked.count_in(booking.roster_id) - going >= limit:
                raise TooManyShifts(limit)
        for time_off_id, (when, status, _) in self.time_off.items():
            if status == TimeOffStatus.APPROVED.value and when.overlaps(new):
                raise OnTimeOff(time_off_id)
        if rules.limits_working_time:  # counted across every roster the employee works in
            check_working_time(new, [b.interval for b in others], rules.hours_limits, rules.timezone)

    @property
    def bookings(self) -> dict[int, Booking]:
        """Every booking, by assignment id, in start order (for reports and tests; rules use `booked`)."""
        return dict(self.booked.items())

    def is_unavailable(self, interval: Interval) -> bool:
        return any(when.overlaps(interval) for when, _ in self.unavailable.values())

    def shifts_in(self, roster_id: int) -> int:
        return self.booked.count_in(roster_id)

    def hours_in_week_of(self, interval: Interval, week_starts_on: str, timezone: str) -> float:
        """Hours booked (in every roster) in the week `interval` starts in, on the clocks of `timezone`."""
        reach = _working_time_reach(None)
        nearby = (b.interval for _, b in self.booked.near(interval.start - reach, interval.start + reach))
        return hours_of_week(interval.start, nearby, week_starts_on, timezone)

    def hours_in(self, roster_id: int) -> float:
        return self.booked.hours_in(roster_id)

    # -- bookings -------------------------------------------------------------

    def book(
        self, assignment_id: int, booking: Booking, rules: Rules, ignoring: frozenset[int] = frozenset(),
        by: int | None = None,
    ) -> None:
        self.check(booking, rules, ignoring)
        self._booked(
            assignment_id=assignment_id, shift_id=booking.shift_id, roster_id=booking.roster_id,
            start=booking.interval.start, end=booking.interval.end, by=by,
        )

    @event("Booked")
    def _booked(
        self, *, assignment_id: int, shift_id: int, roster_id: int, start: datetime, end: datetime,
        by: int | None,
    ) -> None:
        self.booked.put(assignment_id, Booking(shift_id, roster_id, Interval(start, end)))

    def release(self, assignment_id: int, by: int | None = None) -> None:
        if assignment_id in self.booked:
            self._released(assignment_id=assignment_id, by=by)

    @event("Released")
    def _released(self, *, assignment_id: int, by: int | None) -> None:
        self.booked.remove(assignment_id)

    def rebook(self, moves: dict[int, tuple[Booking, Rules]], by: int | None = None) -> None:
        """Bookings whose shifts moved in time together (their department changed zone): each
        is checked again against every rule, beside the others at their new times, earliest
        first. The first rule one breaks is raised (with the moved shift's id), and the caller
        then saves none of it."""
        waiting = set(moves)
        for assignment_id, (booking, rules) in sorted(moves.items(), key=lambda m: (m[1][0].interval.start, m[0])):
            waiting.discard(assignment_id)
            try:
                self.check(booking, rules, ignoring=frozenset(waiting | {assignment_id}))
            except Conflict as refused:
                refused.details.setdefault("shift_id", booking.shift_id)
                raise
            self._booked(
                assignment_id=assignment_id, shift_id=booking.shift_id, roster_id=booking.roster_id,
                start=booking.interval.start, end=booking.interval.end, by=by,
            )

    # -- time off and availability -----------------------------------------------

    def request_time_off(
        self, time_off_id: int, when: Interval, reason: str | None, by: int | None = None,
        timezone: str = DEFAULT_ZONE,
    ) -> None:
        """`when` as instants; `timezone` is the employee's, whose clocks the request was given on."""
        _check_period(when, timezone, "Time off")
        self._time_off_requested(
            employee_id=self.employee_id, time_off_id=time_off_id, start=when.start, end=when.end,
            timezone=timezone, reason=reason, by=self.employee_id if by is None else by,
        )

    @event("TimeOffRequested")
    def _time_off_requested(
        self, *, employee_id: int, time_off_id: int, start: datetime, end: datetime, timezone: str,
        reason: str | None, by: int,
    ) -> None:
        self.time_off[time_off_id] = (Interval(start, end), TimeOffStatus.REQUESTED.value, reason)

    def decide_time_off(self, time_off_id: int, approve: bool, by: int) -> None:
        if time_off_id not in self.time_off:
            raise RuleViolation("No such time-off request", field="time_off_id")
        when, status, _ = self.time_off[time_off_id]
        if status != TimeOffStatus.REQUESTED.value:
            raise Conflict(f"The time-off request is already {status}")
        if approve:
            for _, booking in self.booked.near(when.start, when.end):
                if booking.interval.overlaps(when):
                    raise Conflict(
                        "The employee is booked on a shift in this period; unassign it first",
                        conflicting_shift_id=booking.shift_id,
                    )
        new = TimeOffStatus.APPROVED if approve else TimeOffStatus.REJECTED
        self._time_off_decided(time_off_id=time_off_id, status=new.value, by=by)

    def cancel_time_off(self, time_off_id: int, by: int) -> None:
        if time_off_id not in self.time_off:
            raise RuleViolation("No such time-off request", field="time_off_id")
        if self.time_off[time_off_id][1] == TimeOffStatus.CANCELLED.value:
            raise Conflict("The time-off request is already cancelled")
        self._time_off_decided(time_off_id=time_off_id, status=TimeOffStatus.CANCELLED.value, by=by)

    @event("TimeOffDecided")
    def _time_off_decided(self, *, time_off_id: int, status: str, by: int) -> None:
        when, _, reason = self.time_off[time_off_id]
        self.time_off[time_off_id] = (when, status, reason)

    def mark_unavailable(
        self, entry_id: int, when: Interval, note: str | None, by: int | None = None,
        timezone: str = DEFAULT_ZONE,
    ) -> None:
        _check_period(when, timezone, "Unavailability")
        self._marked_unavailable(
            employee_id=self.employee_id, entry_id=entry_id, start=when.start, end=when.end,
            timezone=timezone, note=note, by=self.employee_id if by is None else by,
        )

    @event("MarkedUnavailable")
    def _marked_unavailable(
        self, *, employee_id: int, entry_id: int, start: datetime, end: datetime, timezone: str,
        note: str | None, by: int,
    ) -> None:
        self.unavailable[entry_id] = (Interval(start, end), note)

    def clear_unavailable(self, entry_id: int, by: int | None = None) -> None:
        if entry_id not in self.unavailable:
            raise RuleViolation("No such unavailability entry", field="entry_id")
        self._unavailable_cleared(entry_id=entry_id, by=self.employee_id if by is None else by)

    @event("UnavailableCleared")
    def _unavailable_cleared(self, *, entry_id: int, by: int) -> None:
        self.unavailable.pop(entry_id, None)


def _working_time_reach(max_consecutive_days: int | None) -> timedelta:
    """How far from a booking's start the shifts that count with it can start: its week on any
    zone's clocks (7 days, and a day for the offset), or a run of days through it (the limit's
    days and two more, as `check_working_time` looks)."""
    return timedelta(days=max(8, (max_consecutive_days or 0) + 2))


def _check_period(when: Interval, timezone: str, what: str) -> None:
    """Inside the calendar window on the employee's clocks, and not empty."""
    check_span(*when.wall_clock(check_zone(timezone)))
    if when.end <= when.start:
        raise RuleViolation(f"{what} must end after it starts", field="end")


# Version 2: periods are UTC instants, with the zone they were given in; before zones they
# were naive wall-clock datetimes, which were UTC.
_periods_were_utc = instants_were_utc("start", "end")


def _given_in_utc(state: dict[str, object]) -> None:
    _periods_were_utc(state)
    zone_was_utc(state)


upgrade(EmployeeSchedule.Booked, 2, _periods_were_utc)
upgrade(EmployeeSchedule.TimeOffRequested, 2, _given_in_utc)
upgrade(EmployeeSchedule.MarkedUnavailable, 2, _given_in_utc)
