"""`check_chain` over logs of any shape: whatever the batch size and however the checkpoints
are grouped, one event altered, removed or inserted anywhere is named at its position and by
its kind, and an untouched log holds. The log and the chain are plain lists here; the same
code against SQLite and PostgreSQL is in test_audit_tamper.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from application.chain_check import check_chain
from application.event_log import LoggedEvent
from tests.chain_support import ZERO, documented_chain


class ListLog:
    def __init__(self, rows: list[LoggedEvent]) -> None:
        self.rows = sorted(rows)
        self.reads = 0

    def select(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Any]:
        self.reads += 1
        return [r for r in self.rows if after < r.id <= stop][:limit]


class DictLinks:
    def __init__(self, links: dict[int, str]) -> None:
        self.kept = dict(sorted(links.items()))

    def head(self) -> tuple[int, str] | None:
        return max(self.kept.items()) if self.kept else None

    def links_at(self, positions: Sequence[int]) -> dict[int, str]:
        return {p: self.kept[p] for p in positions if p in self.kept}

    def links(self, after: int, upto: int, limit: int) -> list[tuple[int, str]]:
        return [(p, h) for p, h in self.kept.items() if after < p <= upto][:limit]


def chained(rows: list[LoggedEvent]) -> dict[int, str]:
    return documented_chain([tuple(r) for r in sorted(rows)])  # type: ignore[misc]


def last_link(links: dict[int, str], upto: int) -> bytes:
    """The chain's link at `upto`: its last event's at or before it."""
    before = [p for p in links if p <= upto]
    return bytes.fromhex(links[max(before)]) if before else ZERO


@st.composite
def logs(draw: st.DrawFn) -> list[LoggedEvent]:
    """Positions from 1 with gaps (a PostgreSQL sequence's), a few aggregates and topics."""
    steps = draw(st.lists(st.integers(1, 3), min_size=1, max_size=40))
    aggregates = [UUID(int=n) for n in range(1, 5)]
    rows, position = [], 0
    for i, step in enumerate(steps):
        position += step
        rows.append(LoggedEvent(position, aggregates[i % 4], i // 4 + 1, f"domain.x:Thing.Happened{i % 3}",
                                draw(st.binary(max_size=40))))
    return rows


SIZES = dict(batch=st.integers(1, 9), checkpoints=st.integers(1, 4))


@settings(max_examples=100, deadline=None)
@given(rows=logs(), **SIZES)
def test_an_untouched_log_holds_and_its_last_link_is_the_documented_one(
    rows: list[LoggedEvent], batch: int, checkpoints: int,
) -> None:
    links = chained(rows)
    check = check_chain(ListLog(rows), DictLinks(links), rows[-1].id, batch=batch, checkpoints=checkpoints)
    assert check.holds and check.events == len(rows) and check.computed.hex() == links[rows[-1].id]


@settings(max_examples=200, deadline=None)
@given(rows=logs(), data=st.data(), **SIZES)
def test_one_event_altered_removed_or_inserted_anywhere_is_named_at_its_position(
    rows: list[LoggedEvent], data: st.DataObject, batch: int, checkpoints: int,
) -> None:
    links = chained(rows)
    kind = data.draw(st.sampled_from(["altered", "removed", "inserted"]))
    tampered = list(rows)
    if kind == "inserted":
        free = sorted(set(range(-2, rows[-1].id)) - {r.id for r in rows})
        position = data.draw(st.sampled_from(free))
        tampered.append(LoggedEvent(position, UUID(int=99), 1, "domain.x:Thing.Forged", b"forged"))
    else:
        index = data.draw(st.integers(0, len(rows) - 1))
        position = rows[index].id
        if kind == "altered":
            tampered[index] = rows[index]._replace(state=rows[index].state + b"!")
        else:
            del tampered[index]
    upto = data.draw(st.integers(position, rows[-1].id)) if position > 0 else rows[-1].id
    check = check_chain(ListLog(tampered), DictLinks(links), upto, batch=batch, checkpoints=checkpoints)
    assert check.first_break is not None and (check.first_break.position, check.first_break.kind) == (position, kind)
    assert check.computed != last_link(links, upto)


@settings(max_examples=100, deadline=None)
@given(rows=logs(), data=st.data(), **SIZES)
def test_events_the_chain_has_not_linked_yet_are_hashed_but_not_compared(
    rows: list[LoggedEvent], data: st.DataObject, batch: int, checkpoints: int,
) -> None:
    links = chained(rows)
    behind = data.draw(st.integers(0, len(rows)))
    linked = dict(list(links.items())[:behind])
    mark = data.draw(st.integers(0, rows[-1].id))
    check = check_chain(ListLog(rows), DictLinks(linked), rows[-1].id, batch=batch, checkpoints=checkpoints,
                        mark=mark)
    assert check.holds and check.computed.hex() == links[rows[-1].id]
    assert check.compared_upto == (max(linked) if linked else 0)
    assert check.marked == last_link(links, mark)


def test_the_stored_links_are_read_once_for_many_batches() -> None:
    rows = [LoggedEvent(p, UUID(int=p), 1, "domain.x:Thing.Happened", b"s") for p in range(1, 101)]

    class Counting(DictLinks):
        reads = 0

        def links_at(self, positions: Sequence[int]) -> dict[int, str]:
            self.reads += 1
            return super().links_at(positions)

    stored = Counting(chained(rows))
    assert check_chain(ListLog(rows), stored, 100, batch=2, checkpoints=25).holds
    assert stored.reads == 2  # 50 batches, 25 checkpoints a read
