"""Reading what a process costs (CPU seconds, resident memory) and summarising latencies, Linux
/proc based."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CORE = 0
CLIENT_CORE = 1


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far, all its threads included (10 ms
    resolution)."""
    with open(f"/proc/{pid}/stat") as handle:
        # The command name may contain spaces; the fields after its closing parenthesis are fixed.
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size now."""
    with open(f"/proc/{pid or os.getpid()}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def pinning_possible() -> bool:
    """Two cores or more: the server gets one to itself, the load generator and the fakes the
    other."""
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


def pin(core: int) -> None:
    """Run this process (and the threads and children it starts later) on one core, when there are
    two."""
    if pinning_possible():
        os.sched_setaffinity(0, {core})


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


@dataclass(frozen=True)
class Latency:
    """p50 and p99 in milliseconds."""

    p50_ms: float
    p99_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        return cls(percentile(seconds, 0.50) * 1000, percentile(seconds, 0.99) * 1000)
