"""Grow the event log to a given size for the memory figure ("with 1 million events stored").

More departments living through months of rosters (`bench.rebuild_rate.month_roster`), with
ids far above the seeded ones so that no aggregate collides. The projection workers are
stopped meanwhile: the figure is an API process's memory with that log behind it, and
projecting it would take longer than the whole suite may.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from application.events import SchedulaX
from bench.rebuild_rate import History, month_roster, organisation
from bench.stack import log_head
from infrastructure.settings import Settings
from interfaces.container import event_store_env

ID_OFFSET = 50_000_000


def grow_log(settings: Settings, target: int) -> dict[str, Any]:
    started = time.perf_counter()
    before = log_head(settings.database_schema)
    events = SchedulaX(env=event_store_env(settings))
    try:
        h = History(events, target=max(target - before, 0), seed=3)
        for kind in ("user", "enterprise", "department", "roster", "shift", "assignment", "swap_request"):
            h.ids[kind] = ID_OFFSET
        teams = organisation(h, 16, admin_id=ID_OFFSET)
        month = 0
        while not h.done:
            for team in teams:
                if h.done:
                    break
                month_roster(h, team, 2060 + month // 12, month % 12 + 1)  # after any time off (2040s)
            month += 1
    finally:
        events.close()
    after = log_head(settings.database_schema)
    print(f"  the log holds {after:,} events", file=sys.stderr)
    return {"before": before, "after": after, "seconds": round(time.perf_counter() - started, 1)}


