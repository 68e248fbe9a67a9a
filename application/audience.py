"""Who hears of what in realtime: the rooms a caller joins and the rooms a change goes to.

A room is a set of connections. A change is sent only to rooms whose every member may
read the changed resource through the REST API, mirroring `application.policy`:
drafts reach planners, published rosters reach the whole department, a person's own
assignments, swaps and notifications reach that person.
"""

from __future__ import annotations

from domain.roles import Role

from application.policy import ENTERPRISE_WIDE
from application.principal import Principal

SYSTEM_ADMINS = "admins"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def department_room(department_id: int) -> str:
    """Everyone placed in the department: its manager and its employees."""
    return f"department:{department_id}"


def planners_room(department_id: int) -> str:
    """Those who plan the department's rosters and may read its drafts: its managers."""
    return f"department:{department_id}:planners"


def enterprise_admins_room(enterprise_id: int) -> str:
    """Those who read everything of the enterprise: its admins and its auditors."""
    return f"enterprise:{enterprise_id}:admins"


def rooms_for(principal: Principal) -> list[str]:
    """The rooms a connection of this caller joins, from who they are now."""
    rooms = [user_room(principal.id)]
    if principal.role is Role.SYSTEM_ADMIN:
        rooms.append(SYSTEM_ADMINS)
    elif principal.role in ENTERPRISE_WIDE and principal.enterprise_id is not None:
        rooms.append(enterprise_admins_room(principal.enterprise_id))
    elif principal.department_id is not None:
        rooms.append(department_room(principal.department_id))
        if principal.role is Role.MANAGER:
            rooms.append(planners_room(principal.department_id))
    return rooms


def planners_of(enterprise_id: int, department_id: int) -> list[str]:
    """Everyone who may plan (and so read anything in) the department."""
    return [SYSTEM_ADMINS, enterprise_admins_room(enterprise_id), planners_room(department_id)]


def roster_audience(enterprise_id: int, department_id: int, status: str) -> list[str]:
    """Who may read a roster (and its shifts): planners always, the department once published."""
    rooms = planners_of(enterprise_id, department_id)
    if status != "draft":
        rooms.append(department_room(department_id))
    return rooms


def personal_audience(enterprise_id: int, department_id: int, *user_ids: int) -> list[str]:
    """A resource about particular people (an assignment, a swap): them and the planners."""
    return planners_of(enterprise_id, department_id) + [user_room(u) for u in sorted(set(user_ids))]
