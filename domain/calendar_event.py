"""Calendar events: a person's own appointments, shared with colleagues by role.

The permissions live inside the aggregate, so that every rule about who may see, change,
share or delete an event is checked against the same version that the save then guards
(two concurrent shares of one event cannot both succeed on a stale view). Roles:

- OWNER: the creator. Changes, shares with any role, unshares anyone, deletes.
- EDITOR: changes the event, shares it as VIEWER (never grants EDITOR), leaves it.
- VIEWER: sees it, leaves it.

Whoever holds no role does not see the event: it answers as if it did not exist (404);
a VIEWER who tries to change it is refused (403). Who may be shared with (a colleague of
the same enterprise) is the application's question: the aggregate knows no directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calendar_window import check_span
from domain.errors import NotFound, PermissionDenied, RuleViolation
from domain.ids import aggregate_uuid

KIND = "calendar_event"
MAX_TITLE = 255
MAX_TEXT = 2000
MAX_ATTACHMENTS = 20


class EventRole(str, Enum):
    OWNER = "OWNER"
    EDITOR = "EDITOR"
    VIEWER = "VIEWER"


SHAREABLE = (EventRole.EDITOR, EventRole.VIEWER)
"""The roles a share hands out: there is one owner, its creator."""


class CalendarEventNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Event not found")


class MayNotChange(PermissionDenied):
    def __init__(self, what: str) -> None:
        super().__init__(f"Insufficient permissions: {what}")


def utc_instant(moment: datetime, field: str) -> datetime:
    """An instant in UTC; a time without a zone cannot name one."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation(f"{field} must carry a time zone (e.g. 2024-03-20T10:00:00Z)", field=field)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise RuleViolation(f"{field} is outside the calendar", field=field) from None


def check_times(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = utc_instant(start, "start_time"), utc_instant(end, "end_time")
    # The window is naive (as the domain's intervals): compare the UTC wall clock.
    check_span(start.replace(tzinfo=None), end.replace(tzinfo=None), "start_time", "end_time")
    if end <= start:
        raise RuleViolation("end_time must be after start_time", field="end_time")
    return start, end


def check_title(title: str) -> str:
    if not title or not title.strip():
        raise RuleViolation("Field required: a title that is not blank", field="title")
    if len(title) > MAX_TITLE:
        raise RuleViolation(f"title must be at most {MAX_TITLE} characters", field="title")
    return title


def check_text(value: str | None, field: str, limit: int = MAX_TEXT) -> str | None:
    if value is not None and len(value) > limit:
        raise RuleViolation(f"{field} must be at most {limit} characters", field=field)
    return value


def check_attachments(attachments: Sequence[int]) -> list[int]:
    unique = list(dict.fromkeys(attachments))
    if len(unique) > MAX_ATTACHMENTS:
        raise RuleViolation(f"An event holds at most {MAX_ATTACHMENTS} attachments", field="attachments")
    if any(a < 1 for a in unique):
        raise RuleViolation("attachments are file ids (positive integers)", field="attachments")
    return unique


class CalendarEvent(Aggregate):
    @staticmethod
    def create_id(event_id: int, **_: object) -> UUID:
        return aggregate_uuid(KIND, event_id)

    @classmethod
    def plan(
        cls, *, event_id: int, title: str, start: datetime, end: datetime, owner_id: int,
        enterprise_id: int | None, description: str | None = None, location: str | None = None,
        is_recurring: bool = False, attachments: Sequence[int] = (),
    ) -> CalendarEvent:
        """A new event, owned by its creator. `enterprise_id` is the creator's tenant, which
        its sharing stays inside and its audit entries belong to."""
        start, end = check_times(start, end)
        return cls(
            event_id=event_id, title=check_title(title), description=check_text(description, "description"),
            start=start, end=end, location=check_text(location, "location", MAX_TITLE),
            is_recurring=is_recurring, attachments=check_attachments(attachments), enterprise_id=enterprise_id,
            by=owner_id,
        )

    @event("Created")
    def __init__(
        self, *, event_id: int, title: str, description: str | None, start: datetime, end: datetime,
        location: str | None, is_recurring: bool, attachments: list[int], enterprise_id: int | None, by: int,
    ) -> None:
        self.event_id = event_id
        self.title = title
        self.description = description
        self.start = start
        self.end = end
        self.location = location
        self.is_recurring = is_recurring
        self.attachments = list(attachments)
        self.enterprise_id = enterprise_id
        self.created_by = by
        self.permissions: dict[int, str] = {by: EventRole.OWNER.value}
        self.is_deleted = False

    # -- who may do what ----------------------------------------------------------------

    def role_of(self, user_id: int) -> EventRole | None:
        if self.is_deleted:
            return None
        role = self.permissions.get(user_id)
        return EventRole(role) if role is not None else None

    def require_visible(self, user_id: int) -> EventRole:
        """The caller's role; 404 for whoever holds none (the event's existence stays hidden)."""
        role = self.role_of(user_id)
        if role is None:
            raise CalendarEventNotFound()
        return role

    def _require_editor(self, user_id: int, what: str) -> EventRole:
        role = self.require_visible(user_id)
        if role is EventRole.VIEWER:
            raise MayNotChange(what)
        return role

    # -- commands -----------------------------------------------------------------------

    def change(
        self, *, by: int, title: str | None = None, description: str | None = None,
        start: datetime | None = None, end: datetime | None = None, location: str | None = None,
        is_recurring: bool | None = None, attachments: Sequence[int] | None = None,
        cleared: frozenset[str] = frozenset(),
    ) -> bool:
        """Change the given fields (None: unchanged; `cleared` names optional ones set to null).
        Whether anything changed: an update that changes nothing records nothing."""
        self._require_editor(by, "a viewer cannot change the event")
        new_start, new_end = check_times(start or self.start, end or self.end)
        after = {
            "title": check_title(title) if title is not None else self.title,
            "description": None if "description" in cleared else check_text(
                description if description is not None else self.description, "description"),
            "start": new_start,
            "end": new_end,
            "location": None if "location" in cleared else check_text(
                location if location is not None else self.location, "location", MAX_TITLE),
            "is_recurring": self.is_recurring if is_recurring is None else is_recurring,
            "attachments": self.attachments if attachments is None else check_attachments(attachments),
        }
        if all(getattr(self, name) == value for name, value in after.items()):
            return False
        self._changed(**after, by=by)
        return True

    @event("Changed")
    def _changed(
        self, *, title: str, description: str | None, start: datetime, end: datetime, location: str | None,
        is_recurring: bool, attachments: list[int], by: int,
    ) -> None:
        self.title = title
        self.description = description
        self.start = start
        self.end = end
        self.location = location
        self.is_recurring = is_recurring
        self.attachments = list(attachments)

    def share(self, *, user_id: int, role: EventRole, by: int) -> bool:
        """Give `user_id` a role; sharing again changes it. Whether anything changed."""
        mine = self._require_editor(by, "a viewer cannot share the event")
        if role not in SHAREABLE:
            raise RuleViolation("role must be EDITOR or VIEWER: an event has one owner", field="role")
        if user_id == by:
            raise RuleViolation("You cannot share an event with yourself", field="user_id")
        if self.permissions.get(user_id) == EventRole.OWNER.value:
            raise RuleViolation("The event's owner holds it already", field="user_id")
        held = self.permissions.get(user_id)
        if mine is EventRole.EDITOR and (role is EventRole.EDITOR or held == EventRole.EDITOR.value):
            raise MayNotChange("only the owner grants or takes back EDITOR")
        if held == role.value:
            return False
        self._shared(user_id=user_id, role=role.value, by=by)
        return True

    @event("Shared")
    def _shared(self, *, user_id: int, role: str, by: int) -> None:
        self.permissions[user_id] = role

    def unshare(self, *, user_id: int, by: int) -> None:
        """Take a role back: the owner from anyone, an editor from a viewer, anyone from themselves."""
        mine = self.require_visible(by)
        held = self.permissions.get(user_id)
        if held == EventRole.OWNER.value:
            raise RuleViolation("The owner cannot be removed from their event; delete it instead",
                                field="user_id")
        if user_id != by:
            if mine is EventRole.VIEWER:
                raise MayNotChange("a viewer cannot change who holds the event")
            if mine is EventRole.EDITOR and held == EventRole.EDITOR.value:
                raise MayNotChange("only the owner grants or takes back EDITOR")
        if held is None:
            raise NotFound("The user holds no role on this event", field="user_id")
        self._unshared(user_id=user_id, by=by)

    @event("Unshared")
    def _unshared(self, *, user_id: int, by: int) -> None:
        del self.permissions[user_id]

    def delete(self, *, by: int) -> None:
        role = self.require_visible(by)
        if role is not EventRole.OWNER:
            raise MayNotChange("only the owner deletes the event")
        self._deleted(by=by)

    @event("Deleted")
    def _deleted(self, *, by: int) -> None:
        self.is_deleted = True

