"""/api/notifications: the caller's inbox (002), with 001's PUT spellings as aliases and its `items`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import Parameter, QueryParameter

from application.principal import Principal
from application.inbox_views import NotificationFilter, NotificationView
from domain.inbox import NotificationType
from interfaces.http.dto import Pagination
from interfaces.http.one_hop import answer, services_of
from interfaces.http.params import PageLimit, PageNumber, PathId, page_of, pagination
from interfaces.http.security import Caller, Services
from projections.sql import iso

PriorityFilter = Literal["low", "normal", "high", "urgent"]


class NotificationsResponse(msgspec.Struct, kw_only=True):
    message: str
    notifications: list[NotificationView]
    items: list[NotificationView]
    """001's name for the same rows as `notifications`."""
    pagination: Pagination
    unread_count: int
    total: int


class NotificationResponse(msgspec.Struct, kw_only=True):
    message: str
    notification: NotificationView


class CountResponse(msgspec.Struct, kw_only=True):
    message: str
    unread_count: int
    total: int


class MarkedResponse(msgspec.Struct, kw_only=True):
    message: str
    marked_count: int


class PreferencesIn(msgspec.Struct, kw_only=True):
    muted_types: Annotated[list[str], msgspec.Meta(max_length=len(NotificationType))]


class Preferences(msgspec.Struct, kw_only=True):
    muted_types: list[str]
    available_types: list[str]


class PreferencesResponse(msgspec.Struct, kw_only=True):
    message: str
    preferences: Preferences


def now_iso() -> str:
    return iso(datetime.now(timezone.utc))


def preferences(muted: list[str]) -> Preferences:
    return Preferences(muted_types=muted, available_types=[t.value for t in NotificationType])


class NotificationController(Controller):
    path = "/api/notifications"
    tags = ["Notifications"]

    @get("/", summary="The caller's notifications, newest first")
    async def list_notifications(
        self, request: Request[Any, Any, Any], page: PageNumber = 1, limit: PageLimit = 20,
        read: Annotated[bool | None, Parameter(description="true: read only; false: unread only")] = None,
        type_: Annotated[str | None, QueryParameter(name="type", description="Notification type")] = None,
        priority: PriorityFilter | None = None,
    ) -> Response[NotificationsResponse]:
        container = services_of(request)  # not a dependency: see one_hop.services_of

        def work(principal: Principal, _: object) -> NotificationsResponse:
            criteria = NotificationFilter(read=read, type=type_, priority=priority, now=now_iso())
            listed, counts = container.notifications.notifications(principal, criteria, page_of(page, limit))
            return NotificationsResponse(
                message="Notifications retrieved successfully", notifications=listed.items, items=listed.items,
                pagination=Pagination(**pagination(listed)), unread_count=counts.unread_count,
                total=listed.total,
            )

        return await answer(request, container, work)

    @get("/count", sync_to_thread=True, summary="How many notifications, and how many unread")
    def count(self, principal: Caller, container: Services) -> CountResponse:
        counts = container.notifications.counts(principal, now_iso())
        return CountResponse(message="Notification count retrieved successfully",
                             unread_count=counts.unread_count, total=counts.total)

    @patch("/{notification_id:int}/read", sync_to_thread=True, summary="Mark a notification read")
    def mark_read(self, notification_id: PathId, principal: Caller, container: Services) -> NotificationResponse:
        found = container.notifications.mark_read(principal, notification_id)
        return NotificationResponse(message="Notification marked as read", notification=found)

    @put("/{notification_id:int}/read", sync_to_thread=True, summary="Mark a notification read (001)")
    def mark_read_put(self, notification_id: PathId, principal: Caller, container: Services) -> NotificationView:
        return container.notifications.mark_read(principal, notification_id)

    @post("/mark-all-read", status_code=200, sync_to_thread=True, summary="Mark every notification read")
    def mark_all_read(self, principal: Caller, container: Services) -> MarkedResponse:
        marked = container.notifications.mark_all_read(principal, now_iso())
        return MarkedResponse(message="All notifications marked as read", marked_count=marked)

    @put("/read-all", status_code=204, sync_to_thread=True, summary="Mark every notification read (001)")
    def read_all(self, principal: Caller, container: Services) -> None:
        container.notifications.mark_all_read(principal, now_iso())

    @delete("/{notification_id:int}", status_code=200, sync_to_thread=True, summary="Dismiss a notification")
    def dismiss(self, notification_id: PathId, principal: Caller, container: Services) -> dict[str, Any]:
        container.notifications.dismiss(principal, notification_id)
        return {"message": "Notification deleted successfully"}

    @get("/preferences", sync_to_thread=True, summary="Which notification types the caller mutes")
    def get_preferences(self, principal: Caller, container: Services) -> PreferencesResponse:
        return PreferencesResponse(message="Notification preferences retrieved successfully",
                                   preferences=preferences(container.notifications.muted_types(principal)))

    @put("/preferences", sync_to_thread=True, summary="Choose which notification types to mute")
    def set_preferences(self, data: PreferencesIn, principal: Caller, container: Services) -> PreferencesResponse:
        muted = container.notifications.mute(principal, data.muted_types)
        return PreferencesResponse(message="Notification preferences updated successfully",
                                   preferences=preferences(muted))
