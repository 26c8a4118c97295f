"""Transports against real peers: SMTP with STARTTLS and login (aiosmtpd), gateway bodies for JSON and form APIs."""

from __future__ import annotations

import json
import ssl
import subprocess
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from noc_api.notify.notifiers import DeliveryError, EmailNotifier, Message, SmsNotifier, notifiers_from_settings
from noc_api.settings import load_settings
from tests.alerting.conftest import Inbox
from tests.support import free_port


@pytest.fixture
def tls_smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """aiosmtpd requiring STARTTLS then login, with a self-signed certificate for 127.0.0.1 trusted via
    SSL_CERT_FILE (what the default context reads), so the client verifies it for real."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    inbox, port = Inbox(), free_port()

    def auth(server, session, envelope, mechanism, data):
        ok = data.login in (b"noc", "noc") and data.password in (b"s3cret-pass", "s3cret-pass")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    ctl = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=ctx,
        require_starttls=True,
        authenticator=auth,
        auth_required=True,
        auth_require_tls=True,
    )
    ctl.start()
    try:
        yield inbox, port
    finally:
        ctl.stop()


def _mail(to: str, subject: str, body: str) -> Message:
    return Message(1, "alert", "email", to, subject, body)


def _email(settings) -> EmailNotifier:
    return notifiers_from_settings(settings)["email"]  # type: ignore[return-value]


def test_email_over_starttls_with_login(tls_smtp) -> None:
    inbox, port = tls_smtp
    settings = load_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=True,
        smtp_user="noc",
        smtp_password="s3cret-pass",
        env="test",
    )
    email = _email(settings)
    assert email.name == f"smtp 127.0.0.1:{port}"
    email.send(_mail("eng@ccis.example", "[FIRING] test", "body"))
    assert inbox.mails[0].rcpt_tos == ["eng@ccis.example"]
    wrong = settings.model_copy(update={"smtp_password": settings.smtp_password.__class__("nope")})
    with pytest.raises(DeliveryError, match="SMTPAuthenticationError"):
        _email(wrong).send(_mail("eng@ccis.example", "x", "y"))
    plain = settings.model_copy(update={"smtp_starttls": False, "smtp_user": ""})
    with pytest.raises(DeliveryError, match="smtp 127.0.0.1"):  # the server insists on TLS: refused, and said so
        _email(plain).send(_mail("eng@ccis.example", "x", "y"))
    assert len(inbox.mails) == 1


def test_refused_smtp_is_a_delivery_error() -> None:
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=free_port(), env="test")
    with pytest.raises(DeliveryError, match="ConnectionRefusedError"):
        _email(settings).send(_mail("a@b.c", "x", "y"))


def test_gateway_bodies_escape_values_for_their_format() -> None:
    text = 'Radio "orangi" down\nack: http://x/?a=1&b=2'
    js = SmsNotifier("http://gateway.invalid/", load_settings(env="test").sms_gateway_template)  # JSON by default
    assert json.loads(js.request_body("+923001110001", text)) == {"to": "+923001110001", "text": text}
    form = SmsNotifier("http://gateway.invalid/", "api_key=K&mobile={{ to }}&message={{ text }}")
    assert parse_qs(form.request_body("+919800000000", text)) == {
        "api_key": ["K"],
        "mobile": ["+919800000000"],
        "message": [text],
    }
