"""Webhooks of the SMS gateway, WhatsApp and the chatbot, and the IVR's status look-up.

Every request is signed: ``X-CCIS-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with the provider's
secret (CCIS_INTAKE_SMS_SECRET, ..._WHATSAPP_, ..._CHATBOT_, ..._IVR_SECRET). A message id seen before is
answered ``duplicate`` and changes nothing, so a provider may redeliver freely.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from noc_api.deps import DeskDep, SessionDep
from noc_api.intake import ivr
from noc_api.intake.service import PROVIDERS, Message, handle
from noc_api.intake.signature import verify
from noc_api.strict import StrictBody

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])
M = TypeVar("M", bound=BaseModel)
MAX_BODY = 64 * 1024


class IvrStatusOut(BaseModel):
    """What the IVR reads to the caller: a status digit and the promised date as digits, for its prompts."""

    found: bool
    tracking_number: str | None
    status: str | None
    status_digit: str
    promised_date: str | None
    promised_digits: str | None
    text: str


class InboundOut(BaseModel):
    status: Literal["accepted", "duplicate"]
    conversation: str | None  # where the sender's conversation stands (a complaint being lodged)
    tracking_number: str | None  # the complaint this message registered, when it did


class Location(StrictBody):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class InboundIn(BaseModel):
    """One inbound message, in the one format every provider's adapter posts."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    message_id: str = Field(min_length=1, max_length=128)
    sender: str = Field(alias="from", min_length=1, max_length=64)
    text: str = Field("", max_length=2000)
    location: Location | None = None
    phone: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=200)


class IvrIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    digits: str = Field(min_length=1, max_length=40)
    call_id: str | None = Field(None, max_length=128)


async def _signed_body(request: Request, secret: str, variable: str, signature: str | None) -> bytes:
    if not secret:
        raise HTTPException(404, f"this line is not open: {variable} is not set")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"body over {MAX_BODY} bytes")
    if not verify(secret, body, signature):
        raise HTTPException(401, "bad or missing X-CCIS-Signature (sha256=<hex HMAC-SHA256 of the body>)")
    return body


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, detail) from None


@router.post("/ivr/status")
async def ivr_status(
    request: Request,
    session: SessionDep,
    desk: DeskDep,
    x_ccis_signature: Annotated[str | None, Header()] = None,
) -> IvrStatusOut:
    """The PBX/IVR asks for a complaint's status by the digits the caller keyed."""
    secret = desk.settings.intake_ivr_secret.get_secret_value()
    body = await _signed_body(request, secret, "CCIS_INTAKE_IVR_SECRET", x_ccis_signature)
    return IvrStatusOut.model_validate(ivr.status(session, desk, _parse(IvrIn, body).digits))


@router.post("/{provider}")
async def inbound(
    provider: str,
    request: Request,
    session: SessionDep,
    desk: DeskDep,
    x_ccis_signature: Annotated[str | None, Header()] = None,
) -> InboundOut:
    """An inbound SMS, WhatsApp or chatbot message; the reply goes out through the notification outbox."""
    if provider not in PROVIDERS:
        raise HTTPException(404, f"no intake line {provider!r} (sms, whatsapp, chatbot)")
    secret = getattr(desk.settings, f"intake_{provider}_secret").get_secret_value()
    body = await _signed_body(request, secret, f"CCIS_INTAKE_{provider.upper()}_SECRET", x_ccis_signature)
    m = _parse(InboundIn, body)
    msg = Message(
        provider=provider,
        message_id=m.message_id,
        sender=m.sender.strip(),
        text=m.text,
        lat=m.location.lat if m.location else None,
        lon=m.location.lon if m.location else None,
        phone=m.phone,
        name=m.name,
    )
    try:
        done = handle(session, desk, msg, datetime.now(UTC))
    except IntegrityError:
        session.rollback()  # two first messages of one sender at once: the provider's retry goes through
        raise HTTPException(409, "busy with another message of this sender; retry") from None
    return InboundOut(
        status="duplicate" if done.duplicate else "accepted",
        conversation=done.state or None,
        tracking_number=done.tracking_number,
    )
