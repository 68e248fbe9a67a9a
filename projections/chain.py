"""The hash chain of the log (see `application.hash_chain`), kept as a read model.

A projection, so that commands pay nothing for it: it reads every stored event of every
topic undecoded (`raw`) and writes one row per event, its position and its link. One row
per event rather than a checkpoint every N events: verification names the exact position
where the log and the chain first disagree (a checkpoint would only name a range), and a
gap in the positions, which PostgreSQL's id sequence leaves after a rolled-back save, is
told from a removed event only by the chain having no row there. The newest link, the
digest an auditor keeps, is one read of the primary key's last entry. The cost: about
100 bytes a row (64 hex digits and the key), one INSERT per event in the worker's batch.
"""

from __future__ import annotations

from typing import Any

from application.hash_chain import GENESIS, link

from projections.base import Handler, Projection
from projections.sql import Cursor

CHAIN = [
    """
    CREATE TABLE IF NOT EXISTS audit_chain (
        position BIGINT PRIMARY KEY,
        hash TEXT NOT NULL
    )""",
]

TAIL = "SELECT hash FROM audit_chain ORDER BY position DESC LIMIT 1"


class ChainProjection(Projection):
    name = "audit_chain"
    ddl = CHAIN
    raw = True
    answers_commands = False  # no command answers from it: auditors read it
    # Staged alone over 200,000 events: 2.2 s; rostering (cost 4) 6.2 s, dashboard (1) 1.3 s
    # (python -m bench.audit_verify --costs).
    rebuild_cost = 1

    def __init__(self) -> None:
        self._previous: bytes | None = None

    def handlers(self) -> dict[type, Handler]:
        return {}

    def begin_batch(self) -> None:
        self._previous = None  # read again from the table: an earlier batch may have rolled back

    def handle_stored(self, stored: Any, cur: Cursor) -> None:
        previous = self._previous
        if previous is None:
            cur.execute(TAIL)
            row = cur.fetchone()
            previous = bytes.fromhex(row["hash"]) if row is not None else GENESIS
        self._previous = current = link(previous, stored)
        cur.execute("INSERT INTO audit_chain (position, hash) VALUES (?, ?)", (stored.id, current.hex()))
