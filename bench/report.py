"""The suite's output: a printed table with ratios, results.json and a PNG chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.pg import ratio
from bench.stats import Measured


def row(m: Measured, baseline: Measured | None = None) -> str:
    cpu = m.extra.get("cpu_ms", {})
    against = ""
    if baseline:
        against = f"{ratio(m.rate, baseline.rate, digits=2)} (p99 {ratio(m.p99_ms, baseline.p99_ms, digits=2)}"
        theirs = baseline.extra.get("cpu_ms", {})
        if cpu and theirs:
            against += f", CPU/req {ratio(sum(cpu.values()), sum(theirs.values()), digits=2)}"
        against += f") of {baseline.name}"
    return (f"| {m.name} | {m.concurrency} | {m.rate:,.0f} | {m.p50_ms:.2f} | {m.p90_ms:.2f} | {m.p99_ms:.2f} |"
            f" {m.errors} | {_ms(cpu, 'API process', 'flow save', 'floor client')}"
            f" | {_ms(cpu, 'projection worker', 'lean twin', 'floor worker')}"
            f" | {against} |")


def _ms(cpu: dict[str, float], *names: str) -> str:
    found = [cpu[n] for n in names if n in cpu]
    return f"{found[0]:.2f}" if found else ""


HEADER = ("| measured | clients | per s | p50 ms | p90 ms | p99 ms | errors | API (flow save, floor client) CPU ms/req"
          " | workers (twin, floor worker) CPU ms/req | throughput ratio (p99 ratio, CPU/req ratio) |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def table(lines: list[tuple[Measured, Measured | None]]) -> str:
    return "\n".join([HEADER, *(row(m, b) for m, b in lines)])


def write_json(folder: Path, results: dict[str, Any]) -> Path:
    path = folder / "results.json"
    path.write_text(json.dumps(results, indent=2, default=_plain))
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, Measured):
        return value.as_json()
    raise TypeError(f"cannot write {type(value).__name__}")


def chart(folder: Path, commands: list[dict[str, Measured]], reads: list[tuple[Measured, Measured]]) -> Path:
    """Left: command throughput by clients beside the flow save and the read-your-writes floor.
    Middle: every figure as a ratio to its baseline, with the goals. Right: CPU per request of the API and the projection workers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(17, 5.2))
    clients = [level["http"].concurrency for level in commands]
    floors = [level["floor"] for level in commands if "floor" in level]  # none in older results
    for key, label in (("http", "API commands (create, assign, confirm)"),
                       ("save", "flow save: the same aggregates, Application.save()"),
                       ("floor", "ryw floor: flow save + wait for a minimal worker")):
        if key != "floor" or len(floors) == len(commands):
            left.plot(clients, [level[key].rate for level in commands], marker="o", label=label)
    left.set_xscale("log", base=2)
    left.set_xticks(clients, [str(c) for c in clients])
    left.set_xlabel("concurrent clients")
    left.set_ylabel("commands per second")
    left.set_title("Commands beside the flow save and the ryw floor")
    left.legend(fontsize=8)
    names = [f"commands x{level['http'].concurrency} / flow save" for level in commands]
    values = [level["http"].rate / level["save"].rate for level in commands]
    with_floor = [level for level in commands if "floor" in level]
    names += [f"ryw floor x{level['floor'].concurrency} / flow save" for level in with_floor]
    values += [level["floor"].rate / level["save"].rate for level in with_floor]
    names += [f"commands x{level['http'].concurrency} / ryw floor" for level in with_floor]
    values += [level["http"].rate / level["floor"].rate for level in with_floor]
    names += [f"{ours.name.removesuffix(' alone')} / lean twin" for ours, _ in reads]
    values += [ours.rate / twin.rate for ours, twin in reads]
    positions = list(range(len(names)))
    middle.barh(positions, values, color=["tab:orange"] * len(commands) + ["tab:green"] * len(with_floor)
                + ["tab:olive"] * len(with_floor) + ["tab:blue"] * len(reads))
    middle.set_yticks(positions, names, fontsize=8)
    middle.invert_yaxis()
    middle.axvline(0.5, color="tab:orange", linestyle="--", label="goal for commands: 0.5x")
    middle.axvline(0.9, color="tab:blue", linestyle="--", label="goal for reads: 0.9x")
    middle.axvline(1.0, color="grey", linewidth=0.8)
    for y, value in zip(positions, values):
        middle.text(value, y, f" {value:.2f}x", va="center", fontsize=8)
    middle.set_xlabel("throughput ratio to the baseline (same run)")
    middle.set_title("Ratios to the baselines")
    middle.legend(fontsize=8, loc="upper right")
    figures = [level["http"] for level in commands] + [ours for ours, _ in reads] + [twin for _, twin in reads]
    labels = [f"commands x{m.concurrency}" for m in figures[:len(commands)]] + [m.name for m in figures[len(commands):]]
    api = [m.extra.get("cpu_ms", {}).get("API process", m.extra.get("cpu_ms", {}).get("lean twin", 0.0))
           for m in figures]
    workers = [m.extra.get("cpu_ms", {}).get("projection worker", 0.0) for m in figures]
    positions = list(range(len(labels)))
    right.barh(positions, api, label="API (or twin) processes")
    right.barh(positions, workers, left=api, label="projection workers")
    right.set_yticks(positions, labels, fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("CPU ms per request")
    right.set_title("CPU per request")
    right.legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    path = folder / "suite.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
