"""Calendar events: a person's own appointments, shared by role with colleagues.

Every surface that shows calendar events (001's `/api/events`, 000's `/scheduling/events`)
is a thin controller over this service: the rules are the aggregate's, the tenant rule is
here. Who may see an event is whoever holds a role on it, nobody else (no admin or
auditor reads another person's calendar; auditors read calendar events only as entries of
the audit history, where the creator's enterprise scopes them).

Sharing stays inside a tenant: the user shared with must be of the caller's enterprise.
Users of no enterprise (001's self-registered clients) form one tenant of their own:
they share with each other, never with a member of an enterprise (nor a member with
them), so an enterprise's people cannot be reached from outside it. A user of another
tenant answers as a user that does not exist (404), so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from domain.calendar_event import KIND, CalendarEvent, CalendarEventNotFound, EventRole
from domain.errors import NotFound, RuleViolation
from domain.timeslots import iso

from application import policy
from application.base import CommandHandler
from application.calendar_views import (
    CalendarEventDetail,
    CalendarEventFilter,
    CalendarEventView,
    EventPermission,
    EventsPage,
    ShareView,
)
from application.events import SchedulaX
from application.ports import (
    AttachmentCheck,
    CalendarEventQueries,
    Directory,
    IdAllocator,
    NoAttachments,
    ProjectionSync,
)
from application.principal import Principal

MAX_BATCH = 100
MAX_PAGE = 100
MAX_LISTED = 5000
"""At most this many events in one unpaged listing (000's `GET /scheduling/events`): the
first ones in start order; `total` tells the client there are more (then page /api/events)."""


@dataclass(frozen=True)
class NewCalendarEvent:
    title: str
    start: datetime
    end: datetime
    description: str | None = None
    location: str | None = None
    is_recurring: bool = False
    attachments: tuple[int, ...] = ()


@dataclass(frozen=True)
class CalendarEventChanges:
    """Fields absent from the request stay as they are; `cleared` names fields set to null."""

    title: str | None = None
    description: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None
    is_recurring: bool | None = None
    attachments: tuple[int, ...] | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)


class CalendarService(CommandHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        queries: CalendarEventQueries, attachments: AttachmentCheck | None = None,
    ) -> None:
        super().__init__(events, ids, sync)
        self._directory = directory
        self._queries = queries
        self._attachments = attachments or NoAttachments()

    # -- commands -------------------------------------------------------------------------

    def create(self, principal: Principal, new: NewCalendarEvent) -> CalendarEventDetail:
        policy.require_may_change(principal)
        event = self._planned(principal, new)
        self._commit(event)
        return detail_of(event)

    def create_many(self, principal: Principal, items: Sequence[NewCalendarEvent]) -> list[CalendarEventView]:
        """All of them in one save, or none: a refused item names its index."""
        policy.require_may_change(principal)
        if not 1 <= len(items) <= MAX_BATCH:
            raise RuleViolation(f"A batch holds 1 to {MAX_BATCH} events", field="events")
        for index, new in enumerate(items):  # every item's rules first: a refused batch takes no ids
            try:
                self._planned(principal, new, event_id=0)
            except RuleViolation as refused:
                where, name = f"events[{index}]", refused.details.get("field")
                raise RuleViolation(f"{where}: {refused.message}", field=f"{where}.{name}" if name else where,
                                    index=index) from None
        planned = [self._planned(principal, new) for new in items]
        self._commit(*planned)
        return [summary_of(event) for event in planned]

    def update(self, principal: Principal, event_id: int, changes: CalendarEventChanges) -> CalendarEventDetail:
        policy.require_may_change(principal)
        event = self._held(principal, event_id)
        if changes.attachments is not None:
            self._check_attachments(principal, [a for a in changes.attachments if a not in event.attachments])
        changed = event.change(
            by=principal.id, title=changes.title, description=changes.description, start=changes.start,
            end=changes.end, location=changes.location, is_recurring=changes.is_recurring,
            attachments=changes.attachments, cleared=changes.cleared,
        )
        if changed:
            self._commit(event)
        return detail_of(event)

    def delete(self, principal: Principal, event_id: int) -> None:
        policy.require_may_change(principal)
        event = self._held(principal, event_id)
        event.delete(by=principal.id)
        self._commit(event)

    def share(self, principal: Principal, event_id: int, user_id: int, role: EventRole) -> ShareView:
        policy.require_may_change(principal)
        event = self._held(principal, event_id)  # first: a stranger learns nothing of the user either
        changed = event.share(user_id=user_id, role=role, by=principal.id)  # the caller's rights, then
        self._require_same_tenant(principal, user_id)  # whom: nothing is saved if the user is out of reach
        if changed:
            self._commit(event)
        return ShareView(event_id=event_id, user_id=user_id, role=role.value)

    def unshare(self, principal: Principal, event_id: int, user_id: int) -> None:
        policy.require_may_change(principal)
        event = self._held(principal, event_id)
        event.unshare(user_id=user_id, by=principal.id)
        self._commit(event)

    # -- reads ----------------------------------------------------------------------------

    def list_events(
        self, principal: Principal, start: datetime | None, end: datetime | None, skip: int = 0,
        limit: int = MAX_PAGE,
    ) -> EventsPage:
        """The caller's events (owned or shared with them) overlapping [start, end)."""
        if not 0 <= skip or not 1 <= limit <= MAX_PAGE:
            raise RuleViolation(f"limit must be 1 to {MAX_PAGE}, skip at least 0", field="limit")
        criteria = CalendarEventFilter(
            user_id=principal.id, start_time=_bound(start, "start_time"), end_time=_bound(end, "end_time"),
        )
        return self._queries.events(criteria, skip, limit)

    def list_all(self, principal: Principal) -> EventsPage:
        """Every event the caller holds, in start order, for surfaces that do not page (000):
        one query, bounded by MAX_LISTED; `total` counts them all."""
        return self._queries.events(CalendarEventFilter(user_id=principal.id), 0, MAX_LISTED)

    def get(self, principal: Principal, event_id: int) -> CalendarEventDetail:
        found = self._queries.event(event_id)
        if found is None or all(p.user_id != principal.id for p in found.permissions):
            raise CalendarEventNotFound()
        return found

    # -- helpers --------------------------------------------------------------------------

    def _planned(self, principal: Principal, new: NewCalendarEvent, event_id: int | None = None) -> CalendarEvent:
        """The new event; with `event_id` 0, only its rules are checked (it is never saved)."""
        self._check_attachments(principal, list(new.attachments))
        return CalendarEvent.plan(
            event_id=self._ids.next_id(KIND) if event_id is None else event_id, title=new.title, start=new.start, end=new.end,
            owner_id=principal.id, enterprise_id=principal.enterprise_id, description=new.description,
            location=new.location, is_recurring=new.is_recurring, attachments=new.attachments,
        )

    def _held(self, principal: Principal, event_id: int) -> CalendarEvent:
        """The event, if the caller holds a role on it; else 404 as for an event of nobody."""
        event = self._events.find(CalendarEvent.create_id(event_id), CalendarEvent)
        if event is None or event.role_of(principal.id) is None:
            raise CalendarEventNotFound()
        return event

    def _require_same_tenant(self, principal: Principal, user_id: int) -> None:
        user = self._directory.user(user_id)
        if user is None or user.enterprise_id != principal.enterprise_id:
            raise NotFound("User not found", field="user_id")

    def _check_attachments(self, principal: Principal, file_ids: list[int]) -> None:
        unknown = self._attachments.unknown(principal, file_ids) if file_ids else []
        if unknown:
            raise RuleViolation(f"File {unknown[0]} not found among the caller's files", field="attachments")


def _bound(moment: datetime | None, name: str) -> str | None:
    """A window bound as the read model compares instants; one without a zone is UTC."""
    if moment is None:
        return None
    try:
        return iso(moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc))
    except (OverflowError, ValueError):
        raise RuleViolation(f"{name} is outside the calendar", field=name) from None


def summary_of(event: CalendarEvent) -> CalendarEventView:
    """The event as a saved command answers it, from the aggregate just saved (its times are
    the events', so it equals what the read model then shows)."""
    return CalendarEventView(
        id=event.event_id, title=event.title, description=event.description, start_time=iso(event.start),
        end_time=iso(event.end), location=event.location, is_recurring=event.is_recurring,
        created_by=event.created_by, attachments=list(event.attachments), created_at=iso(event.created_on),
        updated_at=iso(event.modified_on), version=event.version,
    )


def detail_of(event: CalendarEvent) -> CalendarEventDetail:
    order = {EventRole.OWNER.value: 0, EventRole.EDITOR.value: 1, EventRole.VIEWER.value: 2}
    held = sorted(event.permissions.items(), key=lambda p: (order[p[1]], p[0]))
    summary = summary_of(event)
    return CalendarEventDetail(
        **{name: getattr(summary, name) for name in summary.__struct_fields__},
        permissions=[EventPermission(user_id=u, role=r) for u, r in held],
    )
