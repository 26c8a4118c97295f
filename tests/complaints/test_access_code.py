"""The pure core of the citizen's proof: the tracking code is stable, forgiving of how it is typed, bound to one
complaint and one key; the whole phone number works in any spelling, a part of it never does."""

from __future__ import annotations

from complaint_core.access import proves, tracking_code

KEY = b"k" * 32


def test_the_code_is_stable_readable_and_bound_to_one_complaint_and_key() -> None:
    code = tracking_code(KEY, 41)
    assert code == tracking_code(KEY, 41) and len(code) == 9 and code[4] == "-"
    assert not set(code.replace("-", "")) & set("ILOU")  # nothing to misread
    assert tracking_code(KEY, 42) != code and tracking_code(b"other" * 8, 41) != code
    codes = {tracking_code(KEY, n) for n in range(5000)}
    assert len(codes) == 5000  # 40 bits: no collisions among a city's year of complaints in practice


def test_what_proves_the_citizen() -> None:
    code = tracking_code(KEY, 7)
    phone = "+923001234567"
    for typed in (code, code.lower(), code.replace("-", ""), f" {code[:4]} {code[5:]} "):
        assert proves(typed, key=KEY, complaint_id=7, phone=phone), typed
    misread = code.replace("0", "O").replace("1", "I")
    assert proves(misread, key=KEY, complaint_id=7, phone=phone)
    assert not proves(code, key=KEY, complaint_id=8, phone=phone)
    assert not proves(code, key=b"", complaint_id=7, phone=None)  # no key: codes are off
    for whole in ("03001234567", "0300-1234567", "+92 300 1234567", "923001234567"):
        assert proves(whole, key=KEY, complaint_id=7, phone=phone), whole
    for part in ("4567", "1234567", "300123456", "03001234568", ""):
        assert not proves(part, key=KEY, complaint_id=7, phone=phone), part
    assert not proves("03001234567", key=KEY, complaint_id=7, phone=None)
