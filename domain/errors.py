"""Typed domain errors. The HTTP layer maps each family to one status code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused a command."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class RuleViolation(DomainError):
    """The command's input breaks a rule (HTTP 400)."""


class NotFound(DomainError):
    """The resource does not exist or is hidden from the caller (HTTP 404)."""


class Conflict(DomainError):
    """The command conflicts with the current state (HTTP 409)."""


class PermissionDenied(DomainError):
    """The caller's role or tenant does not allow the command (HTTP 403)."""


class AuthenticationFailed(DomainError):
    """The caller's identity could not be established (HTTP 401)."""


class StaleVersion(DomainError):
    """The caller's If-Match version is not the current one (HTTP 412)."""


class EmailAlreadyRegistered(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__("A user with this email already exists", email=email)


class SystemAdminAlreadyExists(Conflict):
    def __init__(self) -> None:
        super().__init__("A system administrator already exists")


class TooLarge(DomainError):
    """The request's content is over a size limit or would exceed a quota (HTTP 413)."""
