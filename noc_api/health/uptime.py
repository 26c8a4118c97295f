"""Pure uptime arithmetic over state intervals, with maintenance windows counted apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FAILED = {"down", "unreachable"}


@dataclass(frozen=True)
class Span:
    """One state interval (end None: still holding)."""

    start: datetime
    end: datetime | None
    state: str
    maintenance: bool = False  # the state was shown as unknown because of a maintenance window


@dataclass(frozen=True)
class UptimeFigures:
    seconds: float  # the range measured (up to now)
    lost_seconds: float  # down or unreachable, outside maintenance
    maintenance_seconds: float
    unknown_seconds: float  # never heard / not known, outside maintenance

    @property
    def ratio(self) -> float | None:
        """Share of the known, non-maintenance time that was up (None when nothing is known)."""
        base = self.seconds - self.maintenance_seconds - self.unknown_seconds
        return None if base <= 0 else max(0.0, 1.0 - self.lost_seconds / base)


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _overlap(a: float, b: float, merged: list[tuple[float, float]]) -> float:
    if not merged:
        return 0.0
    return sum(max(0.0, min(b, y) - max(a, x)) for x, y in merged)


def uptime(
    spans: list[Span], windows: list[tuple[datetime, datetime]], start: datetime, end: datetime, now: datetime
) -> UptimeFigures:
    """Up/lost/maintenance/unknown time of one subject over [start, end) (the future is not counted)."""
    a, b = start.timestamp(), min(end, now).timestamp()
    if b <= a:
        return UptimeFigures(0.0, 0.0, 0.0, 0.0)
    maint = _merge([(max(a, w0.timestamp()), min(b, w1.timestamp())) for w0, w1 in windows if w1 > w0])
    maint = [(x, y) for x, y in maint if y > x]
    lost = unknown = 0.0
    covered: list[tuple[float, float]] = []
    extra_maint: list[tuple[float, float]] = []
    for s in spans:
        x = max(a, s.start.timestamp())
        y = min(b, (s.end or now).timestamp())
        if y <= x:
            continue
        covered.append((x, y))
        outside = (y - x) - _overlap(x, y, maint)
        if s.maintenance:
            extra_maint.append((x, y))
        elif s.state in FAILED:
            lost += outside
        elif s.state == "unknown":
            unknown += outside
    all_maint = _merge(maint + extra_maint)
    maint_s = sum(y - x for x, y in all_maint)
    # Time before the first interval (the subject did not exist yet or was never evaluated) is unknown.
    unknown += (b - a) - sum(y - x for x, y in _merge(covered)) - _gap_maint(covered, maint, a, b)
    return UptimeFigures(b - a, lost, maint_s, max(0.0, unknown))


def _gap_maint(covered: list[tuple[float, float]], maint: list[tuple[float, float]], a: float, b: float) -> float:
    """Maintenance time that falls where no interval exists (already counted as maintenance)."""
    merged = _merge(covered)
    total = 0.0
    prev = a
    for x, y in [*merged, (b, b)]:
        if x > prev:
            total += _overlap(prev, x, maint)
        prev = max(prev, y)
    return total


def union_failed(span_lists: list[list[Span]]) -> list[Span]:
    """One span list that is failed whenever any of the inputs is (a town is down when any of its sites is)."""
    failed = _merge(
        [
            (s.start.timestamp(), (s.end.timestamp() if s.end else float("inf")))
            for spans in span_lists
            for s in spans
            if s.state in FAILED and not s.maintenance
        ]
    )
    from datetime import UTC

    out = []
    for x, y in failed:
        end = None if y == float("inf") else datetime.fromtimestamp(y, UTC)
        out.append(Span(datetime.fromtimestamp(x, UTC), end, "down"))
    known = [s for spans in span_lists for s in spans]
    if known:
        first = min(s.start for s in known)
        # Fill the rest of the known time as up, so only real gaps count as unknown.
        out.append(Span(first, None, "up"))
    return _failed_first(out)


def _failed_first(spans: list[Span]) -> list[Span]:
    """Overlapping spans: subtract failed spans from the up filler."""
    failed = [s for s in spans if s.state != "up"]
    up = [s for s in spans if s.state == "up"]
    if not up:
        return failed
    filler = up[0]
    pieces: list[Span] = []
    cursor = filler.start
    for f in sorted(failed, key=lambda s: s.start):
        if f.start > cursor:
            pieces.append(Span(cursor, f.start, "up"))
        if f.end is None:
            break
        cursor = max(cursor, f.end)
    else:
        pieces.append(Span(cursor, None, "up"))
    return sorted(failed + pieces, key=lambda s: s.start)
