"""Who may read which history.

- System admins read everything; enterprise admins and auditors everything of their
  enterprise (users, departments, rosters, time off, templates, invitations).
- A manager reads the history of their own department's rosters: one roster's, or all of
  them at once in the audit log, which for a manager holds only those rosters' entries
  (what the issue grants them, in the one place that lists it; the people, time off and
  settings of the enterprise stay with its admins and auditors).
- Everyone reads their own history: the assignments they held and the swap requests they
  were party to. An employee reads nothing else (403).
- A roster of another tenant, or of another department for a manager, is not found (404).
"""

from __future__ import annotations

from domain.errors import NotFound, PermissionDenied
from domain.roles import Role

from application.history_views import EVERYTHING, NOTHING, HistoryScope
from application.principal import Principal

READERS = frozenset({Role.SYSTEM_ADMIN, Role.ENTERPRISE_ADMIN, Role.AUDITOR, Role.MANAGER})
"""The roles that read rosters' history and the audit log."""
ENTERPRISE_WIDE = frozenset({Role.ENTERPRISE_ADMIN, Role.AUDITOR})


def require_reader(principal: Principal) -> None:
    if principal.role not in READERS:
        raise PermissionDenied("Your role cannot read history; see /api/employee/history for your own")


def may_read_roster(principal: Principal, enterprise_id: int, department_id: int) -> bool:
    if principal.is_system_admin:
        return True
    if principal.enterprise_id is None or principal.enterprise_id != enterprise_id:
        return False
    if principal.role in ENTERPRISE_WIDE:
        return True
    return principal.role is Role.MANAGER and principal.department_id == department_id


def roster_scope(principal: Principal, roster_id: int, owner: tuple[int, int] | None) -> HistoryScope:
    """One roster's history; `owner` is its (enterprise id, department id), None if it never existed."""
    require_reader(principal)
    if owner is None or not may_read_roster(principal, *owner):
        raise NotFound("Roster not found")
    return HistoryScope(roster_id=roster_id)


def log_scope(principal: Principal) -> HistoryScope:
    """The audit log as the caller may read it."""
    require_reader(principal)
    if principal.is_system_admin:
        return EVERYTHING
    if principal.enterprise_id is None:
        return NOTHING
    if principal.role in ENTERPRISE_WIDE:
        return HistoryScope(enterprise_id=principal.enterprise_id)
    if principal.department_id is None:
        return NOTHING
    return HistoryScope(enterprise_id=principal.enterprise_id, department_id=principal.department_id,
                        rosters_only=True)


def own_scope(principal: Principal) -> HistoryScope:
    """Any signed-in user's own assignments and swap requests."""
    return HistoryScope(party_id=principal.id)
