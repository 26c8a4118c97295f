"""Registration once per request: a client that resends after a lost answer (a crash, a cut link, a double click)
gets the first answer back instead of a second complaint. The key is the client's (the `Idempotency-Key` header of
the IETF draft, or the key a desk form carries), scoped by who sent it, and stored in the registration's own
transaction, so a key is never kept without its complaint nor a complaint without its key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime

MAX_KEY = 100


class RegistrationKey(Base):
    __tablename__ = "registration_keys"
    sender: Mapped[str] = mapped_column(String(100), primary_key=True)  # the staff user, or "public:<address>"
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(32))
    answer: Mapped[dict] = mapped_column(JsonType)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


_KEYS = RegistrationKey.__table__
# Built once, run in Core: every keyed registration asks and writes it.
STORED = select(_KEYS.c.answer).where(_KEYS.c.sender == bindparam("sender"), _KEYS.c.key == bindparam("key"))
STORE = insert(_KEYS)


def _stored(session: Session, sender: str, key: str) -> dict[str, Any] | None:
    answer = session.connection().scalar(STORED, {"sender": sender, "key": key})
    return dict(answer) if answer is not None else None


def once(
    session: Session, sender: str, key: str | None, register: Callable[[], dict[str, Any]], now: datetime
) -> tuple[dict[str, Any], bool]:
    """``register()`` unless ``key`` was seen from ``sender``; returns (answer, replayed). ``register`` must flush,
    not commit: the key joins its transaction and the commit is here."""
    if not key:
        answer = register()
        session.commit()
        return answer, False
    earlier = _stored(session, sender, key)
    if earlier is not None:
        return earlier, True
    answer = register()
    row = {"sender": sender, "key": key, "tracking_number": answer["tracking_number"], "answer": answer, "at": now}
    try:
        session.connection().execute(STORE, row)
        session.commit()
    except IntegrityError:  # the same key raced in from a parallel resend: that one won, this one never happened
        session.rollback()
        earlier = _stored(session, sender, key)
        if earlier is None:
            raise
        return earlier, True
    return answer, False
