"""Verifying the log against its hash chain: recompute every link from the stored events, and
find where the log and the links the chain projection stored first disagree.

The links are recomputed from the event store's rows (see `application.hash_chain`), never
taken from the projection's table, which whoever rewrote the events could have rewritten too.
The stored links only say *where* the log changed: the recomputed last link of each batch is
compared with the stored one (one read for 50 batches), and only the first batch whose last
link differs is read again and compared link by link, to name its first difference. A link
altered in the chain table alone, in the middle of a batch whose last link still agrees,
changes nothing the log proves and is not reported.

What each kind of tampering looks like, at the first position where the two disagree:

- `altered`: the log and the chain both have the position, and the links differ (the event's
  bytes changed; or the stored link itself);
- `removed`: the chain has a link at a position the log no longer has;
- `inserted`: the log has an event at a position the chain never linked (a row given an id
  the store did not hand out, such as 0, or one in a gap of the ids).

Memory stays constant: one batch of events and its links, and 50 checkpoints, at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from application.event_log import EventLog
from application.hash_chain import FLOOR, GENESIS, links

BATCH = 5000
"""Events read and hashed at a time."""

CHECKPOINTS = 50
"""Batches whose last links are compared with the stored ones in one read."""

ALTERED, REMOVED, INSERTED = "altered", "removed", "inserted"

Progress = Callable[[int], None]
"""Called after each batch with the position it reached."""


class StoredLinks(Protocol):
    """The links the chain projection stored, by position (hex)."""

    def head(self) -> tuple[int, str] | None:
        """The newest link: (position, hash); None while the chain is empty."""
        ...

    def links_at(self, positions: Sequence[int]) -> dict[int, str]:
        """The links at those of `positions` the chain has."""
        ...

    def links(self, after: int, upto: int, limit: int) -> list[tuple[int, str]]:
        """Up to `limit` links with `after < position <= upto`, in order."""
        ...


@dataclass(frozen=True)
class Break:
    position: int
    kind: str
    """`altered`, `removed` or `inserted`."""


@dataclass(frozen=True)
class ChainCheck:
    upto: int
    computed: bytes
    """The recomputed link at `upto`: that of the last event of the log at or before it."""
    events: int
    """Events of the log hashed (those at or before `upto`)."""
    compared_upto: int
    """The stored links were compared up to here: `upto`, or the chain's head if it is behind."""
    first_break: Break | None
    marked: bytes | None = None
    """The recomputed link at the position `check_chain` was asked to `mark`."""

    @property
    def holds(self) -> bool:
        return self.first_break is None


def check_chain(log: EventLog, stored: StoredLinks, upto: int, batch: int = BATCH,
                progress: Progress | None = None, mark: int | None = None,
                checkpoints: int = CHECKPOINTS) -> ChainCheck:
    """Recompute the chain over the log's events up to `upto` and compare it with `stored`;
    with `mark`, also keep the link at that position (a digest's), in the same pass."""
    head = stored.head()
    marked = GENESIS if mark is not None else None
    compare_to = min(upto, head[0] if head is not None else 0)
    previous, checked, events = GENESIS, FLOOR, 0
    found: Break | None = None
    waiting: list[_Checkpoint] = []
    for rows in batches(log, upto, batch):
        start = previous
        computed = links(rows, previous)
        previous = computed[-1][1]
        if mark is not None and rows[0].id <= mark:
            marked = previous if rows[-1].id <= mark else [c for c in computed if c[0] <= mark][-1][1]
        if found is None and checked < compare_to:
            last = computed[-1] if computed[-1][0] <= compare_to else next(
                (c for c in reversed(computed) if c[0] <= compare_to), None)
            if last is not None:
                waiting.append(_Checkpoint(checked, start, *last))
                checked = last[0]
            if len(waiting) == checkpoints:
                found = _settle(log, stored, waiting, batch)
                waiting.clear()
        events += len(rows)
        if progress is not None:
            progress(rows[-1].id)
    if found is None and waiting:
        found = _settle(log, stored, waiting, batch)
    if found is None and checked < compare_to:
        # Links after the log's last event (up to `upto`): events removed from its end.
        rest = stored.links(checked, compare_to, 1)
        if rest:
            found = Break(rest[0][0], REMOVED)
    return ChainCheck(upto, previous, events, compare_to, found, marked)


@dataclass(frozen=True)
class _Checkpoint:
    """A batch's last link, to compare with the stored one; and where the batch began."""

    after: int
    """The position before the batch (the previous checkpoint's)."""
    start: bytes
    """The link at `after`."""
    position: int
    link: bytes


def _settle(log: EventLog, stored: StoredLinks, checkpoints: list[_Checkpoint], batch: int) -> Break | None:
    """Compare the checkpoints' links with the stored ones in one read; at the first that differs,
    read its batch again and find where in it the stored links first differ."""
    kept = stored.links_at([c.position for c in checkpoints])
    for checkpoint in checkpoints:
        if kept.get(checkpoint.position) != checkpoint.link.hex():
            rows = log.select(checkpoint.after, batch, checkpoint.position, ())
            return _first_difference(stored, checkpoint, links(rows, checkpoint.start) if rows else [], batch)
    return None


def batches(log: EventLog, upto: int, batch: int) -> Iterator[Sequence[Any]]:
    """The log's events up to `upto` (every topic), a batch at a time, from its lowest position on.

    Read in this thread: reading the next batch in another while this one is hashed was slower
    on a busy two-core machine (both need the GIL: psycopg builds the rows in Python objects)."""
    after = FLOOR
    while True:
        rows = log.select(after, batch, upto, ())
        if rows:
            yield rows
        if len(rows) < batch:
            return
        after = rows[-1].id


def _first_difference(stored: StoredLinks, checkpoint: _Checkpoint, computed: list[tuple[int, bytes]],
                      batch: int) -> Break:
    """Where the stored links in the checkpoint's range first differ from `computed`, its links."""
    kept = _paged(stored, checkpoint.after, checkpoint.position, batch)
    for position, link in computed:
        mine = next(kept, None)
        if mine is not None and mine[0] < position:
            return Break(mine[0], REMOVED)
        if mine is None or mine[0] > position:
            return Break(position, INSERTED)
        if mine[1] != link.hex():
            return Break(position, ALTERED)
    extra = next(kept, None)  # the log changed meanwhile, if not this
    return Break(extra[0], REMOVED) if extra is not None else Break(checkpoint.position, ALTERED)


def _paged(stored: StoredLinks, after: int, upto: int, batch: int) -> Iterator[tuple[int, str]]:
    while True:
        page = stored.links(after, upto, batch)
        yield from page
        if len(page) < batch:
            return
        after = page[-1][0]
