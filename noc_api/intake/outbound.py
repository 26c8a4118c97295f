"""Replies to WhatsApp and chatbot users: a Notifier per chat line, POSTing ``{"to", "text"}`` as JSON to the
provider's send URL, signed like its webhooks. The outbox's delivery job sends them like every other message."""

from __future__ import annotations

import json

from noc_api.intake.signature import HEADER, sign
from noc_api.notify.notifiers import TIMEOUT, DeliveryError, HttpPoster, Message, Notifier
from noc_api.settings import Settings

CHAT_MEDIA = ("whatsapp", "chatbot")


class ChatNotifier:
    """One chat line's replies (CCIS_WHATSAPP_REPLY_URL or CCIS_CHATBOT_REPLY_URL); non-2xx is a failure."""

    def __init__(self, medium: str, url: str, secret: str, timeout: float = TIMEOUT) -> None:
        self.medium, self.url, self.secret = medium, url, secret
        self._http = HttpPoster(timeout)

    @property
    def name(self) -> str:
        return f"{self.medium} send API {self.url}"

    def send(self, message: Message) -> None:
        """POST the reply, signed with the line's secret."""
        if not self.url:
            raise DeliveryError(f"CCIS_{self.medium.upper()}_REPLY_URL is not set")
        body = json.dumps({"to": message.to, "text": message.body}, ensure_ascii=False).encode()
        self._http.post(self.url, body, "application/json", {HEADER: sign(self.secret, body)})

    def close(self) -> None:
        self._http.close()


def chat_notifiers(settings: Settings) -> dict[str, Notifier]:
    """The WhatsApp and chatbot notifiers, configured from settings."""
    return {
        "whatsapp": ChatNotifier(
            "whatsapp", settings.whatsapp_reply_url, settings.intake_whatsapp_secret.get_secret_value()
        ),
        "chatbot": ChatNotifier(
            "chatbot", settings.chatbot_reply_url, settings.intake_chatbot_secret.get_secret_value()
        ),
    }
