"""The chain projection's links, read by position (`application.chain_check.StoredLinks`)."""

from __future__ import annotations

from collections.abc import Sequence

from projections.sql import ReadStore, one


class SqlChainLinks:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def head(self) -> tuple[int, str] | None:
        with self._store.read() as cur:
            row = one(cur, "SELECT position, hash FROM audit_chain ORDER BY position DESC LIMIT 1")
        return (int(row["position"]), str(row["hash"])) if row is not None else None

    def links_at(self, positions: Sequence[int]) -> dict[int, str]:
        if not positions:
            return {}
        with self._store.read() as cur:
            cur.execute("SELECT position, hash FROM audit_chain WHERE position IN ("
                        + ", ".join("?" for _ in positions) + ")", list(positions))
            return {int(row["position"]): str(row["hash"]) for row in cur.fetchall()}

    def links(self, after: int, upto: int, limit: int) -> list[tuple[int, str]]:
        with self._store.read() as cur:
            cur.execute("SELECT position, hash FROM audit_chain WHERE position > ? AND position <= ?"
                        " ORDER BY position LIMIT ?", (after, upto, limit))
            return [(int(row["position"]), str(row["hash"])) for row in cur.fetchall()]
