"""000's `/scheduling/events` at the root: the caller's calendar events, the same ones as
001's `/api/events`, through the same CalendarService (same rules, 404 to whoever holds no
role, 403 to a viewer who tries to change), shown as `{id, title, start, end}`."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import ResponseHeader

from application.calendar_events import MAX_LISTED
from interfaces.http.params import PathId
from interfaces.http.scheduling_dto import (
    SchedulingEvent,
    SchedulingEventChangesIn,
    SchedulingEventDeleted,
    SchedulingEventIn,
)
from interfaces.http.security import Caller, Services

TOTAL = "X-Total-Count"


class SchedulingEventController(Controller):
    path = "/scheduling/events"
    tags = ["Scheduling events (000)"]

    @get("/", sync_to_thread=True,
         summary=f"Every calendar event the caller owns or has been shared, in start order (at most"
                 f" {MAX_LISTED}; {TOTAL} counts them all)",
         response_headers=[ResponseHeader(
             name=TOTAL, value="0", documentation_only=True,
             description=f"How many events the caller holds; above {MAX_LISTED}, page /api/events for the rest",
         )])
    def list_events(self, principal: Caller, container: Services) -> Response[list[SchedulingEvent]]:
        page = container.calendar.list_all(principal)
        return Response([SchedulingEvent.of(item) for item in page.items], headers={TOTAL: str(page.total)})

    @post("/", status_code=201, sync_to_thread=True, summary="Create a calendar event; the caller owns it")
    def create(self, data: SchedulingEventIn, principal: Caller, container: Services) -> SchedulingEvent:
        return SchedulingEvent.of(container.calendar.create(principal, data.command()))

    @put("/{event_id:int}", sync_to_thread=True,
         summary="Change an event's title, start or end (its owner and editors; absent fields stay)")
    def update(self, event_id: PathId, data: SchedulingEventChangesIn, principal: Caller,
               container: Services) -> SchedulingEvent:
        return SchedulingEvent.of(container.calendar.update(principal, event_id, data.command()))

    @delete("/{event_id:int}", status_code=200, sync_to_thread=True, summary="Delete an event (its owner only)")
    def remove(self, event_id: PathId, principal: Caller, container: Services) -> SchedulingEventDeleted:
        container.calendar.delete(principal, event_id)
        return SchedulingEventDeleted(message="Event deleted successfully")
