"""Password rules checked before hashing (bcrypt reads at most 72 bytes)."""

from __future__ import annotations

from domain.errors import RuleViolation

MIN_LENGTH = 8
MAX_BYTES = 72


def check_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise RuleViolation(
            f"Password must be at least {MIN_LENGTH} characters", field="password"
        )
    if len(password.encode("utf-8")) > MAX_BYTES:
        raise RuleViolation(f"Password must be at most {MAX_BYTES} bytes", field="password")
    return password
