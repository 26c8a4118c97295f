"""Bench helpers of the complaint benchmarks: a fresh database (bench.common's) and a nearest-rank percentile."""

from __future__ import annotations

from bench.common import database as fresh_database

__all__ = ["fresh_database", "percentile"]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]
