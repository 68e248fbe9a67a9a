"""The AuditLog port over `au_entries`: pages for the API, keyset-read streams for exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from application.history_views import (
    Actor, ExportedEntry, HistoryEntry, HistoryFilter, HistoryPage, HistoryScope, Subject,
)
from application.views import Page

from projections.audit_ledger import key_of
from projections.sql import ReadStore, add_given, one

COLUMNS = "position, occurred_at, type, actor_id, actor_name, subject_kind, subject_id, summary, changes, request_id"
STREAM_CHUNK = 500
"""Entries per read of a stream: memory stays bounded by one chunk, whatever the export's size."""

_decode = msgspec.json.decode


def where_of(scope: HistoryScope, criteria: HistoryFilter) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of the shown entries in `scope` meeting `criteria`."""
    where, params = ["shown = ?"], [True]
    if scope.nothing:
        where.append("1 = 0")
    add_given(
        where, params,
        ("roster_id = ?", scope.roster_id), ("enterprise_id = ?", scope.enterprise_id),
        ("department_id = ?", scope.department_id),
        ("roster_id = ?", criteria.roster_id), ("enterprise_id = ?", criteria.enterprise_id),
        ("department_id = ?", criteria.department_id), ("occurred_at >= ?", criteria.since),
        ("occurred_at < ?", criteria.until), ("actor_id = ?", criteria.actor_id),
        ("subject_kind = ?", criteria.subject_kind), ("position > ?", criteria.after),
    )
    if scope.rosters_only:
        where.append("roster_id IS NOT NULL")
    if scope.party_id is not None:
        where.append("(party_id = ? OR other_party_id = ?)")
        params += [scope.party_id, scope.party_id]
    if criteria.types:
        where.append(f"type IN ({', '.join('?' for _ in criteria.types)})")
        params += list(criteria.types)
    return " WHERE " + " AND ".join(where), params


def entry(row: Any) -> HistoryEntry:
    actor = row["actor_id"]
    return HistoryEntry(
        sequence=row["position"], occurred_at=row["occurred_at"], type=row["type"],
        actor=Actor(id=actor, full_name=row["actor_name"]) if actor is not None else None,
        subject=Subject(kind=row["subject_kind"], id=row["subject_id"]), summary=row["summary"],
        changes=_decode(row["changes"]), request_id=row["request_id"],
    )


def exported(row: tuple[Any, ...]) -> ExportedEntry:
    """As `entry`, from a tuple of COLUMNS, with `changes` left as the stored JSON: encoded, they
    are what `entry`'s decoded ones encode to (the projection stores them compact, keys sorted,
    and decoding keeps that order)."""
    position, occurred_at, type_, actor, actor_name, subject_kind, subject_id, summary, changes, request_id = row
    return ExportedEntry(
        sequence=position, occurred_at=occurred_at, type=type_,
        actor=Actor(id=actor, full_name=actor_name) if actor is not None else None,
        subject=Subject(kind=subject_kind, id=subject_id), summary=summary,
        changes=msgspec.Raw(changes), request_id=request_id,
    )


class SqlAuditLog:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def roster_owner(self, roster_id: int) -> tuple[int, int] | None:
        with self._store.read() as cur:
            row = one(cur, "SELECT state FROM au_state WHERE key = ?", key_of("roster", roster_id))
        if row is None:
            return None
        state = _decode(row["state"])
        return int(state["enterprise_id"]), int(state["department_id"])

    def page(self, scope: HistoryScope, criteria: HistoryFilter, page: Page) -> HistoryPage:
        where, params = where_of(scope, criteria)
        with self._store.read() as cur:
            total = one(cur, f"SELECT COUNT(*) AS n FROM au_entries{where}", *params)
            cur.execute(f"SELECT {COLUMNS} FROM au_entries{where} ORDER BY position LIMIT ? OFFSET ?",
                        (*params, page.size + 1, page.offset))
            rows = cur.fetchall()
        items = [entry(r) for r in rows[: page.size]]
        more = len(rows) > page.size
        return HistoryPage(items=items, total=int(total["n"]) if total else 0, page=page,
                           next_after=items[-1].sequence if more else None)

    def stream(self, scope: HistoryScope, criteria: HistoryFilter) -> Iterator[ExportedEntry]:
        after = criteria.after
        while True:
            where, params = where_of(scope, msgspec.structs.replace(criteria, after=after))
            with self._store.read(tuples=True) as cur:
                cur.execute(f"SELECT {COLUMNS} FROM au_entries{where} ORDER BY position LIMIT ?",
                            (*params, STREAM_CHUNK))
                rows = cur.fetchall()
            if len(rows) < STREAM_CHUNK:
                after = None
            else:
                after = rows[-1][0]  # position
            for index, row in enumerate(rows):
                rows[index] = None  # each row is let go as its entry is handed on
                yield exported(row)
            if after is None:
                return
