"""001's calendar events under /api/events: a person's own events and those shared with them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.params import Parameter

from application.calendar_views import CalendarEventDetail, EventsPage, ShareView
from domain.calendar_event import EventRole
from interfaces.http.calendar_dto import BatchIn, BatchOut, EventChangesIn, EventIn, ShareIn
from interfaces.http.dto import MAX_ID
from interfaces.http.params import MAX_LIMIT, PathId, versioned
from interfaces.http.security import Caller, Services

Bound = Annotated[datetime | None, Parameter(
    description="RFC 3339 instant (encode `+` as %2B); without a zone, UTC. Events overlapping the window"
                " [start_time, end_time) are listed",
)]
Skip = Annotated[int, Parameter(ge=0, le=MAX_ID, description="How many events to skip")]
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"At most this many events (1 to {MAX_LIMIT})")]


class CalendarEventController(Controller):
    path = "/api/events"
    tags = ["Calendar events"]

    @post("/", status_code=201, sync_to_thread=True, summary="Create a calendar event; the caller owns it")
    def create(self, data: EventIn, principal: Caller, container: Services) -> Response[CalendarEventDetail]:
        created = container.calendar.create(principal, data.command())
        return versioned(created, created.version, 201)

    @get("/", sync_to_thread=True,
         summary="The caller's calendar events (owned or shared with them) overlapping a window, in start order")
    def list_events(self, principal: Caller, container: Services, start_time: Bound = None,
                    end_time: Bound = None, skip: Skip = 0, limit: Limit = MAX_LIMIT) -> EventsPage:
        return container.calendar.list_events(principal, start_time, end_time, skip, limit)

    @post("/batch", status_code=201, sync_to_thread=True,
          summary="Create 1 to 100 events at once: all of them, or none (a refused item is named by its index)")
    def batch(self, data: BatchIn, principal: Caller, container: Services) -> BatchOut:
        created = container.calendar.create_many(principal, [item.command() for item in data.events])
        return BatchOut(created=len(created), events=created)

    @get("/{event_id:int}", sync_to_thread=True, summary="One calendar event, with who holds it in which role")
    def detail(self, event_id: PathId, principal: Caller, container: Services) -> Response[CalendarEventDetail]:
        found = container.calendar.get(principal, event_id)
        return versioned(found, found.version)

    @put("/{event_id:int}", sync_to_thread=True,
         summary="Change some of an event's fields (its owner and editors; absent fields stay)")
    def update(self, event_id: PathId, data: EventChangesIn, principal: Caller,
               container: Services) -> Response[CalendarEventDetail]:
        changed = container.calendar.update(principal, event_id, data.command())
        return versioned(changed, changed.version)

    @delete("/{event_id:int}", status_code=204, sync_to_thread=True, summary="Delete an event (its owner only)")
    def remove(self, event_id: PathId, principal: Caller, container: Services) -> None:
        container.calendar.delete(principal, event_id)

    @post("/{event_id:int}/share", status_code=200, sync_to_thread=True,
          summary="Share an event with a user of the caller's enterprise; sharing again changes the role."
                  " Editors share as VIEWER, only the owner grants EDITOR")
    def share(self, event_id: PathId, data: ShareIn, principal: Caller, container: Services) -> ShareView:
        return container.calendar.share(principal, event_id, data.user_id, EventRole(data.role))

    @delete("/{event_id:int}/share/{user_id:int}", status_code=204, sync_to_thread=True,
            summary="Take a user's role back: the owner from anyone, an editor from a viewer, anyone from"
                    " themselves (leaving the event)")
    def unshare(self, event_id: PathId, user_id: PathId, principal: Caller, container: Services) -> None:
        container.calendar.unshare(principal, event_id, user_id)
