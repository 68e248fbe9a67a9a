"""Audit entries of users, enterprises, departments, invitations and notification preferences.

A user's entries belong to the enterprise they stand in (after a placement, the new one;
a join request, the one asked). Passwords are never reported, only that one changed.
"""

from __future__ import annotations

from typing import Any

from domain.identity import PASSWORD_CHANGED, SIGNED_OUT_EVERYWHERE, User
from domain.inbox import Inbox
from domain.invitation import Invitation
from domain.hours import DEFAULT_WEEK_START
from domain.organisation import HOURS_DEFAULTS, Department, Enterprise

from projections.audit_ledger import Ledger, State, created, diff, key_of, listed, role_word
from projections.base import Handler, uuid_of
from projections.sql import Cursor, iso

USER_FIELDS = ("full_name", "email", "role", "gender", "enterprise_id", "department_id", "is_active")
PLACEMENT = ("role", "enterprise_id", "department_id")


def user_scope(user: State) -> State:
    return {"enterprise_id": user.get("enterprise_id"), "department_id": user.get("department_id")}


def handlers(ledger: Ledger) -> dict[type, Handler]:  # noqa: C901 - one closure per event
    def user(cur: Cursor, e: Any) -> State:
        return ledger.get(cur, uuid_of(e)) or {}

    def of_user(e: Any, cur: Cursor, before: State, after: State, type_: str, summary: str,
                changes: dict[str, Any] | None, scope: State | None = None, actor: int | None = None) -> None:
        """An entry about a user, then their new state (so the actor is named as before)."""
        ledger.record(cur, e, type_, "user", before.get("id"), scope or user_scope(after),
                      getattr(e, "by", None) if actor is None else actor, summary, changes)
        ledger.put(uuid_of(e), after)

    # -- users ---------------------------------------------------------------------------

    def registered(e: Any, cur: Cursor) -> None:
        state = {"id": e.user_id, "full_name": e.full_name, "email": e.email, "role": e.role,
                 "gender": e.gender, "enterprise_id": e.enterprise_id, "department_id": e.department_id,
                 "is_active": e.is_active, "muted": []}
        ledger.put(uuid_of(e), state)
        place = ledger.place(cur, e.enterprise_id, e.department_id)
        if e.by is None:  # they registered themselves (or the first system admin was created)
            actor, summary = e.user_id, f"{e.full_name} registered as {role_word(e.role)} ({place})"
        else:
            actor = e.by
            summary = f"{ledger.who(cur, e.by)} created the user {e.full_name} as {role_word(e.role)} ({place})"
        ledger.record(cur, e, "user_registered", "user", e.user_id, user_scope(state), actor, summary,
                      created(state, USER_FIELDS))

    def profile_updated(e: Any, cur: Cursor) -> None:
        before = user(cur, e)
        after = {**before, "full_name": e.full_name, "gender": e.gender}
        changes = diff(before, after, ("full_name", "gender"))
        who = ledger.who(cur, e.by)
        if "full_name" in changes:
            summary = f"{who} renamed {before.get('full_name')} to {e.full_name}"
        else:
            summary = f"{who} updated the profile of {before.get('full_name')}: {listed(changes)}"
        of_user(e, cur, before, after, "user_profile_updated", summary, changes)

    def placed(e: Any, cur: Cursor) -> None:
        before = user(cur, e)
        after = {**before, "role": e.role, "enterprise_id": e.enterprise_id, "department_id": e.department_id}
        # Moved out of every enterprise: the entry stays with the one they left.
        scope = user_scope(after) if e.enterprise_id is not None else user_scope(before)
        of_user(e, cur, before, after, "user_placed",
                f"{ledger.who(cur, e.by)} placed {before.get('full_name')} as {role_word(e.role)}"
                f" ({ledger.place(cur, e.enterprise_id, e.department_id)})",
                diff(before, after, PLACEMENT), scope)

    def email_changed(e: Any, cur: Cursor) -> None:
        before = user(cur, e)
        after = {**before, "email": e.email}
        of_user(e, cur, before, after, "user_email_changed",
                f"{ledger.who(cur, e.by)} changed the email of {before.get('full_name')}",
                diff(before, after, ("email",)))

    def activation(e: Any, cur: Cursor) -> None:
        before = user(cur, e)
        after = {**before, "is_active": e.is_active}
        verb = "reactivated" if e.is_active else "deactivated"
        of_user(e, cur, before, after, "user_activated" if e.is_active else "user_deactivated",
                f"{ledger.who(cur, e.by)} {verb} {before.get('full_name')}", diff(before, after, ("is_active",)))

    def password_changed(e: Any, cur: Cursor) -> None:
        before = user(cur, e)
        whose = "their password" if e.by == before.get("id") else f"the password of {before.get('full_name')}"
        summary = f"{ledger.who(cur, e.by)} changed {whose}"
        of_user(e, cur, before, before, "user_password_changed", summary, None)

    def sessions_revoked(e: Any, cur: Cursor) -> None:
        before = user(cur, e)
        name = before.get("full_name")
        if e.reason == SIGNED_OUT_EVERYWHERE:
            summary = f"{ledger.who(cur, e.by)} signed out everywhere: every token of theirs was revoked"
        else:
            why = "the password changed" if e.reason == PASSWORD_CHANGED else "they were deactivated"
            summary = f"Every token of {name} was revoked: {why}"
        of_user(e, cur, before, before, "user_sessions_revoked", summary, None)

    def join_requested(e: Any, cur: Cursor) -> None:
        before = user(cur, e)
        after = {**before, "join_enterprise_id": e.enterprise_id, "join_department_id": e.department_id}
        scope = {"enterprise_id": e.enterprise_id, "department_id": e.department_id}
        of_user(e, cur, before, after, "join_requested",
                f"{before.get('full_name')} asked to join {ledger.place(cur, e.enterprise_id, e.department_id)}",
                created(after, ("join_enterprise_id", "join_department_id")), scope, actor=before.get("id"))

    def join_decided(approved: bool) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            before = user(cur, e)
            enterprise, department = before.get("join_enterprise_id"), before.get("join_department_id")
            verb = "approved" if approved else "rejected"
            of_user(e, cur, before, before, f"join_{verb}",
                    f"{ledger.who(cur, e.by)} {verb} the request of {before.get('full_name')} to join"
                    f" {ledger.place(cur, enterprise, department)}",
                    None, {"enterprise_id": enterprise, "department_id": department})
        return handle

    def muted(e: Any, cur: Cursor) -> None:
        before = ledger.of(cur, "user", e.by) or {}
        after = {**before, "muted": e.types}
        types = ", ".join(e.types) if e.types else "none"
        ledger.record(cur, e, "notifications_muted", "user", e.by, user_scope(before), e.by,
                      f"{ledger.who(cur, e.by)} muted notification types: {types}",
                      {"muted_types": {"from": before.get("muted", []), "to": e.types}})
        ledger.put(key_of("user", e.by), after)

    # -- enterprises and departments -----------------------------------------------------

    def founded(e: Any, cur: Cursor) -> None:
        state = {"id": e.enterprise_id, "enterprise_id": e.enterprise_id, "name": e.name,
                 "description": e.description, "timezone": e.timezone}
        ledger.put(uuid_of(e), state)
        ledger.record(cur, e, "enterprise_created", "enterprise", e.enterprise_id, state, e.by,
                      f"{ledger.who(cur, e.by)} founded the enterprise {e.name}",
                      created(state, ("name", "description", "timezone")))

    def enterprise_updated(e: Any, cur: Cursor) -> None:
        before = ledger.get(cur, uuid_of(e)) or {}
        after = {**before, "name": e.name, "description": e.description, "timezone": e.timezone}
        changes = diff(before, after, ("name", "description", "timezone"))
        ledger.record(cur, e, "enterprise_updated", "enterprise", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} updated the enterprise {before.get('name')}: {listed(changes)}",
                      changes)
        ledger.put(uuid_of(e), after)

    def hours_defaults_changed(e: Any, cur: Cursor) -> None:
        # A new event type: no row written before it changes, so the projection's version stays.
        # Enterprises founded before these defaults existed had none, and weeks from monday.
        before = {"max_hours_per_week": None, "max_consecutive_days": None, "week_starts_on": DEFAULT_WEEK_START,
                  **(ledger.get(cur, uuid_of(e)) or {})}
        after = {**before, **{f: getattr(e, f) for f in HOURS_DEFAULTS}}
        changes = diff(before, after, HOURS_DEFAULTS)
        ledger.record(cur, e, "enterprise_updated", "enterprise", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} changed the working-time defaults of the enterprise"
                      f" {before.get('name')}: {listed(changes)}", changes)
        ledger.put(uuid_of(e), after)

    def opened(e: Any, cur: Cursor) -> None:
        state = {"id": e.department_id, "enterprise_id": e.enterprise_id, "department_id": e.department_id,
                 "name": e.name, "description": e.description, "manager_id": e.manager_id,
                 "timezone": e.timezone}
        managed = f", managed by {ledger.who(cur, e.manager_id)}" if e.manager_id is not None else ""
        ledger.record(cur, e, "department_created", "department", e.department_id, state, e.by,
                      f"{ledger.who(cur, e.by)} opened the department {e.name} in"
                      f" {ledger.place(cur, e.enterprise_id, None)}{managed}",
                      created(state, ("name", "description", "manager_id", "timezone")))
        ledger.put(uuid_of(e), state)

    def department_updated(e: Any, cur: Cursor) -> None:
        before = ledger.get(cur, uuid_of(e)) or {}
        after = {**before, "name": e.name, "description": e.description, "manager_id": e.manager_id,
                 "timezone": e.timezone}
        changes = diff(before, after, ("name", "description", "manager_id", "timezone"))
        who, name = ledger.who(cur, e.by), before.get("name")
        if set(changes) == {"manager_id"}:
            summary = (f"{who} made {ledger.who(cur, e.manager_id)} the manager of the department {name}"
                       if e.manager_id is not None else f"{who} left the department {name} without a manager")
        elif set(changes) == {"timezone"}:
            summary = f"{who} moved the department {name} to the time zone {e.timezone}"
        else:
            summary = f"{who} updated the department {name}: {listed(changes)}"
        ledger.record(cur, e, "department_updated", "department", before.get("id"), before, e.by, summary, changes)
        ledger.put(uuid_of(e), after)

    def department_deleted(e: Any, cur: Cursor) -> None:
        before = ledger.get(cur, uuid_of(e)) or {}
        ledger.record(cur, e, "department_deleted", "department", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} deleted the department {before.get('name')}")
        ledger.put(uuid_of(e), {**before, "deleted": True})

    # -- invitations (whose ids derive from their secret code: found by event only) -----------

    def issued(e: Any, cur: Cursor) -> None:
        state = {"id": e.invitation_id, "enterprise_id": e.enterprise_id, "department_id": e.department_id,
                 "role": e.role, "max_uses": e.max_uses, "expires_at": iso(e.expires_at)}
        ledger.put(uuid_of(e), state)
        ledger.record(cur, e, "invitation_issued", "invitation", e.invitation_id, state, e.by,
                      f"{ledger.who(cur, e.by)} issued invitation #{e.invitation_id} to join"
                      f" {ledger.place(cur, e.enterprise_id, e.department_id)} as {role_word(e.role)}"
                      f" (up to {e.max_uses} use{'s' if e.max_uses != 1 else ''}, until {state['expires_at']})",
                      created(state, ("role", "department_id", "max_uses", "expires_at")))

    def used(e: Any, cur: Cursor) -> None:
        state = ledger.get(cur, uuid_of(e)) or {}
        ledger.record(cur, e, "invitation_used", "invitation", state.get("id"), state, e.user_id,
                      f"{ledger.who(cur, e.user_id)} registered with invitation #{state.get('id')} to join"
                      f" {ledger.place(cur, state.get('enterprise_id'), state.get('department_id'))}")

    def revoked(e: Any, cur: Cursor) -> None:
        state = ledger.get(cur, uuid_of(e)) or {}
        ledger.record(cur, e, "invitation_revoked", "invitation", state.get("id"), state, e.by,
                      f"{ledger.who(cur, e.by)} revoked invitation #{state.get('id')}")
        ledger.put(uuid_of(e), {**state, "revoked": True})

    return {
        User.Registered: registered,
        User.ProfileUpdated: profile_updated,
        User.Placed: placed,
        User.EmailChanged: email_changed,
        User.ActivationChanged: activation,
        User.PasswordChanged: password_changed,
        User.SessionsRevoked: sessions_revoked,
        User.JoinRequested: join_requested,
        User.JoinApproved: join_decided(True),
        User.JoinRejected: join_decided(False),
        Inbox.Muted: muted,
        Enterprise.Founded: founded,
        Enterprise.Updated: enterprise_updated,
        Enterprise.HoursDefaultsChanged: hours_defaults_changed,
        Department.Opened: opened,
        Department.Updated: department_updated,
        Department.Deleted: department_deleted,
        Invitation.Issued: issued,
        Invitation.Used: used,
        Invitation.Revoked: revoked,
    }
