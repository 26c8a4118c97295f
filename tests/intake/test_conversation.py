"""The intake dialogue as a pure function: table-driven turns, no database."""

from __future__ import annotations

import pytest

from noc_api.intake import conversation as talk

MENU = talk.Menu(
    categories=(talk.Choice("garbage", "Garbage collection"), talk.Choice("water-leakage", "Water leakage")),
    sub_categories=(talk.Choice("garbage-burning", "Garbage burning"),),
    towns=(talk.Choice("lyari", "Lyari"), talk.Choice("orangi", "Orangi")),
    wards=(("Orangi UC-1", "orangi"), ("Lyari UC-2", "lyari")),
)


@pytest.mark.parametrize(
    ("state", "data", "text", "want_state", "want_data", "action"),
    [
        ("idle", {}, "hi", "category", {}, None),
        ("idle", {}, "Someone is burning garbage", "location", {"category": "garbage-burning"}, None),
        ("category", {}, "2", "location", {"category": "water-leakage"}, None),
        ("category", {}, "9", "category", {}, None),
        ("category", {}, "water", "location", {"category": "water-leakage"}, None),
        (
            "location",
            {"category": "garbage"},
            "1",
            "description",
            {"category": "garbage", "town": "lyari", "ward": None},
            None,
        ),
        (
            "location",
            {"category": "garbage"},
            "near orangi uc-1 market",
            "description",
            {"category": "garbage", "town": "orangi", "ward": "Orangi UC-1"},
            None,
        ),
        (
            "location",
            {"category": "garbage"},
            "Lyari",
            "description",
            {"category": "garbage", "town": "lyari", "ward": None},
            None,
        ),
        ("location", {"category": "garbage"}, "the moon", "location", {"category": "garbage"}, None),
        (
            "description",
            {"category": "garbage", "town": "lyari"},
            "ok",
            "description",
            {"category": "garbage", "town": "lyari"},
            None,
        ),
        (
            "description",
            {"category": "garbage", "town": "lyari"},
            "Heap of rubbish by the school",
            "idle",
            {},
            "register",
        ),
        ("location", {"category": "garbage"}, "CANCEL", "idle", {}, None),
        (
            "description",
            {"category": "garbage"},
            "status khi-2026-0001234",
            "description",
            {"category": "garbage"},
            "status",
        ),
        ("idle", {}, "RATE KHI-2026-0000007 4 quick work", "idle", {}, "rate"),
        ("rating", {"tracking": "KHI-2026-0000007"}, "2 still dirty", "idle", {}, "rate"),
        ("rating", {"tracking": "KHI-2026-0000007"}, "hello", "category", {}, None),
    ],
)
def test_turns(state: str, data: dict, text: str, want_state: str, want_data: dict, action: str | None) -> None:
    turn = talk.step(state, data, talk.Inbound(text), MENU)
    assert (turn.state, turn.data) == (want_state, want_data)
    assert (turn.action.kind if turn.action else None) == action
    assert turn.reply or turn.action  # every turn answers


def test_actions_carry_what_was_said() -> None:
    reg = talk.step(
        "description", {"category": "garbage", "town": "lyari", "ward": None}, talk.Inbound("Heap of rubbish"), MENU
    )
    assert reg.action.args == {"category": "garbage", "town": "lyari", "ward": None, "description": "Heap of rubbish"}
    st = talk.step("idle", {}, talk.Inbound("STATUS KHI-2026-0001234"), MENU)
    assert st.action.args == {"tracking": "KHI-2026-0001234", "then": "idle"}
    rated = talk.step("rating", {"tracking": "KHI-2026-0000007"}, talk.Inbound("2 still dirty"), MENU)
    assert rated.action.args == {"tracking": "KHI-2026-0000007", "rating": 2, "comment": "still dirty"}
    where = talk.step("location", {"category": "garbage"}, talk.Inbound("", lat=24.95, lon=67.0), MENU)
    assert where.state == "description" and where.data == {"category": "garbage", "lat": 24.95, "lon": 67.0}
    assert "1 Garbage collection; 2 Water leakage" in talk.step("idle", {}, talk.Inbound("hi"), MENU).reply
    assert "STATUS" in talk.step("idle", {}, talk.Inbound("status"), MENU).reply  # no number: says how
