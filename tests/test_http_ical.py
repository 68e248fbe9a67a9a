"""iCalendar feeds: the caller's calendar events and shifts as RFC 5545, parsed back with the
`icalendar` library, and the secret feed URLs that calendar apps subscribe to without a token."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from litestar.testing import TestClient

from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import World, bearer, ok, seed_world

SPRING = {"start": "2026-03-01T00:00:00Z", "end": "2026-05-01T00:00:00Z"}
"""A window around the events and shifts these tests make (Berlin's clocks change on 2026-03-29)."""


def h(who: dict[str, Any]) -> dict[str, str]:
    return bearer(who["token"])


def parse(response: Any) -> dict[str, Any]:
    """The feed's VEVENTs by UID, each as the fields a calendar app reads."""
    assert response.status_code == 200, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in events, f"UID {uid} twice"
        events[uid] = {
            "start": event.decoded("DTSTART"), "end": event.decoded("DTEND"), "summary": str(event["SUMMARY"]),
            "location": str(event["LOCATION"]) if "LOCATION" in event else None,
            "description": str(event["DESCRIPTION"]) if "DESCRIPTION" in event else None,
            "sequence": int(event["SEQUENCE"]), "status": str(event["STATUS"]),
            "dtstamp": event.decoded("DTSTAMP"), "last_modified": event.decoded("LAST-MODIFIED"),
        }
    return events


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def new_event(w: World, who: dict[str, Any], title: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    body = {"title": title, "start_time": start, "end_time": end, **extra}
    return ok(w.client.post("/api/events", json=body, headers=h(who)), 201)


@pytest.fixture
def w(client: TestClient) -> World:
    """On every backend (memory, SQLite, PostgreSQL): the feeds read the read models' own SQL."""
    return seed_world(client)


def berlin_nights(w: World) -> dict[str, Any]:
    """Acme's Ops in Europe/Berlin with a roster over the spring DST change; the employee holds a
    night across it (pending), a day (confirmed) and declined a third shift."""
    a = w.acme
    ok(w.client.put(f"/api/departments/{a.department_id}", json={"timezone": "Europe/Berlin"}, headers=h(a.admin)))
    roster = ok(w.client.post("/api/rosters", json={
        "name": "Spring", "department_id": a.department_id, "start_date": "2026-03-27", "end_date": "2026-03-30",
        "settings": {"min_rest_hours": 0}}, headers=h(a.manager)), 201)["roster"]

    def shift(date: str, start: str, end: str, title: str, **extra: Any) -> dict[str, Any]:
        return ok(w.client.post("/api/shifts", json={"roster_id": roster["id"], "date": date, "start_time": start,
                                                     "end_time": end, "title": title, **extra},
                                headers=h(a.manager)), 201)["shift"]

    def assign(shift_id: int) -> int:
        return ok(w.client.post(f"/api/shifts/{shift_id}/assignments", json={"employee_id": a.employee["id"]},
                                headers=h(a.manager)), 201)["assignment"]["id"]

    def answer(assignment_id: int, status: str) -> None:
        ok(w.client.patch(f"/api/employee/assignments/{assignment_id}/status", json={"status": status},
                          headers=h(a.employee)))

    night = shift("2026-03-28", "22:00", "06:00", "Night, ward 3; east", location="Ward 3, East wing")
    day = shift("2026-03-27", "08:00", "16:00", "Day")
    refused = shift("2026-03-30", "08:00", "16:00", "Declined day")
    held = {"night": (night, assign(night["id"])), "day": (day, assign(day["id"]))}
    answer(held["day"][1], "confirmed")
    answer(assign(refused["id"]), "declined")
    return {"roster": roster, **held}


def test_the_events_feed_holds_every_event_the_caller_owns_or_was_shared_and_each_round_trips(w: World) -> None:
    a = w.acme
    mine = new_event(w, a.employee, "Budget review, Q2; draft", "2026-03-20T10:00:00Z", "2026-03-20T11:30:00Z",
                     location="Room 4, 2nd floor", description="Bring the numbers.\nAnd coffee; lots. " * 5)
    other = new_event(w, a.employee, "Dentist", "2026-04-02T07:15:00+02:00", "2026-04-02T08:00:00+02:00")
    theirs = new_event(w, a.colleague, "Offsite", "2026-03-25T09:00:00Z", "2026-03-26T17:00:00Z")
    ok(w.client.post(f"/api/events/{theirs['id']}/share", json={"user_id": a.employee["id"], "role": "VIEWER"},
                     headers=h(a.colleague)))
    hidden = new_event(w, a.colleague, "Private", "2026-03-21T09:00:00Z", "2026-03-21T10:00:00Z")
    outside = new_event(w, a.employee, "Next year", "2027-06-01T09:00:00Z", "2027-06-01T10:00:00Z")

    feed = parse(w.client.get("/api/events.ics", params=SPRING, headers=h(a.employee)))

    listed = ok(w.client.get("/api/events", params={"start_time": SPRING["start"], "end_time": SPRING["end"]},
                             headers=h(a.employee)))["items"]
    assert {e["id"] for e in listed} == {mine["id"], other["id"], theirs["id"]}
    assert set(feed) == {f"calendar-event-{e['id']}@schedulax" for e in listed}
    for event in listed:
        got = feed[f"calendar-event-{event['id']}@schedulax"]
        assert (got["start"], got["end"]) == (instant(event["start_time"]), instant(event["end_time"]))
        assert (got["summary"], got["location"], got["description"]) == (
            event["title"], event["location"], event["description"])
        assert got["status"] == "CONFIRMED" and got["sequence"] >= 0
    assert feed[f"calendar-event-{other['id']}@schedulax"]["start"] == datetime(2026, 4, 2, 5, 15, tzinfo=timezone.utc)
    assert f"calendar-event-{hidden['id']}@schedulax" not in feed
    assert f"calendar-event-{outside['id']}@schedulax" not in feed
    # The default window (30 days back, a year ahead of now) is the one the app's clock gives.
    assert f"calendar-event-{mine['id']}@schedulax" not in parse(w.client.get("/api/events.ics",
                                                                              headers=h(a.employee)))


def test_sequence_stays_equal_between_fetches_and_grows_when_the_event_changes(w: World) -> None:
    a = w.acme
    event = new_event(w, a.employee, "Standup", "2026-03-20T09:00:00Z", "2026-03-20T09:15:00Z")
    uid = f"calendar-event-{event['id']}@schedulax"
    first = w.client.get("/api/events.ics", params=SPRING, headers=h(a.employee))
    again = w.client.get("/api/events.ics", params=SPRING, headers=h(a.employee))
    assert first.content == again.content  # DTSTAMP included: an unchanged feed is byte for byte the same
    before = parse(first)[uid]
    ok(w.client.put(f"/api/events/{event['id']}", json={"start_time": "2026-03-20T10:00:00Z",
                                                        "end_time": "2026-03-20T10:15:00Z"}, headers=h(a.employee)))
    moved = parse(w.client.get("/api/events.ics", params=SPRING, headers=h(a.employee)))[uid]
    assert moved["sequence"] > before["sequence"]
    assert moved["start"] == datetime(2026, 3, 20, 10, tzinfo=timezone.utc)
    assert moved["last_modified"] >= before["last_modified"]
    ok(w.client.put(f"/api/events/{event['id']}", json={"title": "Standup"}, headers=h(a.employee)))  # no change
    assert parse(w.client.get("/api/events.ics", params=SPRING, headers=h(a.employee)))[uid] == moved
    ok(w.client.delete(f"/api/events/{event['id']}", headers=h(a.employee)), 204)
    assert uid not in parse(w.client.get("/api/events.ics", params=SPRING, headers=h(a.employee)))


def test_the_schedule_feed_holds_the_callers_pending_and_confirmed_shifts_with_their_instants(w: World) -> None:
    a = w.acme
    held = berlin_nights(w)
    feed = parse(w.client.get("/api/employee/my-schedule.ics", params=SPRING, headers=h(a.employee)))
    schedule = ok(w.client.get("/api/employee/my-schedule", headers=h(a.employee)))["schedule"]["assignments"]
    shown = [e for e in schedule if e["status"] in ("pending", "confirmed")]
    assert len(shown) == 2 and len(schedule) == 3
    assert set(feed) == {f"shift-{e['shift']['id']}-assignment-{e['id']}@schedulax" for e in shown}
    for entry in shown:
        got = feed[f"shift-{entry['shift']['id']}-assignment-{entry['id']}@schedulax"]
        assert (got["start"], got["end"]) == (instant(entry["shift"]["starts_at"]), instant(entry["shift"]["ends_at"]))
        assert (got["summary"], got["location"]) == (entry["shift"]["title"], entry["shift"]["location"])
        assert got["status"] == {"pending": "TENTATIVE", "confirmed": "CONFIRMED"}[entry["status"]]
    night, assignment = held["night"]
    got = feed[f"shift-{night['id']}-assignment-{assignment}@schedulax"]
    # 22:00 to 06:00 in Berlin on the night the clocks go forward: 21:00 to 04:00 UTC, 7 hours.
    assert got["start"] == datetime(2026, 3, 28, 21, tzinfo=timezone.utc)
    assert got["end"] == datetime(2026, 3, 29, 4, tzinfo=timezone.utc)
    assert got["summary"] == "Night, ward 3; east" and got["location"] == "Ward 3, East wing"
    assert "2026-03-28 22:00-06:00 (Europe/Berlin)" in got["description"]
    assert got["status"] == "TENTATIVE"


def test_a_shifts_sequence_grows_when_it_is_confirmed_or_changed_and_not_otherwise(w: World) -> None:
    a = w.acme
    night, assignment = berlin_nights(w)["night"]
    uid = f"shift-{night['id']}-assignment-{assignment}@schedulax"

    def entry() -> dict[str, Any]:
        return parse(w.client.get("/api/employee/my-schedule.ics", params=SPRING, headers=h(a.employee)))[uid]

    first = entry()
    assert entry() == first
    ok(w.client.patch(f"/api/employee/assignments/{assignment}/status", json={"status": "confirmed"},
                      headers=h(a.employee)))
    confirmed = entry()
    assert confirmed["status"] == "CONFIRMED" and confirmed["sequence"] > first["sequence"]
    ok(w.client.put(f"/api/shifts/{night['id']}", json={"title": "Night, ward 4"}, headers=h(a.manager)))
    renamed = entry()
    assert renamed["sequence"] > confirmed["sequence"] and renamed["summary"] == "Night, ward 4"
    assert renamed["start"] == first["start"]


def test_the_secret_url_answers_without_a_token_exactly_what_the_authenticated_feed_answers(w: World) -> None:
    a = w.acme
    berlin_nights(w)
    new_event(w, a.employee, "Standup", "2026-03-20T09:00:00Z", "2026-03-20T09:15:00Z")
    urls = ok(w.client.get("/api/calendar/feed-url", headers=h(a.employee)))
    assert ok(w.client.get("/api/calendar/feed-url", headers=h(a.employee))) == urls  # the same until rotated
    for url, path in ((urls["events_url"], "/api/events.ics"), (urls["schedule_url"], "/api/employee/my-schedule.ics")):
        assert url.startswith("http") and "/api/calendar/feeds/" in url
        public = w.client.get(url, params=SPRING)
        assert public.status_code == 200 and parse(public)
        assert public.content == w.client.get(path, params=SPRING, headers=h(a.employee)).content


def test_rotating_or_revoking_stops_the_old_urls_at_once(w: World) -> None:
    a = w.acme
    first = ok(w.client.get("/api/calendar/feed-url", headers=h(a.employee)))
    rotated = ok(w.client.post("/api/calendar/feed-url/rotate", headers=h(a.employee)))
    assert rotated["events_url"] != first["events_url"] and rotated["keys_issued"] == first["keys_issued"] + 1
    assert w.client.get(first["events_url"]).status_code == 404
    assert w.client.get(first["schedule_url"]).status_code == 404
    assert w.client.get(rotated["events_url"]).status_code == 200
    ok(w.client.delete("/api/calendar/feed-url", headers=h(a.employee)), 204)
    ok(w.client.delete("/api/calendar/feed-url", headers=h(a.employee)), 204)  # again: nothing left to revoke
    gone = w.client.get(rotated["schedule_url"])
    assert gone.status_code == 404 and gone.json()["error"]
    renewed = ok(w.client.get("/api/calendar/feed-url", headers=h(a.employee)))
    assert renewed["events_url"] not in (first["events_url"], rotated["events_url"])
    assert w.client.get(renewed["events_url"]).status_code == 200


def test_another_persons_secret_never_shows_your_events_and_a_guessed_one_opens_nothing(w: World) -> None:
    a = w.acme
    mine = new_event(w, a.employee, "Mine", "2026-03-20T09:00:00Z", "2026-03-20T09:15:00Z")
    theirs = ok(w.client.get("/api/calendar/feed-url", headers=h(w.globex.employee)))
    seen = parse(w.client.get(theirs["events_url"], params=SPRING))
    assert f"calendar-event-{mine['id']}@schedulax" not in seen and seen == {}
    mine_url = ok(w.client.get("/api/calendar/feed-url", headers=h(a.employee)))["events_url"]
    secret = mine_url.split("/feeds/")[1].split("/")[0]
    for guess in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "x", secret.upper()):
        assert w.client.get(f"/api/calendar/feeds/{guess}/events.ics").status_code == 404


def test_a_deactivated_persons_feed_answers_404(w: World) -> None:
    a = w.acme
    url = ok(w.client.get("/api/calendar/feed-url", headers=h(a.employee)))["events_url"]
    assert w.client.get(url).status_code == 200
    ok(w.client.put(f"/api/users/{a.employee['id']}", json={"is_active": False}, headers=h(a.admin)))
    assert w.client.get(url).status_code == 404


def test_the_feeds_need_a_token_and_a_sensible_window(w: World) -> None:
    far = w.client.get("/api/events.ics", params={"end": "9999-12-31T23:59:59Z"}, headers=h(w.acme.employee))
    assert far.status_code == 200  # the window ending there starts 395 days before
    for path in ("/api/events.ics", "/api/employee/my-schedule.ics", "/api/calendar/feed-url"):
        assert w.client.get(path).status_code == 401
    assert w.client.post("/api/calendar/feed-url/rotate").status_code == 401
    who = h(w.acme.employee)
    for params, field in (({"start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, "end"),
                          ({"start": "2020-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end"),
                          ({"start": "tomorrow"}, None), ({"start": "9999-12-31T00:00:00Z"}, None)):
        response = w.client.get("/api/events.ics", params=params, headers=who)
        assert response.status_code == 400, (params, response.text)
        if field:
            assert response.json()["details"]["field"] == field


def test_auditors_get_no_feed_urls(w: World) -> None:
    auditor = ok(w.client.post("/api/users", json={
        "full_name": "Audrey", "email": "audrey@acme.test", "password": "correct-horse-9", "role": "auditor",
        "enterprise_id": w.acme.enterprise_id, "department_id": None}, headers=h(w.acme.admin)), 201)["user"]
    token = ok(w.client.post("/api/auth/login", json={"email": auditor["email"], "password": "correct-horse-9"}))
    assert w.client.get("/api/calendar/feed-url", headers=bearer(token["token"])).status_code == 403
    assert w.client.get("/api/events.ics", headers=bearer(token["token"])).status_code == 200


def test_feed_urls_are_built_on_the_public_url_when_one_is_set(tmp_path: Path,
                                                               request: pytest.FixtureRequest) -> None:
    settings = settings_for("sqlite", tmp_path, request, public_url="https://schedulax.example/")
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            world = seed_world(client)
            urls = ok(client.get("/api/calendar/feed-url", headers=h(world.acme.employee)))
            assert urls["schedule_url"].startswith("https://schedulax.example/api/calendar/feeds/")
            assert client.get(urls["schedule_url"].removeprefix("https://schedulax.example")).status_code == 200
    finally:
        container.close()


def test_neither_the_read_model_nor_the_event_store_holds_a_working_secret(w: World) -> None:
    url = ok(w.client.get("/api/calendar/feed-url", headers=h(w.acme.employee)))["events_url"]
    secret = url.split("/feeds/")[1].split("/")[0]
    assert len(secret) >= 22  # at least 128 bits, URL-safe
    container = w.client.app.state.container
    with container.store.read() as cur:
        cur.execute("SELECT * FROM cf_feeds")
        rows = [dict(r) for r in cur.fetchall()]
    assert rows and all(secret not in str(row) for row in rows)
    stored = container.events.recorder.select_notifications(start=1, limit=1_000_000)
    assert all(secret.encode() not in n.state for n in stored)
