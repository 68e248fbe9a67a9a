"""The feed's text is what icalendar writes for the whole calendar, kept VEVENTs or not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from application.calendar_feed_views import FeedItem
from interfaces.http.ical import _calendar, _event, render

T = datetime(2026, 3, 28, 21, tzinfo=timezone.utc)


def item(n: int, **changed: object) -> FeedItem:
    fields: dict[str, object] = dict(
        uid=f"calendar-event-{n}@schedulax", start=T + timedelta(hours=n), end=T + timedelta(hours=n + 1),
        summary=f"Meeting {n}, room; ä", description="A long description, with commas; and newlines\\n " * 4,
        location=None if n % 2 else "Room 4", created=T, last_modified=T, sequence=n, status="CONFIRMED")
    fields.update(changed)
    return FeedItem(**fields)  # type: ignore[arg-type]


def plain(name: str, items: list[FeedItem]) -> bytes:
    calendar = _calendar(name)
    for entry in items:
        calendar.add_component(_event(entry))
    return calendar.to_ical()


def test_the_feed_equals_icalendars_own_text_of_the_calendar_and_reparses() -> None:
    items = [item(n) for n in range(5)]
    assert render("Mine", items) == plain("Mine", items)
    assert render("Mine", items) == plain("Mine", items)  # the second time from kept VEVENTs
    assert render("Empty", []) == plain("Empty", [])
    parsed = Calendar.from_ical(render("Mine", items))
    assert [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")] == [i.summary for i in items]


def test_a_changed_entry_is_written_afresh() -> None:
    before = render("Mine", [item(1)])
    after = render("Mine", [item(1, summary="Renamed", sequence=2)])
    assert b"SUMMARY:Renamed" in after and b"SUMMARY:Renamed" not in before
    assert after == plain("Mine", [item(1, summary="Renamed", sequence=2)])
