"""Roles and genders: the closed vocabularies of the identity model."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    SYSTEM_ADMIN = "systemAdmin"
    ENTERPRISE_ADMIN = "enterpriseAdmin"
    MANAGER = "manager"
    EMPLOYEE = "employee"
    AUDITOR = "auditor"
    """Reads everything of its enterprise, history included, and changes nothing."""


class Gender(str, Enum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
