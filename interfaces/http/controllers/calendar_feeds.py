"""iCalendar feeds: `/api/events.ics`, `/api/employee/my-schedule.ics`, and the same calendars at
secret URLs (`/api/calendar/feeds/<secret>/...`) that calendar apps subscribe to without a token."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import Parameter

from application.calendar_export import window
from application.calendar_feed_views import FeedKey, FeedWindow
from application.principal import Principal
from interfaces.container import Container
from interfaces.http.calendar_feed_dto import FeedUrls
from interfaces.http.ical import MEDIA_TYPE, render
from interfaces.http.security import Caller, Services

Bound = Annotated[datetime | None, Parameter(
    description="RFC 3339 instant (encode `+` as %2B); without a zone, UTC. Entries overlapping [start, end)"
                " are included; default: from 30 days ago to a year ahead, at most 800 days",
)]
Secret = Annotated[str, Parameter(min_length=1, max_length=200, description="The feed's secret, from"
                                  " GET /api/calendar/feed-url")]
EVENTS = "SchedulaX calendar events"
SCHEDULE = "SchedulaX shifts"
ICS = {"media_type": MEDIA_TYPE, "sync_to_thread": True}


def _span(start: datetime | None, end: datetime | None) -> FeedWindow:
    return window(datetime.now(timezone.utc), start, end)


def events_ics(container: Container, principal: Principal, span: FeedWindow) -> Response[bytes]:
    return _ics(render(EVENTS, container.calendar_export.calendar_events(principal, span)))


def schedule_ics(container: Container, principal: Principal, span: FeedWindow) -> Response[bytes]:
    return _ics(render(SCHEDULE, container.calendar_export.shifts(principal, span)))


def _ics(body: bytes) -> Response[bytes]:
    # A feed is personal: no shared cache keeps it; a client may revalidate it hourly.
    return Response(body, media_type=MEDIA_TYPE, headers={"Cache-Control": "private, max-age=0"})


def _urls(request: Request[Any, Any, Any], container: Container, key: FeedKey) -> FeedUrls:
    base = (container.settings.public_url or str(request.base_url)).rstrip("/")
    return FeedUrls(events_url=f"{base}/api/calendar/feeds/{key.secret}/events.ics",
                    schedule_url=f"{base}/api/calendar/feeds/{key.secret}/my-schedule.ics",
                    keys_issued=key.keys_issued)


class CalendarFeedController(Controller):
    path = "/api"
    tags = ["Calendar feeds"]

    @get("/events.ics", summary="The caller's calendar events (owned or shared) as an iCalendar (RFC 5545) feed", **ICS)
    def events(self, principal: Caller, container: Services, start: Bound = None,
               end: Bound = None) -> Response[bytes]:
        return events_ics(container, principal, _span(start, end))

    @get("/employee/my-schedule.ics", summary="The caller's pending and confirmed shifts as an iCalendar feed", **ICS)
    def schedule(self, principal: Caller, container: Services, start: Bound = None,
                 end: Bound = None) -> Response[bytes]:
        return schedule_ics(container, principal, _span(start, end))

    @get("/calendar/feed-url", sync_to_thread=True,
         summary="The caller's secret feed URLs for calendar apps (issued on first use; the same until rotated)")
    def feed_url(self, request: Request[Any, Any, Any], principal: Caller, container: Services) -> FeedUrls:
        return _urls(request, container, container.calendar_feeds.key(principal))

    @post("/calendar/feed-url/rotate", status_code=200, sync_to_thread=True,
          summary="New secret feed URLs; the previous ones answer 404 from now on")
    def rotate(self, request: Request[Any, Any, Any], principal: Caller, container: Services) -> FeedUrls:
        return _urls(request, container, container.calendar_feeds.rotate(principal))

    @delete("/calendar/feed-url", status_code=204, sync_to_thread=True,
            summary="Revoke the secret feed URLs (a later GET issues new ones)")
    def revoke(self, principal: Caller, container: Services) -> None:
        container.calendar_feeds.revoke(principal)

    @get("/calendar/feeds/{secret:str}/events.ics", summary="A person's calendar events, by secret URL (no token)",
         **ICS)
    def feed_events(self, secret: Secret, container: Services, start: Bound = None,
                    end: Bound = None) -> Response[bytes]:
        principal = container.calendar_feeds.subscriber(secret)
        return events_ics(container, principal, _span(start, end))

    @get("/calendar/feeds/{secret:str}/my-schedule.ics", summary="A person's shifts, by secret URL (no token)",
         **ICS)
    def feed_schedule(self, secret: Secret, container: Services, start: Bound = None,
                      end: Bound = None) -> Response[bytes]:
        principal = container.calendar_feeds.subscriber(secret)
        return schedule_ics(container, principal, _span(start, end))
