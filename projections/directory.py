"""Projection of users, enterprises, departments and invitations into the directory tables."""

from __future__ import annotations

from typing import Any

from domain.identity import JOIN_APPROVED, JOIN_PENDING, JOIN_REJECTED, SignOut, User
from domain.invitation import Invitation
from domain.hours import DEFAULT_WEEK_START
from domain.organisation import HOURS_DEFAULTS, Department, Enterprise

from projections.base import Handler, Projection, changed_row, copied, stamp, uuid_of
from projections.schema import DIRECTORY
from projections.sql import Cursor, iso


class DirectoryProjection(Projection):
    name = "directory"
    ddl = DIRECTORY
    query_indexes = frozenset({
        "rm_users_tenant",
        "rm_users_join",
        "rm_departments_enterprise",
        "rm_invitations_enterprise",
    })
    version = 5  # 2: users' join requests, invitations; 3: enterprises' and departments' time zones;
    # 4: enterprises' working-time defaults; 5: revoked sessions (users' session generation, ended sessions)

    def handlers(self) -> dict[type, Handler]:
        return {
            User.Registered: self.user_registered,
            User.ProfileUpdated: self.user_changed("full_name", "gender"),
            User.Placed: self.user_changed("role", "enterprise_id", "department_id"),
            User.EmailChanged: self.user_email_changed,
            User.ActivationChanged: self.user_changed("is_active"),
            User.PasswordChanged: self.user_changed(),
            # Neither bumps updated_at: ending sessions changes nothing a client shows.
            User.SessionsRevoked: changed_row("rm_users", lambda e: {"session_generation": e.generation},
                                              stamps=()),
            SignOut.Recorded: self.session_ended,
            User.JoinRequested: changed_row("rm_users", lambda e: {
                "join_enterprise_id": e.enterprise_id, "join_department_id": e.department_id,
                "join_status": JOIN_PENDING}),
            User.JoinApproved: changed_row("rm_users", lambda e: {"join_status": JOIN_APPROVED}),
            User.JoinRejected: changed_row("rm_users", lambda e: {"join_status": JOIN_REJECTED}),
            Enterprise.Founded: self.enterprise_founded,
            Enterprise.Updated: self.enterprise_changed("name", "description", "timezone"),
            Enterprise.HoursDefaultsChanged: self.enterprise_changed(*HOURS_DEFAULTS),
            Department.Opened: self.department_opened,
            Department.Updated: self.department_changed("name", "description", "manager_id", "timezone"),
            Department.Deleted: self.department_deleted,
            Invitation.Issued: self.invitation_issued,
            Invitation.Used: self.invitation_used,
            Invitation.Revoked: changed_row("rm_invitations", lambda e: {"revoked": True}),
        }

    # -- users ----------------------------------------------------------------

    def user_registered(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_users (id, uuid, full_name, email, email_key, role, gender, enterprise_id,"
            " department_id, is_active, created_at, updated_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.user_id, uuid_of(e), e.full_name, e.email, e.email.lower(), e.role, e.gender,
                e.enterprise_id, e.department_id, e.is_active, at, at, version,
            ),
        )

    def user_changed(self, *fields: str) -> Handler:
        return copied("rm_users", *fields)

    def user_email_changed(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "UPDATE rm_users SET email = ?, email_key = ?, updated_at = ?, version = ?"
            " WHERE uuid = ?",
            (e.email, e.email.lower(), at, version, uuid_of(e)),
        )

    def session_ended(self, e: Any, cur: Cursor) -> None:
        # The sessions whose tokens have all expired by now are forgotten: the event's own
        # time, not the clock, so a rebuild keeps the same rows.
        now = int(e.timestamp.timestamp())
        cur.execute("DELETE FROM rm_ended_sessions WHERE until < ?", (now,))
        cur.execute(
            "INSERT INTO rm_ended_sessions (session_id, user_id, until) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id) DO NOTHING",
            (e.session_id, e.user_id, e.until),
        )

    # -- enterprises ----------------------------------------------------------

    def enterprise_founded(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_enterprises (id, uuid, name, description, created_by, created_at,"
            " updated_at, version, timezone, week_starts_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.enterprise_id, uuid_of(e), e.name, e.description, e.by, at, at, version, e.timezone,
             DEFAULT_WEEK_START),
        )

    def enterprise_changed(self, *fields: str) -> Handler:
        return copied("rm_enterprises", *fields)

    # -- departments ----------------------------------------------------------

    def department_opened(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_departments (id, uuid, enterprise_id, name, description, manager_id,"
            " is_deleted, created_at, updated_at, version, timezone)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.department_id, uuid_of(e), e.enterprise_id, e.name, e.description, e.manager_id, False,
             at, at, version, e.timezone),
        )

    def department_changed(self, *fields: str) -> Handler:
        return copied("rm_departments", *fields)

    def department_deleted(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "UPDATE rm_departments SET is_deleted = ?, updated_at = ?, version = ? WHERE uuid = ?",
            (True, at, version, uuid_of(e)),
        )

    # -- invitations ----------------------------------------------------------

    def invitation_issued(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_invitations (id, uuid, enterprise_id, department_id, role, expires_at,"
            " max_uses, uses, revoked, created_by, created_at, updated_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.invitation_id, uuid_of(e), e.enterprise_id, e.department_id, e.role,
             iso(e.expires_at), e.max_uses, 0, False, e.by, at, at, version),
        )

    def invitation_used(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "UPDATE rm_invitations SET uses = uses + 1, updated_at = ?, version = ? WHERE uuid = ?",
            (at, version, uuid_of(e)),
        )
