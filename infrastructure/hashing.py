"""bcrypt password hashing (callers run it off the event loop)."""

from __future__ import annotations

import bcrypt


class BcryptHasher:
    def __init__(self, rounds: int = 12) -> None:
        self._rounds = rounds

    def hash(self, password: str) -> str:
        return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(self._rounds)).decode()

    def verify(self, password: str, hashed: str) -> bool:
        encoded = password.encode("utf-8")
        if len(encoded) > 72:  # bcrypt 5 raises rather than truncating
            return False
        return bcrypt.checkpw(encoded, hashed.encode())
