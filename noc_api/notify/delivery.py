"""The one delivery job of the outbox: claim a due message, send it outside any transaction, record the attempt.

Each message takes two short transactions: the claim (on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so concurrent
senders pass each other's rows by; on SQLite the single writer orders the guarded UPDATE) pushes the message's
``next_attempt_at`` a lease ahead, so no other sender sees it due while it is being sent; the record writes the
attempt and the outcome. A slow SMTP server or gateway holds no transaction and no lock while it answers. A
sender that dies mid-send leaves the message to be tried again when the lease runs out (at least once: a crash
between the peer's acceptance and the record can repeat a message; nothing is lost).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from complaint_core.services import outbox
from noc_api.notify.metrics import NotifyMetrics
from noc_api.notify.notifiers import DeliveryError, Message, Notifier
from noc_api.notify.retry import RetryPolicy

log = logging.getLogger("ccis.notify")
LEASE_SECONDS = 300.0  # longer than any send (each notifier times out after 10 s per step)


@dataclass
class DeliveryRun:
    """What one run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def claim(session: Session, now: datetime, lease: float = LEASE_SECONDS) -> Message | None:
    """Take the oldest due message for this sender (hidden from others for ``lease`` seconds), or None."""
    return outbox.claim(session, now, lease)


def record(session: Session, message: Message, ok: bool, detail: str, now: datetime, policy: RetryPolicy) -> str:
    """Write one attempt and its consequence; returns the outcome: sent, retry or failed."""
    return outbox.record(session, message.id, ok, detail, now, policy.next_delay)


class Delivery:
    """Delivers due messages of every source through the notifier of their medium, one message at a time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        notifiers: Mapping[str, Notifier],
        policy: Callable[[Message], RetryPolicy],
        metrics: NotifyMetrics | None = None,
        limit: int = 200,
    ) -> None:
        self.sessions, self.notifiers, self.policy = sessions, notifiers, policy
        self.metrics, self.limit = metrics, limit

    def close(self) -> None:
        """Close the notifiers' connections (HTTP clients are pooled)."""
        for notifier in self.notifiers.values():
            close = getattr(notifier, "close", None)
            if close is not None:
                close()

    def send(self, message: Message) -> tuple[bool, str]:
        """One attempt, outside any transaction: (accepted, what the peer said)."""
        notifier = self.notifiers.get(message.medium)
        try:
            if notifier is None:
                raise DeliveryError(f"no notifier for medium {message.medium!r}")
            notifier.send(message)
        except DeliveryError as exc:
            log.info("message %s (%s %s) not delivered: %s", message.id, message.source, message.medium, exc)
            return False, str(exc)
        return True, f"accepted by {notifier.name}"

    def run(self, now: datetime) -> DeliveryRun:
        """Deliver what is due at ``now`` (the clock then moves on with real time), at most ``limit`` messages."""
        started = time.monotonic()

        def clock() -> datetime:
            return now + timedelta(seconds=time.monotonic() - started)

        done = DeliveryRun()
        for _ in range(self.limit):
            with self.sessions.begin() as session:
                message = claim(session, clock())
            if message is None:
                break
            ok, detail = self.send(message)
            with self.sessions.begin() as session:
                outcome = record(session, message, ok, detail, clock(), self.policy(message))
            if self.metrics is not None:
                self.metrics.count(message.source, message.medium, outcome)
            done.sent += outcome == "sent"
            done.retried += outcome == "retry"
            done.failed += outcome == "failed"
        return done
