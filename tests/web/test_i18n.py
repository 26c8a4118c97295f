"""The Urdu catalogue covers every string the pages mark for translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from noc_api.web.i18n import translations

WEB = Path(__file__).resolve().parents[2] / "noc_api" / "web"
PLACEHOLDER = re.compile(r"%\([a-z]+\)[sd]|%%")


def _marked() -> set[str | tuple[str, ...]]:
    found = extract_from_dir(
        str(WEB),
        [("**.py", "python"), ("templates/**.html", "jinja2")],
        {"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
    )
    return {m if isinstance(m, str) else tuple(m) for _, _, m, _, _ in found}


def test_every_marked_string_has_an_urdu_translation() -> None:
    with (WEB / "locale" / "ur" / "LC_MESSAGES" / "ccis.po").open("rb") as f:
        catalog = read_po(f, locale="ur")
    missing, wrong = [], []
    for msgid in _marked():
        key = msgid if isinstance(msgid, str) else msgid[0]
        msg = catalog.get(key)
        strings = [] if msg is None else ([msg.string] if isinstance(msg.string, str) else list(msg.string))
        if not strings or not all(strings):
            missing.append(msgid)
            continue
        want = sorted(PLACEHOLDER.findall(key))
        if any(sorted(PLACEHOLDER.findall(s)) != want for s in strings):
            wrong.append(msgid)
    assert missing == [], f"untranslated (run pybabel update, see noc_api/web/babel.cfg): {missing}"
    assert wrong == [], f"placeholders differ: {wrong}"


def test_catalogue_compiles_and_translates() -> None:
    ur = translations("ur")
    assert ur.gettext("Phone complaint") == "فون پر شکایت"
    assert ur.ngettext("%(num)d time", "%(num)d times", 2) % {"num": 2} == "2 بار"
    assert translations("en").gettext("Phone complaint") == "Phone complaint"
