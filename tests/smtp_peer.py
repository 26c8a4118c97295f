"""A real SMTP server (aiosmtpd) on a free loopback port, shared by the alerting, complaint and report tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller


class Inbox:
    """Every message the server accepted, as aiosmtpd envelopes."""

    def __init__(self) -> None:
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[tuple[str, list[str], str]]:
        """(from, recipients, text) of each message."""
        return [(m.mail_from, list(m.rcpt_tos), m.content.decode()) for m in self.mails]


@contextmanager
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """(port, inbox) of a running server; stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()
