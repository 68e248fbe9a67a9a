"""A user's inbox: which notifications they have read or dismissed, and which types they mute.

Notifications themselves are derived from other events by a projection; what the
user does with them is recorded here, so a rebuild reproduces read and dismissed
state exactly.
"""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.ids import registry_uuid


class NotificationType(str, Enum):
    ROSTER_PUBLISHED = "roster_published"
    SHIFT_ASSIGNED = "shift_assigned"
    SHIFT_UNASSIGNED = "shift_unassigned"
    ASSIGNMENT_DECLINED = "assignment_declined"
    SWAP_REQUEST = "swap_request"
    SWAP_DECIDED = "swap_decided"
    SWAP_CANCELLED = "swap_cancelled"
    TIME_OFF_REQUESTED = "time_off_requested"
    TIME_OFF_DECIDED = "time_off_decided"
    SHIFT_CLAIM = "shift_claim"
    SHIFT_CLAIM_DECIDED = "shift_claim_decided"
    SHIFT_TAKEN_OVER = "shift_taken_over"
    EVENT_UPDATE = "event.update"
    """001's notice of a calendar event shared with the user, changed, deleted or unshared."""
    WEBHOOK_DISABLED = "webhook_disabled"
    """To an enterprise's admins: a webhook subscription was switched off after failed deliveries."""


class Priority(str, Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


NOTIFICATION_TYPES = tuple(t.value for t in NotificationType)
PRIORITIES = tuple(p.value for p in Priority)


class Inbox(Aggregate):
    @staticmethod
    def create_id(user_id: int, **_: object) -> UUID:
        return Inbox.id_for(user_id)

    @staticmethod
    def id_for(user_id: int) -> UUID:
        return registry_uuid(f"inbox:{user_id}")

    @event("Opened")
    def __init__(self, *, user_id: int) -> None:
        self.user_id = user_id
        self.muted: list[str] = []

    def mark_read(self, notification_id: int) -> None:
        self._read(notification_id=notification_id, by=self.user_id)

    @event("Read")
    def _read(self, *, notification_id: int, by: int) -> None:
        pass

    def mark_all_read(self, up_to: int) -> None:
        """Everything delivered up to notification `up_to`; later ones stay unread."""
        self._all_read(up_to=up_to, by=self.user_id)

    @event("AllRead")
    def _all_read(self, *, up_to: int, by: int) -> None:
        pass

    def dismiss(self, notification_id: int) -> None:
        self._dismissed(notification_id=notification_id, by=self.user_id)

    @event("Dismissed")
    def _dismissed(self, *, notification_id: int, by: int) -> None:
        pass

    def mute(self, types: list[str]) -> None:
        """Receive no new notifications of these types (those already delivered stay)."""
        unknown = sorted(set(types) - set(NOTIFICATION_TYPES))
        if unknown:
            raise RuleViolation(
                f"Unknown notification type {unknown[0]!r}; expected one of {', '.join(NOTIFICATION_TYPES)}",
                field="muted_types",
            )
        wanted = sorted(set(types))
        if wanted != self.muted:
            self._muted(types=wanted, by=self.user_id)

    @event("Muted")
    def _muted(self, *, types: list[str], by: int) -> None:
        self.muted = types
