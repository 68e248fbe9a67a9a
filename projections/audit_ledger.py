"""What every audit handler does: read a subject's state as of the log so far, write an entry.

States are plain dicts (names, titles, dates, the fields whose changes entries report), kept
in `au_state` and cached for the batch; a handler replaces a state, it never edits one in
place, so an entry written before the replacement names things as they were. Changed states
are written once, at the end of the batch (their last value, whatever the batch size).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import msgspec

from domain.ids import aggregate_uuid

from projections.base import position_of, stamp
from projections.sql import Cursor

State = dict[str, Any]

_encode = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.decode
NO_CHANGES = "{}"

INSERT = (
    "INSERT INTO au_entries (position, occurred_at, type, shown, enterprise_id, department_id, roster_id,"
    " subject_kind, subject_id, actor_id, actor_name, party_id, other_party_id, summary, changes,"
    " request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

INSERT_HIDDEN = (
    "INSERT INTO au_entries (position, occurred_at, type, shown, enterprise_id, department_id, roster_id,"
    " subject_kind, subject_id, actor_id, summary, changes, request_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '{}', ?)"
)


@lru_cache(maxsize=200_000)
def key_of(kind: str, number: int) -> str:
    """The `au_state` key of the `kind` aggregate numbered `number`: its event-store id."""
    return str(aggregate_uuid(kind, number))


def encode(value: Any) -> str:
    return _encode(value).decode()


def diff(before: State, after: State, fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """`{field: {from, to}}` for each of `fields` whose value differs."""
    return {f: {"from": before.get(f), "to": after.get(f)} for f in fields if before.get(f) != after.get(f)}


def created(after: State, fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """A new subject's fields, each changed from nothing."""
    return {f: {"from": None, "to": after.get(f)} for f in fields if after.get(f) is not None}


class Ledger:
    def __init__(self) -> None:
        self._states: dict[str, State | None] = {}
        self._dirty: set[str] = set()

    def reset(self) -> None:
        """A batch starts: what an earlier (perhaps rolled back) batch cached is forgotten."""
        self._states, self._dirty = {}, set()

    def get(self, cur: Cursor, key: str) -> State | None:
        try:
            return self._states[key]
        except KeyError:
            pass
        cur.execute("SELECT state FROM au_state WHERE key = ?", (key,))
        row = cur.fetchone()
        state = _decode(row["state"]) if row is not None else None
        self._states[key] = state
        return state

    def of(self, cur: Cursor, kind: str, number: int | None) -> State | None:
        return self.get(cur, key_of(kind, number)) if number is not None else None

    def put(self, key: str, state: State) -> None:
        self._states[key] = state
        self._dirty.add(key)

    def flush(self, cur: Cursor) -> None:
        for key in sorted(self._dirty):
            state = self._states[key]
            cur.execute(
                "INSERT INTO au_state (key, state) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET state = excluded.state",
                (key, encode(state)),
            )
        self._dirty = set()

    # -- names as they are now, in the log --------------------------------------------

    def name(self, cur: Cursor, user_id: int | None) -> str | None:
        user = self.of(cur, "user", user_id)
        return user["full_name"] if user is not None else None

    def who(self, cur: Cursor, user_id: int | None) -> str:
        """A person as a summary names them."""
        if user_id is None:
            return "The system"
        return self.name(cur, user_id) or f"user #{user_id}"

    def place(self, cur: Cursor, enterprise_id: int | None, department_id: int | None) -> str:
        """`Acme / Ops`, `Acme`, or `no enterprise`."""
        if enterprise_id is None:
            return "no enterprise"
        enterprise = self.of(cur, "enterprise", enterprise_id)
        name = enterprise["name"] if enterprise else f"enterprise #{enterprise_id}"
        if department_id is None:
            return name
        department = self.of(cur, "department", department_id)
        return f"{name} / {department['name'] if department else f'department #{department_id}'}"

    def shift_label(self, cur: Cursor, shift_id: int | None) -> str:
        shift = self.of(cur, "shift", shift_id)
        return label(shift) if shift is not None else f"shift #{shift_id}"

    # -- entries -----------------------------------------------------------------------

    def record(
        self, cur: Cursor, e: Any, type_: str, kind: str, subject_id: int | None, scope: State | None,
        actor: int | None, summary: str, changes: dict[str, Any] | None = None,
        party: int | None = None, other_party: int | None = None, shown: bool = True,
    ) -> None:
        """One entry for event `e`. `scope` holds its `enterprise_id`, `department_id` and
        `roster_id` (any may be absent); the actor is named as they are before `e` applies."""
        at, _ = stamp(e)
        scope = scope or {}
        cur.execute(INSERT, (
            position_of(e), at, type_, shown, scope.get("enterprise_id"), scope.get("department_id"),
            scope.get("roster_id"), kind, subject_id, actor, self.name(cur, actor), party, other_party,
            summary, encode(changes) if changes else NO_CHANGES, getattr(e, "request_id", None),
        ))

    def hidden(self, cur: Cursor, e: Any, type_: str, kind: str, subject_id: int | None,
               scope: State | None, actor: int | None) -> None:
        """An index entry that repeats what a shown one tells: ids only, no names, summary or changes."""
        at, _ = stamp(e)
        scope = scope or {}
        cur.execute(INSERT_HIDDEN, (
            position_of(e), at, type_, False, scope.get("enterprise_id"), scope.get("department_id"),
            scope.get("roster_id"), kind, subject_id, actor, getattr(e, "request_id", None),
        ))


def label(shift: State) -> str:
    """A shift as people name it: `Night Shift on 2024-01-02`."""
    return f"{shift['title']} on {shift['date']}"


ROLE_WORDS = {
    "systemAdmin": "system administrator", "enterpriseAdmin": "enterprise administrator",
    "manager": "manager", "employee": "employee", "auditor": "auditor",
}


def role_word(role: str | None) -> str:
    return ROLE_WORDS.get(role or "", role or "no role")


def listed(changes: dict[str, Any]) -> str:
    return ", ".join(sorted(changes))
