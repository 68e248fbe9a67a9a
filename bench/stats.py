"""One measured figure of the suite: a rate and latency percentiles, comparable by ratio."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.pg import percentile


@dataclass
class Measured:
    """`count` operations finished in `seconds` of wall time by `concurrency` clients."""

    name: str
    concurrency: int
    count: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else math.nan

    @classmethod
    def of(cls, name: str, concurrency: int, latencies: Sequence[float], seconds: float,
           errors: int = 0, **extra: Any) -> Measured:
        """From latencies in seconds."""
        return cls(
            name=name, concurrency=concurrency, count=len(latencies), seconds=seconds,
            p50_ms=percentile(latencies, 50) * 1000, p90_ms=percentile(latencies, 90) * 1000,
            p99_ms=percentile(latencies, 99) * 1000, errors=errors, extra=dict(extra),
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}
