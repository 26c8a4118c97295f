"""What proves a citizen's right to see or act on a complaint without a login: the complaint's tracking code
(sent in the registration SMS, printed on the counter slip, shown once on the web form's answer) or the full
phone number it was lodged with.

The code is not stored: it is a keyed hash of the complaint's row id, so a resent registration gets the same code
and a stolen database holds none. Eight Crockford base32 characters are 40 bits; with the per-address limit on
wrong proofs, walking them (or the ~10⁹ phone numbers of one complaint) takes longer than a complaint lives, and
nobody can lock the citizen out by guessing wrong (the old four phone digits were 10,000 guesses, and the lock
that made up for that closed the complaint to its own citizen).
"""

from __future__ import annotations

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O or U to misread
READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_LENGTH = 8
PHONE_DIGITS = 10  # a Pakistani number without its 0 or +92: 3001234567


def tracking_code(key: bytes, complaint_id: int) -> str:
    """The complaint's code as a citizen reads it: ``ABCD-EFGH``."""
    digest = hmac.new(key, f"complaint:{complaint_id}".encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:5], "big")  # 40 bits, 5 per character
    chars = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))
    return f"{chars[:4]}-{chars[4:]}"


def _as_code(given: str) -> str | None:
    """``given`` as the 8 characters of a code (case, spaces, dashes and misreadings forgiven), or None."""
    chars = "".join(ch for ch in given.upper() if ch not in " -").translate(READS_AS)
    if len(chars) != CODE_LENGTH or any(ch not in ALPHABET for ch in chars):
        return None
    return chars


def _national(digits: str) -> str:
    return digits[-PHONE_DIGITS:]


def proves(given: str, *, key: bytes, complaint_id: int, phone: str | None) -> bool:
    """True when ``given`` is the complaint's code or its whole phone number (in any usual spelling)."""
    code = _as_code(given)
    if code is not None and key and hmac.compare_digest(code, tracking_code(key, complaint_id).replace("-", "")):
        return True
    digits = "".join(ch for ch in given if ch.isdigit())
    stored = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < PHONE_DIGITS or len(stored) < PHONE_DIGITS:
        return False
    return hmac.compare_digest(_national(digits), _national(stored))
