"""Audit entries of calendar events: personal, so their entries belong to the creator's
enterprise (admins and auditors read them in the audit log) and name the owner and the user
a share concerns as parties (who read them in their own history)."""

from __future__ import annotations

from typing import Any

from domain.calendar_event import CalendarEvent
from domain.timeslots import iso

from projections.audit_ledger import Ledger, created, diff, listed
from projections.base import Handler, uuid_of
from projections.sql import Cursor

FIELDS = ("title", "description", "start_time", "end_time", "location", "is_recurring", "attachments")


def _fields(e: Any) -> dict[str, Any]:
    return {"title": e.title, "description": e.description, "start_time": iso(e.start), "end_time": iso(e.end),
            "location": e.location, "is_recurring": e.is_recurring, "attachments": list(e.attachments)}


def handlers(ledger: Ledger) -> dict[type, Handler]:
    def state(cur: Cursor, e: Any) -> dict[str, Any]:
        return ledger.get(cur, uuid_of(e)) or {}

    def created_(e: Any, cur: Cursor) -> None:
        after = {"id": e.event_id, "enterprise_id": e.enterprise_id, "owner_id": e.by, **_fields(e)}
        ledger.put(uuid_of(e), after)
        ledger.record(cur, e, "calendar_event_created", "calendar_event", e.event_id, after, e.by,
                      f"{ledger.who(cur, e.by)} created the event '{e.title}' ({after['start_time']} to"
                      f" {after['end_time']})", created(after, FIELDS), party=e.by)

    def changed(e: Any, cur: Cursor) -> None:
        before = state(cur, e)
        after = {**before, **_fields(e)}
        changes = diff(before, after, FIELDS)
        ledger.record(cur, e, "calendar_event_changed", "calendar_event", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} changed {listed(changes) or 'nothing'} of the event"
                      f" '{before.get('title')}'", changes, party=before.get("owner_id"))
        ledger.put(uuid_of(e), after)

    def shared(e: Any, cur: Cursor) -> None:
        before = state(cur, e)
        roles = dict(before.get("roles", {}))
        held = roles.get(str(e.user_id))
        roles[str(e.user_id)] = e.role
        verb = f"shared the event '{before.get('title')}' with {ledger.who(cur, e.user_id)} as {e.role}" \
            if held is None else \
            f"made {ledger.who(cur, e.user_id)} {e.role} (was {held}) of the event '{before.get('title')}'"
        ledger.record(cur, e, "calendar_event_shared", "calendar_event", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} {verb}", {"role": {"from": held, "to": e.role}},
                      party=before.get("owner_id"), other_party=e.user_id)
        ledger.put(uuid_of(e), {**before, "roles": roles})

    def unshared(e: Any, cur: Cursor) -> None:
        before = state(cur, e)
        roles = dict(before.get("roles", {}))
        held = roles.pop(str(e.user_id), None)
        title = before.get("title")
        summary = (f"{ledger.who(cur, e.by)} left the event '{title}'" if e.by == e.user_id else
                   f"{ledger.who(cur, e.by)} took back {ledger.who(cur, e.user_id)}'s role on the event '{title}'")
        ledger.record(cur, e, "calendar_event_unshared", "calendar_event", before.get("id"), before, e.by,
                      summary, {"role": {"from": held, "to": None}}, party=before.get("owner_id"),
                      other_party=e.user_id)
        ledger.put(uuid_of(e), {**before, "roles": roles})

    def deleted(e: Any, cur: Cursor) -> None:
        before = state(cur, e)
        ledger.record(cur, e, "calendar_event_deleted", "calendar_event", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} deleted the event '{before.get('title')}'",
                      party=before.get("owner_id"))
        ledger.put(uuid_of(e), {**before, "is_deleted": True})

    return {
        CalendarEvent.Created: created_,
        CalendarEvent.Changed: changed,
        CalendarEvent.Shared: shared,
        CalendarEvent.Unshared: unshared,
        CalendarEvent.Deleted: deleted,
    }
