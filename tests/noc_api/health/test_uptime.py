"""Uptime from state intervals: lost minutes, maintenance apart, unknown apart, towns as unions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from noc_api.health.uptime import Span, union_failed, uptime

D0 = datetime(2026, 11, 1, tzinfo=UTC)
H = timedelta(hours=1)


def test_lost_minutes_and_ratio() -> None:
    spans = [Span(D0, D0 + 10 * H, "up"), Span(D0 + 10 * H, D0 + 12 * H, "down"), Span(D0 + 12 * H, None, "up")]
    f = uptime(spans, [], D0, D0 + 24 * H, D0 + 48 * H)
    assert f.lost_seconds == 2 * 3600 and f.ratio == pytest.approx(22 / 24)


def test_maintenance_is_not_counted_against_uptime() -> None:
    spans = [Span(D0, D0 + 10 * H, "up"), Span(D0 + 10 * H, D0 + 12 * H, "down"), Span(D0 + 12 * H, None, "up")]
    f = uptime(spans, [(D0 + 11 * H, D0 + 13 * H)], D0, D0 + 24 * H, D0 + 48 * H)
    assert f.lost_seconds == 3600 and f.maintenance_seconds == 2 * 3600
    assert f.ratio == pytest.approx(1 - 1 / 22)
    masked = [
        Span(D0, D0 + 5 * H, "up"),
        Span(D0 + 5 * H, D0 + 6 * H, "unknown", maintenance=True),
        Span(D0 + 6 * H, None, "up"),
    ]
    g = uptime(masked, [], D0, D0 + 24 * H, D0 + 48 * H)
    assert g.maintenance_seconds == 3600 and g.lost_seconds == 0 and g.ratio == 1.0


def test_unknown_before_first_interval_and_future_not_counted() -> None:
    spans = [Span(D0 + 12 * H, None, "down")]
    f = uptime(spans, [], D0, D0 + 48 * H, D0 + 24 * H)
    assert f.seconds == 24 * 3600 and f.unknown_seconds == 12 * 3600 and f.lost_seconds == 12 * 3600
    assert f.ratio == 0.0


def test_town_is_down_while_any_site_is() -> None:
    a = [Span(D0, D0 + 2 * H, "up"), Span(D0 + 2 * H, D0 + 3 * H, "down"), Span(D0 + 3 * H, None, "up")]
    b = [Span(D0, D0 + 2.5 * H, "up"), Span(D0 + 2.5 * H, D0 + 4 * H, "down"), Span(D0 + 4 * H, None, "up")]
    f = uptime(union_failed([a, b]), [], D0, D0 + 10 * H, D0 + 10 * H)
    assert f.lost_seconds == 2 * 3600 and f.unknown_seconds == 0
