"""Whose clocks a request is read on: a person works on their department's, else their enterprise's."""

from __future__ import annotations

from domain.zones import DEFAULT_ZONE

from application.ports import Directory
from application.principal import Principal


def zone_of(directory: Directory, principal: Principal) -> str:
    """The IANA zone of the caller's department, else of their enterprise, else UTC."""
    if principal.department_id is not None:
        department = directory.department(principal.department_id)
        if department is not None:
            return department.timezone
    if principal.enterprise_id is not None:
        enterprise = directory.enterprise(principal.enterprise_id)
        if enterprise is not None:
            return enterprise.timezone
    return DEFAULT_ZONE
