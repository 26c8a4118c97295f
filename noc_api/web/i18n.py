"""Languages of the pages: English and Urdu (right to left), from Babel/gettext catalogues.

The ``.po`` files are the source; they are compiled to ``.mo`` in memory the first time a language is used, so
no build step and no compiled file in the repository.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "ccis"
LANG_COOKIE = "ccis_lang"
# code -> (name shown in the switcher, in that language; text direction)
LANGUAGES: dict[str, tuple[str, str]] = {"en": ("English", "ltr"), "ur": ("اردو", "rtl")}
DEFAULT = "en"


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where it is shown."""
    return message


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English is the source language: no catalogue)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def pick(cookie: str | None) -> str:
    """The language a visitor chose (cookie), else the default."""
    return cookie if cookie in LANGUAGES else DEFAULT


def direction(lang: str) -> str:
    return LANGUAGES[lang][1]
