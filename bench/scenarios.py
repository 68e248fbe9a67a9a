"""The four scenarios of the suite, each beside the ceilings measured in the same run."""

from __future__ import annotations

import random
import sys
import time
from dataclasses import asdict
from typing import Any

from bench import baselines, ryw_floor
from bench.http_load import Connection
from bench.seed import Seeded
from bench.servers import CpuWatch, MemoryWatch, Running, free_port
from bench.stack import Stack, drive, wait_caught_up
from bench.stats import Measured
from projections.rostering_queries import ASSIGNMENT_SELECT, SHIFT_COLUMNS, VISIBLE_ASSIGNMENT

COMMAND_KINDS = ("create shift", "assign employee", "confirm assignment")
READ_KINDS = ("my-schedule", "shifts by roster", "roster listing", "notifications")


def measured(name: str, result: dict[str, Any], kinds: tuple[str, ...] | None = None) -> Measured:
    """One figure over the named request kinds of a load result (all kinds by default)."""
    chosen = [k for k in result["latencies"] if kinds is None or k in kinds]
    latencies = [x for k in chosen for x in result["latencies"][k]]
    errors = sum(n for k in chosen for status, n in result["statuses"].get(k, {}).items() if int(status) >= 400)
    return Measured.of(name, result["clients"], latencies, result["seconds"], errors=errors,
                       client_cpu_seconds=round(result["client_cpu_seconds"], 2))


def command_slots(seeded: Seeded, monday: bool = False) -> list[dict[str, Any]]:
    """The first half of the slots for scenario 1, the second for Monday morning's commands,
    so that no two runs book the same employee on the same days."""
    half = len(seeded.slots) // 2
    return [asdict(s) for s in (seeded.slots[half:] if monday else seeded.slots[:half])]


# -- 1. commands ------------------------------------------------------------------------------


def commands(stack: Stack, seeded: Seeded, tokens: dict[str, str], levels: list[int],
             duration: float) -> list[dict[str, Measured]]:
    """Create shift, assign, confirm at each level, beside the flow save (the same aggregates and
    events saved bare) and the read-your-writes floor (the flow save plus the wait for a minimal
    worker process to track each save: bench/ryw_floor.py), with the CPU per command of the API
    and projection processes. `ratios`: command/flow, command/floor and floor/flow, by rate.
    (pgbench's one-row INSERT is no longer beside them: it is not the same work, and at 32
    connections it takes a third of a shared server's connection slots.)"""
    schema = stack.settings.database_schema
    out = []
    for index, clients in enumerate(levels):
        # Flow, floor, floor, flow, half the duration each: the pair sees the same machine.
        pair = ryw_floor.paired(stack.settings, command_slots(seeded), clients, duration / 2, year=2040 + 4 * index)
        flow, floor = pair["save"], pair["floor"]
        wait_caught_up(schema)  # the baselines' events are projected before the API's clock starts
        with CpuWatch(stack.working()) as cpu:
            result = drive({
                "host": "127.0.0.1", "port": stack.port, "clients": clients, "duration": duration,
                "warmup": 1.0, "workload": "commands", "slots": command_slots(seeded)[:clients], "tokens": tokens,
                "band": index,
            })
            wait_caught_up(schema)
        http = measured(f"API commands, {clients} clients", result)
        http.extra["per_kind"] = {k: measured(k, result, (k,)).as_json() for k in result["latencies"]}
        http.extra["samples"] = result["samples"]
        http.extra["cpu_ms"] = cpu_per_request(cpu.used, result)
        ratios = {"command/flow": round(http.rate / flow.rate, 3), "command/floor": round(http.rate / floor.rate, 3),
                  "floor/flow": round(floor.rate / flow.rate, 3)}
        out.append({"http": http, "save": flow, "floor": floor, "ratios": ratios})
        print(f"  commands x{clients}: {http.rate:,.0f}/s p99 {http.p99_ms:.1f} ms, errors {http.errors};"
              f" flow save {flow.rate:,.0f}/s p99 {flow.p99_ms:.1f} ms; ryw floor {floor.rate:,.0f}/s"
              f" p99 {floor.p99_ms:.1f} ms (wait p50 {floor.extra['wait_ms']['p50']:.2f} ms); ratios {ratios};"
              f" CPU ms/command {http.extra['cpu_ms']}, floor {floor.extra['cpu_ms']}", file=sys.stderr)
    return out


def cpu_per_request(used: dict[str, float], result: dict[str, Any]) -> dict[str, float]:
    """CPU milliseconds per request of each kind of process, over every request the load sent
    (the warm-up's too: the processes worked for those as well)."""
    sent = sum(n for statuses in result["statuses"].values() for n in statuses.values())
    return {name: round(1000 * seconds / max(sent, 1), 2) for name, seconds in used.items()}


# -- 2. Monday morning -------------------------------------------------------------------------


def monday(stack: Stack, seeded: Seeded, tokens: dict[str, str], duration: float, clients: int = 32,
           readers: int = 2000) -> dict[str, Any]:
    """90% reads / 10% commands at `clients`; each read alone; the minimal handler and raw SQL."""
    rng = random.Random(5)
    staffed = [t for t in seeded.teams if t["current_roster_id"]]
    people = [(e, t) for t in staffed for e in t["employees"]]
    sample = rng.sample(people, min(readers, len(people)))
    reads = [
        {"kind": "my-schedule", "weight": 35, "as": [
            {"user": e, "path": "/api/employee/my-schedule"} for e, _ in sample]},
        {"kind": "shifts by roster", "weight": 25, "as": [
            {"user": e, "path": f"/api/shifts/roster/{t['current_roster_id']}"} for e, t in sample]},
        {"kind": "roster listing", "weight": 20, "as": [
            {"user": t["manager_id"], "path": "/api/rosters?page=1&limit=10"} for t in staffed]},
        {"kind": "notifications", "weight": 20, "as": [
            {"user": e, "path": "/api/notifications?page=1&limit=20"} for e, _ in sample]},
    ]
    base = {"host": "127.0.0.1", "port": stack.port, "clients": clients, "duration": duration,
            "warmup": 1.0, "tokens": tokens}
    spare = command_slots(seeded, monday=True)
    mixed = drive({**base, "workload": "monday", "reads": reads, "slots": spare})
    figures: dict[str, Any] = {
        "mixed": measured(f"Monday mix, {clients} clients", mixed),
        "mixed_reads": measured("Monday mix: reads", mixed, READ_KINDS),
        "mixed_commands": measured("Monday mix: commands", mixed, COMMAND_KINDS),
        "mixed_samples": mixed["samples"],
    }
    wait_caught_up(stack.settings.database_schema)  # the mix's commands are projected before reads alone
    alone, twins = {}, {}
    twin_port = free_port()
    with baselines.lean_twin_server(twin_port, stack.api_workers, stack.env()) as twin:
        twin_service = [Running("lean twin", twin.pid)]
        for read in reads:
            plan = {**base, "workload": "monday", "command_share": 0.0, "reads": [{**read, "weight": 1}],
                    "slots": spare}
            # Ours, the twin, the twin, ours: both see the same machine on average, however its
            # load drifts (it is shared); each figure is over both of its runs.
            runs: dict[str, list[tuple[dict[str, Any], dict[str, float]]]] = {"ours": [], "twin": []}
            for who in ("ours", "twin", "twin", "ours"):
                with CpuWatch(twin_service if who == "twin" else stack.working()) as cpu:
                    result = drive({**plan, "duration": duration / 2,
                                    **({"port": twin_port} if who == "twin" else {})})
                runs[who].append((result, cpu.used))
            alone[read["kind"]] = both(f"{read['kind']} alone", runs["ours"])
            twins[read["kind"]] = both(f"{read['kind']}: lean twin", runs["twin"])
            ours, lean = alone[read["kind"]], twins[read["kind"]]
            print(f"  {read['kind']}: {ours.rate:,.0f}/s p99 {ours.p99_ms:.1f} ms; twin {lean.rate:,.0f}/s"
                  f" p99 {lean.p99_ms:.1f} ms ({ours.rate / lean.rate:.2f}x); CPU ms/request {ours.extra['cpu_ms']}"
                  f" vs {lean.extra['cpu_ms']}", file=sys.stderr)
    figures["twins"] = twins
    figures["alone"] = alone
    body = response_size(stack.port, tokens, reads[0]["as"][0])
    figures["minimal"] = minimal_ceiling(stack.api_workers, body, clients, duration)
    try:
        figures["sql"] = sql_ceilings(stack.settings.database_schema, sample, clients, duration)
    except RuntimeError as failed:  # a shared server without 32 free connections
        print(f"  the reads' SQL alone was not measured: {str(failed)[:200]}", file=sys.stderr)
        figures["sql"] = {}
    return figures


def both(name: str, runs: list[tuple[dict[str, Any], dict[str, float]]]) -> Measured:
    """One figure over several load runs of the same plan, with its CPU per request."""
    merged: dict[str, Any] = {"clients": runs[0][0]["clients"], "seconds": 0.0, "latencies": {}, "statuses": {},
                              "client_cpu_seconds": 0.0}
    used: dict[str, float] = {}
    for result, cpu in runs:
        merged["seconds"] += result["seconds"]
        merged["client_cpu_seconds"] += result["client_cpu_seconds"]
        for kind, latencies in result["latencies"].items():
            merged["latencies"].setdefault(kind, []).extend(latencies)
        for kind, statuses in result["statuses"].items():
            into = merged["statuses"].setdefault(kind, {})
            for status, n in statuses.items():
                into[status] = into.get(status, 0) + n
        for process, seconds in cpu.items():
            used[process] = used.get(process, 0.0) + seconds
    figure = measured(name, merged)
    figure.extra["cpu_ms"] = cpu_per_request(used, merged)
    return figure


def response_size(port: int, tokens: dict[str, str], who: dict[str, Any]) -> int:
    import asyncio

    async def fetch() -> int:
        conn = Connection("127.0.0.1", port)
        try:
            _, body = await conn.request("GET", who["path"], tokens[str(who["user"])])
            return len(body)
        finally:
            conn.close()

    return asyncio.run(fetch())


def minimal_ceiling(workers: int, body_bytes: int, clients: int, duration: float) -> Measured:
    """A Litestar handler that returns as many bytes and does nothing else, same server and workers."""
    port = free_port()
    with baselines.minimal_server(port, workers, body_bytes):
        result = drive({"host": "127.0.0.1", "port": port, "clients": clients, "duration": duration,
                        "warmup": 1.0, "workload": "get", "paths": ["/minimal"], "token": None})
    figure = measured(f"minimal Litestar handler ({body_bytes} B)", result)
    return figure


def sql_ceilings(schema: str, sample: list[tuple[int, dict[str, Any]]], clients: int,
                 duration: float) -> dict[str, Measured]:
    """The read models' own queries through pgbench at the same concurrency (the read ceiling)."""
    employees = sorted(e for e, _ in sample)
    rosters = sorted({t["current_roster_id"] for _, t in sample})
    my_schedule = (
        f"\\set n random(1, {len(employees)})\n"
        "SELECT a.id, a.status, a.notes, a.assigned_at, s.id AS shift_id, s.date, s.start_time, s.end_time,"
        " s.start_at, s.end_at, s.title, s.location, r.id AS roster_id, r.name AS roster_name"
        " FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id JOIN rm_rosters r ON r.id = a.roster_id"
        f" WHERE a.employee_id = (ARRAY[{','.join(map(str, employees))}])[:n] AND {VISIBLE_ASSIGNMENT}"
        " AND s.is_deleted = false AND r.is_deleted = false ORDER BY s.start_at, a.id;\n"
    )
    shifts = (
        f"\\set n random(1, {len(rosters)})\n"
        f"SELECT {SHIFT_COLUMNS} FROM rm_shifts s WHERE s.roster_id = (ARRAY[{','.join(map(str, rosters))}])[:n]"
        " AND s.is_deleted = false ORDER BY s.date, s.start_time, s.id;\n"
        + " ".join(ASSIGNMENT_SELECT.split())
        + " WHERE a.shift_id = ANY(ARRAY(SELECT id FROM rm_shifts WHERE roster_id ="
        f" (ARRAY[{','.join(map(str, rosters))}])[:n] AND is_deleted = false)) AND {VISIBLE_ASSIGNMENT}"
        " ORDER BY a.id;\n"
    )
    return {
        "my-schedule": baselines.pgbench_script(schema, my_schedule, clients, duration / 2, "my-schedule SQL alone"),
        "shifts by roster": baselines.pgbench_script(schema, shifts, clients, duration / 2,
                                                     "shifts by roster SQL alone"),
    }


# -- 3. auto-assign ------------------------------------------------------------------------------


def auto_assign(stack: Stack, seeded: Seeded, tokens: dict[str, str]) -> dict[str, Any]:
    """A 200-employee, 31-day roster, 3 shifts a day of 3 staff, through the API and the job worker."""
    import asyncio

    import msgspec

    team = seeded.teams[0]
    manager = tokens[str(team["manager_id"])]

    async def run() -> dict[str, Any]:
        conn = Connection("127.0.0.1", stack.port)
        try:
            status, body = await conn.request("POST", "/api/rosters", manager, {
                "name": "Auto-assign bench", "department_id": team["department_id"],
                "start_date": "2032-01-01", "end_date": "2032-01-31", "auto_generate_shifts": True,
                "shift_template": "standard_8hour", "required_staff": 3,
            })
            if status != 201:
                raise RuntimeError(f"roster not created: {status} {body[:300]!r}")
            roster_id = msgspec.json.decode(body)["roster"]["id"]
            started = time.perf_counter()
            status, body = await conn.request("POST", f"/api/rosters/{roster_id}/auto-assign", manager, {})
            answer = msgspec.json.decode(body)
            while status == 202:
                await asyncio.sleep(0.02)
                _, detail = await conn.request("GET", f"/api/rosters/{roster_id}", manager)
                report = (msgspec.json.decode(detail)["roster"].get("metadata") or {}).get("auto_assign") or {}
                if report.get("status") in ("completed", "failed"):
                    answer, status = {"result": report}, 200
            return {"roster_id": roster_id, "seconds": time.perf_counter() - started, "answer": answer}
        finally:
            conn.close()

    outcome = asyncio.run(run())
    from bench.auto_assign import violations
    from interfaces.container import build_container

    container = build_container(stack.settings)
    try:
        broken, spread = violations(container, outcome["roster_id"], team["department_id"])
    finally:
        container.close()
    return {**outcome, "violations": broken, "hour_spread": spread, "shift_hours": 8.0}


def idle_memory(stack: Stack, seconds: float = 2.0) -> dict[str, float]:
    with MemoryWatch(list(stack.services.values())) as watch:
        time.sleep(seconds)
    return dict(watch.peaks)
