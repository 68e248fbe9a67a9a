"""Which source day each day of a copied roster takes its shifts from (domain/week_pattern.py)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.week_pattern import copy_days, source_day, whole_weeks_between

DEC_1, DEC_31 = date(2024, 12, 1), date(2024, 12, 31)  # a Sunday to a Tuesday
JAN_1, JAN_31 = date(2025, 1, 1), date(2025, 1, 31)  # a Wednesday to a Friday


def mapping(source: tuple[date, date], target: tuple[date, date]) -> dict[date, date]:
    return dict(copy_days(*source, *target))


def test_december_copied_into_january_keeps_every_weekday_and_moves_by_four_weeks() -> None:
    days = mapping((DEC_1, DEC_31), (JAN_1, JAN_31))
    assert len(days) == 31
    assert all(target.weekday() == source.weekday() for target, source in days.items())
    assert days[JAN_1] == date(2024, 12, 4) and days[date(2025, 1, 28)] == DEC_31
    # The three days past the moved month repeat the pattern from its start.
    assert [days[date(2025, 1, d)] for d in (29, 30, 31)] == [date(2024, 12, d) for d in (4, 5, 6)]


def test_business_days_stay_business_days_after_a_copy_by_an_odd_number_of_days() -> None:
    business = {d for d in (DEC_1 + timedelta(n) for n in range(31)) if d.weekday() < 5}
    days = mapping((DEC_1, DEC_31), (JAN_1, JAN_31))
    assert {t for t, s in days.items() if s in business} == {t for t in days if t.weekday() < 5}


def test_a_copy_by_whole_weeks_is_an_exact_translation() -> None:
    start, end = date(2026, 1, 5), date(2026, 2, 1)
    days = mapping((start, end), (start + timedelta(weeks=6), end + timedelta(weeks=6)))
    assert all(target - source == timedelta(weeks=6) for target, source in days.items()) and len(days) == 28


def test_a_longer_month_repeats_the_pattern_of_a_shorter_one() -> None:
    # February 2026 is exactly four weeks (Sunday to Saturday); March has 31 days.
    days = mapping((date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 3, 1), date(2026, 3, 31)))
    assert len(days) == 31 and days[date(2026, 3, 1)] == date(2026, 2, 1)
    assert [days[date(2026, 3, d)] for d in (29, 30, 31)] == [date(2026, 2, d) for d in (1, 2, 3)]


def test_a_shorter_target_takes_only_the_part_of_the_pattern_it_covers() -> None:
    # Monday to Wednesday, 36 days after the source's first day: five weeks on.
    days = mapping((DEC_1, DEC_31), (date(2025, 1, 6), date(2025, 1, 8)))
    assert days == {date(2025, 1, 6): date(2024, 12, 2), date(2025, 1, 7): date(2024, 12, 3),
                    date(2025, 1, 8): date(2024, 12, 4)}


def test_a_source_shorter_than_a_week_leaves_its_missing_weekdays_empty() -> None:
    monday, friday = date(2026, 1, 5), date(2026, 1, 9)
    days = mapping((monday, friday), (date(2026, 2, 2), date(2026, 2, 15)))  # two whole weeks
    assert sorted(days) == [d for d in (date(2026, 2, 2) + timedelta(n) for n in range(14)) if d.weekday() < 5]
    assert all(source.weekday() == target.weekday() for target, source in days.items())


def test_a_one_day_source_fills_that_weekday_of_every_week() -> None:
    wednesday = date(2026, 1, 7)
    days = mapping((wednesday, wednesday), (date(2026, 3, 1), date(2026, 3, 31)))
    assert sorted(days) == [date(2026, 3, d) for d in (4, 11, 18, 25)]
    assert set(days.values()) == {wednesday}


def test_the_nearest_whole_number_of_weeks_is_chosen() -> None:
    assert whole_weeks_between(DEC_1, DEC_1 + timedelta(days=3)) == 0
    assert whole_weeks_between(DEC_1, DEC_1 + timedelta(days=4)) == 1
    assert whole_weeks_between(DEC_1, DEC_1 - timedelta(days=31)) == -4


def test_copies_to_the_far_ends_of_the_calendar_form_no_date_outside_it() -> None:
    assert source_day(date(1970, 1, 1), date(1970, 1, 31), date(2199, 12, 1), date(2199, 12, 31)) is not None
    assert source_day(date(2199, 12, 1), date(2199, 12, 31), date(1970, 1, 1), date(1970, 1, 1)) is not None


@given(
    source_start=st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    source_length=st.integers(1, 120),
    target_start=st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    target_length=st.integers(1, 120),
)
def test_every_day_takes_a_source_day_of_its_own_weekday_inside_the_source(
    source_start: date, source_length: int, target_start: date, target_length: int,
) -> None:
    source_end = source_start + timedelta(days=source_length - 1)
    target_end = target_start + timedelta(days=target_length - 1)
    days = copy_days(source_start, source_end, target_start, target_end)
    for target, source in days:
        assert target.weekday() == source.weekday() and source_start <= source <= source_end
        assert target_start <= target <= target_end
    source_weekdays = {(source_start + timedelta(n)).weekday() for n in range(source_length)}
    # A day is left out only when the source has no day of its weekday.
    assert [t for t, _ in days] == [
        t for t in (target_start + timedelta(n) for n in range(target_length)) if t.weekday() in source_weekdays
    ]
