"""The notification inbox: list, count, read, dismiss, and choose which types to receive."""

from __future__ import annotations

from collections.abc import Callable

from domain.errors import Conflict, NotFound, RuleViolation
from domain.inbox import NOTIFICATION_TYPES, PRIORITIES, Inbox

from application import policy
from application.base import CommandHandler
from application.events import SchedulaX
from application.inbox_views import InboxCounts, NotificationFilter, NotificationView
from application.ports import IdAllocator, Inboxes, ProjectionSync
from application.principal import Principal
from application.views import Page, Paged

ATTEMPTS = 3
"""Inbox changes are idempotent, so a concurrent change (a second tab) is simply retried."""


class NotificationService(CommandHandler):
    def __init__(self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, inboxes: Inboxes) -> None:
        super().__init__(events, ids, sync)
        self._inboxes = inboxes

    def notifications(
        self, principal: Principal, criteria: NotificationFilter, page: Page
    ) -> tuple[Paged[NotificationView], InboxCounts]:
        if criteria.type is not None and criteria.type not in NOTIFICATION_TYPES:
            raise RuleViolation(f"type must be one of {', '.join(NOTIFICATION_TYPES)}", field="type")
        if criteria.priority is not None and criteria.priority not in PRIORITIES:
            raise RuleViolation(f"priority must be one of {', '.join(PRIORITIES)}", field="priority")
        return self._inboxes.inbox(principal.id, criteria, page)

    def counts(self, principal: Principal, now: str) -> InboxCounts:
        return self._inboxes.counts(principal.id, now)

    def mark_read(self, principal: Principal, notification_id: int) -> NotificationView:
        policy.require_may_change(principal)
        found = self._owned(principal, notification_id)
        if found.read_at is None:
            self._change_inbox(principal.id, lambda inbox: inbox.mark_read(notification_id))
        return self._owned(principal, notification_id)

    def mark_all_read(self, principal: Principal, now: str) -> int:
        policy.require_may_change(principal)
        counts = self._inboxes.counts(principal.id, now)
        if counts.unread_count:
            self._change_inbox(principal.id, lambda inbox: inbox.mark_all_read(counts.last_id))
        return counts.unread_count

    def dismiss(self, principal: Principal, notification_id: int) -> None:
        policy.require_may_change(principal)
        self._owned(principal, notification_id)
        self._change_inbox(principal.id, lambda inbox: inbox.dismiss(notification_id))

    def muted_types(self, principal: Principal) -> list[str]:
        return self._inboxes.muted_types(principal.id)

    def mute(self, principal: Principal, types: list[str]) -> list[str]:
        policy.require_may_change(principal)
        self._change_inbox(principal.id, lambda inbox: inbox.mute(types))
        return self._inboxes.muted_types(principal.id)

    def _owned(self, principal: Principal, notification_id: int) -> NotificationView:
        found = self._inboxes.notification(principal.id, notification_id)
        if found is None:  # someone else's answers the same: no probing of ids
            raise NotFound("Notification not found")
        return found

    def _change_inbox(self, user_id: int, change: Callable[[Inbox], None]) -> None:
        for attempt in range(ATTEMPTS):
            inbox = self._events.find(Inbox.id_for(user_id), Inbox) or Inbox(user_id=user_id)
            change(inbox)
            try:
                self._commit(inbox)
                return
            except Conflict:
                if attempt == ATTEMPTS - 1:
                    raise
