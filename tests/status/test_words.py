"""The public's words and day bars, as plain functions: a day nobody watched is "not monitored", never down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from noc_api.health.uptime import Span
from noc_api.notices.words import ChannelInfo, alternatives, channel_down_text, past_incident_text
from noc_api.status.board import day_bar, public_state, state_words

TZ = "Asia/Karachi"
ORANGI = ChannelInfo("walk-in-orangi", "Orangi walk-in counter", "walk_in", "orangi")
CALL = ChannelInfo("call-centre-1339", "1339 Call Centre", "call_centre", None)
WEB = ChannelInfo("web-portal", "Citizen web portal", "web", None)
SMS = ChannelInfo("sms", "SMS short code", "sms", None)
DAY = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # midnight in Karachi


def test_the_notice_names_the_time_the_cause_and_where_else_to_go() -> None:
    since = datetime(2026, 12, 1, 8, 40, tzinfo=UTC)  # 13:40 in Karachi
    text = channel_down_text(ORANGI, since, "power", [SMS, WEB, CALL, ORANGI], TZ)
    assert text == "Orangi walk-in counter closed since 13:40 — power cut; call 1339 or use the web portal"
    assert channel_down_text(WEB, since, None, [], TZ) == "Citizen web portal down since 13:40 — cause being checked"
    assert alternatives(CALL, [CALL, SMS]) == ["send an SMS to the short code"]
    past = past_incident_text(ORANGI, since, since + timedelta(minutes=45), "link", TZ)
    assert past == "Orangi walk-in counter was closed from 1 Dec 13:40 to 14:25 (45 minutes) — network link down"


def test_day_bars() -> None:
    a, b = DAY, DAY + timedelta(days=1)
    now = b + timedelta(hours=1)
    assert day_bar([], [], a, b, now)["state"] == "none"  # never heard: not monitored, not down
    up = [Span(a, None, "up")]
    assert day_bar(up, [], a, b, now) == {"state": "up", "uptime_percent": 100.0, "minutes_down": 0}
    cut = [Span(a, a + timedelta(hours=12), "up"), Span(a + timedelta(hours=12), a + timedelta(hours=12, minutes=30),
           "down"), Span(a + timedelta(hours=12, minutes=30), None, "up")]  # fmt: skip
    assert day_bar(cut, [], a, b, now) == {"state": "partial", "uptime_percent": 97.92, "minutes_down": 30}
    dark = [Span(a, None, "unreachable")]
    assert day_bar(dark, [], a, b, now)["state"] == "down"
    assert day_bar([Span(a, None, "unknown")], [(a, b)], a, b, now)["state"] == "maintenance"
    half = [Span(a + timedelta(hours=12), None, "up")]  # first heard at noon: the morning is not counted
    assert day_bar(half, [], a, b, now)["uptime_percent"] == 100.0


def test_states_in_words() -> None:
    assert public_state("unreachable", "behind radio-orangi") == "down"
    assert public_state("unknown", "maintenance window") == "maintenance"
    assert public_state("unknown", "never heard") == "unknown"
    assert state_words("down", "walk_in") == "Closed" and state_words("down", "web") == "Down"
    assert state_words("unknown", "sms") == "Not monitored"
