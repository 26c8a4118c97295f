"""A Notifier per medium, at the edge: e-mail (smtplib, STARTTLS and login), SMS through an HTTP gateway, JSON
webhooks. Every source of messages (alerts, complaints) is sent through the same ones.

``send(message)`` returns when the peer accepted the message and raises DeliveryError (mapped from the library's
error, httpx-style) otherwise, so the delivery job records every attempt with its result.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx

from complaint_core.services.outbox import OutboxMessage as Message  # what a notifier needs of one message
from noc_api.alerting.templates import render
from noc_api.settings import Settings

TIMEOUT = 10.0
DEFAULT_SMS_TEMPLATE = '{"to": "{{ to }}", "text": "{{ text }}"}'


class DeliveryError(Exception):
    """A message could not be delivered this time (the delivery job retries it with back-off)."""


class Notifier(Protocol):
    """Sends messages of one medium."""

    @property
    def name(self) -> str:
        """The peer, as the attempt log names it (e.g. "smtp 127.0.0.1:25")."""

    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise DeliveryError."""


@dataclass(frozen=True)
class EmailNotifier:
    """Mail through one SMTP server; STARTTLS (certificate verified) and login when configured."""

    host: str
    port: int = 25
    sender: str = "ccis-noc@localhost"
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = TIMEOUT

    @property
    def name(self) -> str:
        return f"smtp {self.host}:{self.port}"

    def send(self, message: Message) -> None:
        """Send one mail; a refused recipient is a failure."""
        if not self.host:
            raise DeliveryError("CCIS_SMTP_HOST is not set")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, message.to, message.subject or "CCIS"
        msg.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{self.name}: {exc.__class__.__name__}: {exc}") from exc
        if refused:
            raise DeliveryError(f"smtp refused {', '.join(refused)}")


class HttpPoster:
    """One pooled HTTP client per notifier (a client per request costs a TLS context each time)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: httpx.Client | None = None

    def post(self, url: str, content: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        """POST; a transport error or a non-2xx answer is a DeliveryError."""
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        try:
            r = self._client.post(url, content=content, headers={"content-type": content_type, **(headers or {})})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{url}: {exc.__class__.__name__}: {exc}") from exc
        if r.status_code >= 300:
            raise DeliveryError(f"{url}: HTTP {r.status_code} {r.text[:200]}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class SmsNotifier:
    """SMS through an HTTP gateway; the request body comes from a sandboxed template with ``to`` and ``text``."""

    def __init__(self, url: str, template: str = DEFAULT_SMS_TEMPLATE, timeout: float = TIMEOUT) -> None:
        self.url, self.template = url, template
        self._http = HttpPoster(timeout)

    @property
    def name(self) -> str:
        return f"sms gateway {self.url}"

    @property
    def _is_json(self) -> bool:
        return self.template.lstrip().startswith(("{", "["))

    def request_body(self, to: str, text: str) -> str:
        """The gateway request body: values JSON-escaped in a JSON body, else form-encoded."""
        return render(self.template, {"to": to, "text": text}, escape="json" if self._is_json else "form")

    def send(self, message: Message) -> None:
        """POST one SMS; a non-2xx answer is a failure."""
        if not self.url:
            raise DeliveryError("CCIS_SMS_GATEWAY_URL is not set")
        ctype = "application/json" if self._is_json else "application/x-www-form-urlencoded"
        self._http.post(self.url, self.request_body(message.to, message.body).encode(), ctype)

    def close(self) -> None:
        self._http.close()


class WebhookNotifier:
    """POSTs the message's JSON payload (or its subject and text) to the message's URL."""

    name = "webhook"

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self._http = HttpPoster(timeout)

    def send(self, message: Message) -> None:
        """POST the JSON; a non-2xx answer is a failure."""
        body = message.payload if message.payload is not None else {"subject": message.subject, "text": message.body}
        self._http.post(message.to, json.dumps(body, default=str).encode(), "application/json")

    def close(self) -> None:
        self._http.close()


def notifiers_from_settings(settings: Settings) -> dict[str, Notifier]:
    """One notifier per medium, configured from CCIS_SMTP_* and CCIS_SMS_GATEWAY_*."""
    return {
        "email": EmailNotifier(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value(),
            starttls=settings.smtp_starttls,
        ),
        "sms": SmsNotifier(url=settings.sms_gateway_url, template=settings.sms_gateway_template),
        "webhook": WebhookNotifier(),
    }
