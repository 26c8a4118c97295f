"""Delivery at the edge: email (smtplib, STARTTLS and login), SMS through an HTTP gateway, JSON webhooks.

Each `send_*` returns a short detail on success and raises DeliveryError (mapped from the library's error,
httpx-style) on failure, so the cycle records every attempt with its result.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from email.message import EmailMessage

import httpx

from noc_api.alerting.templates import render
from noc_api.settings import Settings

TIMEOUT = 10.0


class DeliveryError(Exception):
    """A notification could not be delivered this time (the cycle retries with backoff)."""


def send_email(settings: Settings, to: str, subject: str, body: str) -> str:
    """Send one mail through settings.smtp_*; STARTTLS and login when configured."""
    if not settings.smtp_host:
        raise DeliveryError("CCIS_SMTP_HOST is not set")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.smtp_from, to, subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            refused = smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"smtp {settings.smtp_host}:{settings.smtp_port}: {exc.__class__.__name__}: {exc}") from exc
    if refused:
        raise DeliveryError(f"smtp refused {', '.join(refused)}")
    return f"smtp accepted for {to}"


def sms_request_body(settings: Settings, to: str, text: str) -> str:
    """The gateway request body from the template: values JSON-escaped in a JSON body, else form-encoded."""
    template = settings.sms_gateway_template
    escape = "json" if template.lstrip().startswith(("{", "[")) else "form"
    return render(template, {"to": to, "text": text}, escape=escape)


def _post(url: str, content: bytes, content_type: str) -> str:
    try:
        r = httpx.post(url, content=content, headers={"content-type": content_type}, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{url}: {exc.__class__.__name__}: {exc}") from exc
    if r.status_code >= 300:
        raise DeliveryError(f"{url}: HTTP {r.status_code} {r.text[:200]}")
    return f"HTTP {r.status_code}"


def send_sms(settings: Settings, to: str, text: str) -> str:
    """POST one SMS to settings.sms_gateway_url; a non-2xx answer is a failure."""
    if not settings.sms_gateway_url:
        raise DeliveryError("CCIS_SMS_GATEWAY_URL is not set")
    body = sms_request_body(settings, to, text)
    ctype = "application/json" if body.lstrip().startswith(("{", "[")) else "application/x-www-form-urlencoded"
    return _post(settings.sms_gateway_url, body.encode(), ctype)


def send_webhook(url: str, payload: dict) -> str:
    """POST the JSON payload; a non-2xx answer is a failure."""
    return _post(url, json.dumps(payload, default=str).encode(), "application/json")
