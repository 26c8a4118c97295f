"""A real `ccis serve` restarted in the middle of two conversations (WhatsApp and SMS): both go on where they
were, the replies leave through the notification outbox (a loopback SMS gateway and a WhatsApp send API, whose
requests carry our signature), and a message redelivered after the restart changes nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from noc_api.intake.signature import sign, verify
from tests.complaints.peers import sms_gateway
from tests.support import ccis_serve, wait_for

WA, SMS = "wa-secret", "sms-secret"


@contextmanager
def send_api() -> Iterator[tuple[str, list[tuple[dict, str]]]]:
    """A provider's send API on 127.0.0.1 recording (JSON body, signature header) of each request."""
    got: list[tuple[dict, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            ok = verify(WA, raw, self.headers.get("X-CCIS-Signature"))
            got.append((json.loads(raw), "valid" if ok else "invalid"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/send", got
    finally:
        server.shutdown()
        server.server_close()


def _post(url: str, provider: str, secret: str, message_id: str, sender: str, text: str) -> dict:
    raw = json.dumps({"message_id": message_id, "from": sender, "text": text}).encode()
    r = httpx.post(f"{url}/api/v1/intake/{provider}", content=raw, headers={"X-CCIS-Signature": sign(secret, raw)})
    assert r.status_code == 200, r.text
    return r.json()


def test_conversations_survive_a_restart(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    with sms_gateway() as (gateway, texts), send_api() as (wa_url, wa_sent):
        env = {
            "CCIS_DATABASE_URL": db_url,
            "CCIS_INVENTORY": str(inventory_path),
            "CCIS_SECRET_KEY": "r" * 32,
            "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
            "CCIS_NOTIFY_INTERVAL_SECONDS": "0.5",
            "CCIS_LEADER_LEASE_SECONDS": "3",
            "CCIS_SMS_GATEWAY_URL": gateway,
            "CCIS_WHATSAPP_REPLY_URL": wa_url,
            "CCIS_INTAKE_WHATSAPP_SECRET": WA,
            "CCIS_INTAKE_SMS_SECRET": SMS,
        }
        wa_from, sms_from = "+923331234567", "+923001234567"
        with ccis_serve(env, log=tmp_path / "serve-1.log") as url:
            assert _post(url, "whatsapp", WA, "wamid.1", wa_from, "water leakage")["conversation"] == "location"
            assert _post(url, "sms", SMS, "sms-1", sms_from, "hi")["conversation"] == "category"
            assert _post(url, "sms", SMS, "sms-2", sms_from, "garbage")["conversation"] == "location"
            wait_for("the first replies to be delivered", lambda: len(wa_sent) == 1 and len(texts) == 2)
        with ccis_serve(env, log=tmp_path / "serve-2.log") as url:
            assert _post(url, "whatsapp", WA, "wamid.1", wa_from, "water leakage")["status"] == "duplicate"
            assert _post(url, "whatsapp", WA, "wamid.2", wa_from, "Lyari")["conversation"] == "description"
            done = _post(url, "whatsapp", WA, "wamid.3", wa_from, "Pipe burst, the street is flooded")
            assert done["conversation"] == "idle" and done["tracking_number"].startswith("KHI-")
            assert _post(url, "sms", SMS, "sms-3", sms_from, "Orangi UC-2")["conversation"] == "description"
            sms_done = _post(url, "sms", SMS, "sms-4", sms_from, "Garbage not lifted for a week")
            number = sms_done["tracking_number"]
            wait_for("every reply to be delivered", lambda: len(wa_sent) == 3 and len(texts) >= 5)
            _post(url, "sms", SMS, "sms-5", sms_from, f"STATUS {number}")
            wait_for("the status answer", lambda: any(t["text"].startswith(f"Complaint {number}:") for t in texts))
    assert [sig for _, sig in wa_sent] == ["valid"] * 3 and {b["to"] for b, _ in wa_sent} == {wa_from}
    assert done["tracking_number"] in wa_sent[2][0]["text"]
    by_phone = [t["text"] for t in texts if t["to"] == sms_from]
    assert by_phone[0].startswith("Assalam-o-Alaikum") and "Where is it?" in by_phone[1]
    assert any(f"Your complaint {number} (Garbage collection) is registered" in t for t in by_phone)
    assert any(f"Your complaint {done['tracking_number']}" in t["text"] for t in texts if t["to"] == wa_from)
