"""The suite's output: a printed table with ratios, results.json and a PNG chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.pg import ratio
from bench.stats import Measured


def row(m: Measured, baseline: Measured | None = None) -> str:
    against = f"{ratio(m.rate, baseline.rate, digits=2)} of {baseline.name}" if baseline else ""
    return (f"| {m.name} | {m.concurrency} | {m.rate:,.0f} | {m.p50_ms:.2f} | {m.p90_ms:.2f} | {m.p99_ms:.2f} |"
            f" {m.errors} | {against} |")


HEADER = ("| measured | clients | per s | p50 ms | p90 ms | p99 ms | errors | throughput ratio |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- |")


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


def chart(folder: Path, commands: list[dict[str, Measured]], reads: list[tuple[Measured, Measured | None]]) -> Path:
    """Left: command throughput by clients beside the two event-store ceilings.
    Right: p99 of each read at 32 clients beside its ceilings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    clients = [level["http"].concurrency for level in commands]
    for key, label in (("http", "API commands (create, assign, confirm)"),
                       ("save", "bare Application.save() of a Shift"), ("pgbench", "pgbench one-row INSERT")):
        left.plot(clients, [level[key].rate for level in commands], marker="o", label=label)
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    left.set_xlabel("concurrent clients")
    left.set_ylabel("operations per second")
    left.set_title("Commands against the event-store ceilings")
    left.legend(fontsize=8)
    names = [m.name for m, _ in reads]
    positions = range(len(names))
    right.barh(list(positions), [m.p99_ms for m, _ in reads], color="tab:blue")
    right.set_yticks(list(positions), names, fontsize=8)
    right.axvline(10, color="tab:red", linestyle="--", label="goal: p99 10 ms")
    right.set_xlabel("p99 latency at 32 clients, ms")
    right.set_title("Reads and their ceilings")
    right.legend(fontsize=8)
    figure.tight_layout()
    path = folder / "suite.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
