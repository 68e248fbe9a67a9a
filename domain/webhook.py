"""A webhook subscription: where an enterprise's changes are posted, and which of them.

The signing secret never enters an event. The aggregate keeps a random nonce, from which
only the server's signing key derives the secret (as calendar feed keys do): the event
store, an export of it, or an auditor's replay of it yields no secret that signs a delivery.
A rotation keeps the previous nonce with the instant it stops being used, so that receivers
can switch secrets while deliveries carry a signature by each.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.ids import aggregate_uuid

KIND = "webhook"
ALL = "*"
MAX_URL = 2000
MAX_DESCRIPTION = 500
MIN_NONCE = 22
"""Characters of a URL-safe nonce of at least 128 bits."""


def clean_events(events: list[str], known: frozenset[str]) -> list[str]:
    """The subscribed types, sorted and without repeats; `*` alone stands for every type."""
    if not events:
        raise RuleViolation("Subscribe to at least one event type, or '*'", field="events")
    unknown = sorted(set(events) - known - {ALL})
    if unknown:
        raise RuleViolation(f"Unknown event types: {', '.join(unknown)}", field="events", unknown=unknown)
    return [ALL] if ALL in events else sorted(set(events))


def clean_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise RuleViolation(f"A description has at most {MAX_DESCRIPTION} characters", field="description")
    return description


class Webhook(Aggregate):
    @staticmethod
    def id_for(webhook_id: int) -> UUID:
        return aggregate_uuid(KIND, webhook_id)

    @classmethod
    def subscribe(cls, *, webhook_id: int, enterprise_id: int, url: str, events: list[str],
                  description: str | None, active: bool, nonce: str, by: int) -> Webhook:
        _check_nonce(nonce)
        return cls(id=cls.id_for(webhook_id), webhook_id=webhook_id, enterprise_id=enterprise_id, url=url,
                   events=events, description=description, active=active, nonce=nonce, by=by)

    @event("Subscribed")
    def __init__(self, *, id: UUID, webhook_id: int, enterprise_id: int,  # noqa: A002 (eventsourcing's name)
                 url: str, events: list[str], description: str | None, active: bool, nonce: str, by: int) -> None:
        self.webhook_id = webhook_id
        self.enterprise_id = enterprise_id
        self.url = url
        self.events = list(events)
        self.description = description
        self.active = active
        self.nonce = nonce
        self.previous_nonce: str | None = None
        self.previous_until: str | None = None
        self.rotated_at = None
        self.is_deleted = False

    def revise(self, *, url: str, events: list[str], description: str | None, active: bool, by: int) -> None:
        self._revised(webhook_id=self.webhook_id, url=url, events=events, description=description,
                      active=active, by=by)

    @event("Revised")
    def _revised(self, *, webhook_id: int, url: str, events: list[str], description: str | None,
                 active: bool, by: int) -> None:
        self.url, self.events, self.description, self.active = url, list(events), description, active

    def rotate(self, *, nonce: str, at: str, previous_until: str, by: int) -> None:
        """A new secret from `at`; the one used until now keeps signing until `previous_until`
        (both ISO instants)."""
        _check_nonce(nonce)
        self._rotated(webhook_id=self.webhook_id, nonce=nonce, at=at, previous_until=previous_until, by=by)

    @event("SecretRotated")
    def _rotated(self, *, webhook_id: int, nonce: str, at: str, previous_until: str, by: int) -> None:
        self.previous_nonce, self.previous_until = self.nonce, previous_until
        self.nonce = nonce
        self.rotated_at: str | None = at

    def disable(self, *, failures: int, notify: list[int], by: int | None) -> bool:
        """Switched off after `failures` failed deliveries in a row; `notify`: who is told.
        Whether it was active."""
        if not self.active or self.is_deleted:
            return False
        self._disabled(webhook_id=self.webhook_id, enterprise_id=self.enterprise_id, failures=failures,
                       notify=sorted(notify), url=self.url, by=by)
        return True

    @event("Disabled")
    def _disabled(self, *, webhook_id: int, enterprise_id: int, failures: int, notify: list[int], url: str,
                  by: int | None) -> None:
        self.active = False

    def delete(self, *, by: int) -> None:
        self._deleted(webhook_id=self.webhook_id, by=by)

    @event("Deleted")
    def _deleted(self, *, webhook_id: int, by: int) -> None:
        self.is_deleted = True
        self.active = False


def _check_nonce(nonce: str) -> None:
    if len(nonce) < MIN_NONCE:
        raise RuleViolation("A webhook secret's nonce must hold at least 128 bits", field="nonce")
