"""`schedulax audit verify [--digest N:HASH]`: whether the event log still matches its hash chain.

Recomputes every link from the event store's stored rows (`application.chain_check`) and
compares them with the links the chain projection stored: it names the first position
where they disagree (an event altered, removed or inserted), or says that the chain holds.
With `--digest`, a digest kept earlier (`GET /api/audit/digest`, or this command's last
line) is checked too: that catches whoever rewrote the events and the chain table together.
Exit status 0 when everything holds, 1 when it does not, 2 when it cannot tell.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

from application.chain_check import ALTERED, INSERTED, REMOVED, ChainCheck, check_chain
from infrastructure.budget import Pools
from infrastructure.event_log import event_log
from infrastructure.settings import Settings
from interfaces.container import open_event_store, read_store
from interfaces.migrate import ensure_migrated
from projections.chain import CHAIN
from projections.chain_queries import SqlChainLinks

POOLS = Pools(read_models=1, event_store=1)
DIGEST = re.compile(r"^(\d{1,19}):([0-9a-fA-F]{64})$")
MEANING = {
    ALTERED: "its stored bytes (or its stored link) differ from what the chain linked",
    REMOVED: "the chain linked an event there that the log no longer holds",
    INSERTED: "the log holds an event there that the chain never linked",
}


def add_commands(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`verify` under the `schedulax audit` group."""
    verify = verbs.add_parser("verify", help="recompute the log's hash chain from the event store and"
                              " name the first position where it breaks")
    verify.add_argument("--digest", metavar="N:HASH", type=digest_argument, default=None,
                        help="a digest kept earlier (sequence:hash, as GET /api/audit/digest answers it):"
                             " check that the log up to N still gives HASH")


def digest_argument(text: str) -> tuple[int, str]:
    match = DIGEST.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError("expected SEQUENCE:HASH, a position and 64 hex digits")
    return int(match.group(1)), match.group(2).lower()


def main(args: argparse.Namespace, settings: Settings | None = None) -> int:
    settings = settings or Settings.from_env()
    if settings.backend == "memory":
        print("error: a memory:// store lives only in its own process; nothing to verify here", file=sys.stderr)
        return 2
    store = read_store(settings, POOLS)
    events = None
    try:
        ensure_migrated(settings, store)  # PostgreSQL: one SELECT
        if settings.backend != "postgres":
            with store.write() as cur:  # the embedded default: each process creates what is missing
                for statement in CHAIN:
                    cur.execute(statement)
        events = open_event_store(settings, POOLS)
        return verify(events, SqlChainLinks(store), args.digest)
    finally:
        store.close()
        if events is not None:
            events.close()


def verify(events: Any, links: SqlChainLinks, digest: tuple[int, str] | None) -> int:
    head = links.head()
    chained = head[0] if head is not None else 0
    log_head = events.recorder.max_notification_id() or 0
    upto = max(chained, digest[0] if digest is not None else 0)
    started = time.perf_counter()
    check = _checked(events, links, upto, digest[0] if digest is not None else None)
    seconds = time.perf_counter() - started
    rate = f" ({check.events / seconds:,.0f} events/s)" if seconds > 0 and check.events else ""
    print(f"recomputed {check.events:,} events up to position {upto:,} in {seconds:.1f} s{rate}")
    holds = check.holds
    if check.first_break is not None:
        where = check.first_break
        print(f"the chain BREAKS at position {where.position}: {where.kind}: {MEANING[where.kind]}")
    elif chained:
        print(f"the chain holds: the log agrees with every link up to position {chained:,}")
    else:
        print("the chain has linked nothing yet: nothing to compare")
    if digest is not None:
        sequence, expected = digest
        at = check.marked.hex() if check.marked is not None else ""
        if at == expected:
            print(f"digest {sequence}:{expected} matches: the log up to {sequence:,} is the one it was taken of")
        else:
            holds = False
            print(f"digest {sequence}:{expected} does NOT match: the log up to {sequence:,} now gives {at}")
    if log_head > chained:
        print(f"the log goes on to position {log_head:,}: the chain projection has not linked what follows"
              f" {chained:,} yet")
    if head is not None and check.first_break is None:
        print(f"digest: {head[0]}:{head[1]}")
    return 0 if holds else 1


def _checked(events: Any, links: SqlChainLinks, upto: int, mark: int | None) -> ChainCheck:
    from tqdm import tqdm

    with tqdm(total=upto, unit="ev", unit_scale=True, desc="audit verify", file=sys.stderr,
              disable=not sys.stderr.isatty()) as bar:
        def progress(position: int) -> None:
            bar.update(max(min(position, upto) - bar.n, 0))

        return check_chain(event_log(events.recorder), links, upto, progress=progress, mark=mark)
