"""Request bodies of the complaint API. Fields are loose on purpose: the domain checks them all at once."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator

from noc_api.strict import StrictBody


def _strict_base64(v: object) -> object:
    if isinstance(v, bytes):  # already decoded (a page's file upload)
        return v
    if not isinstance(v, str):
        raise ValueError("must be a base64 string")
    try:
        return base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


# A photo in a JSON body: base64 decoded here at the edge, bytes for the core.
Base64Photo = Annotated[
    bytes,
    BeforeValidator(_strict_base64),
    WithJsonSchema({"type": "string", "contentEncoding": "base64", "description": "JPEG, PNG or WebP"}),
]


class PhotoIn(BaseModel):
    filename: str = Field("photo", max_length=200)
    content_base64: Base64Photo


class RegisterIn(StrictBody):
    channel: str
    category: str | None = None
    sub_category: str | None = Field(None, description="a sub-category of `category` (checked against it)")
    description: str | None = None
    citizen_name: str | None = None
    phone: str | None = None
    email: str | None = None
    cnic: str | None = None
    address: str | None = None
    town: str | None = None
    ward: str | None = None
    lat: float | None = None
    lon: float | None = None
    priority: str | None = None
    channel_data: dict[str, Any] = Field(default_factory=dict)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=5)

    def as_raw(self) -> dict[str, Any]:
        raw = self.model_dump(exclude={"photos"})
        raw["photos"] = [(p.filename, p.content_base64) for p in self.photos]
        return raw


class PublicRegisterIn(RegisterIn):
    """The citizen's web form: the channel is always `web`; unknown fields are refused, not ignored."""

    channel: str = Field("web", pattern="^web$")
    channel_data: dict[str, Any] = Field(default_factory=dict, max_length=0)


class ActionIn(BaseModel):
    version: int | None = Field(None, description="the version you read; a newer stored one gets 409")
    note: str | None = Field(None, max_length=4000)
    assignee: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    town_id: str | None = None
    department_id: str | None = None
    category_id: str | None = Field(None, description="remark: the new category")
    photo: Base64Photo | None = Field(None, description="the resolution photo, base64")
    public: bool | None = Field(None, description="show this note to the citizen on the tracking page")
    delay: bool | None = Field(None, description="note: this is the reason for a delay (shown to the citizen)")
    reached: bool | None = Field(None, description="verify / qc_call: was the citizen reached?")
    satisfied: bool | None = Field(None, description="verify / qc_call: is the citizen satisfied?")
    words: str | None = Field(None, max_length=4000, description="verify / qc_call: the citizen's words")

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"version", "note"}).items() if v is not None}


class HandleFeedbackIn(BaseModel):
    note: str = Field(min_length=1, max_length=4000)


class EditIn(BaseModel):
    version: int
    changes: dict[str, Any]


class SubscriptionIn(BaseModel):
    medium: str = Field(pattern="^(sms|email)$")
    address: str = Field(min_length=3, max_length=200)
    event: str = Field(pattern="^(new|resolved)$")
    town: str | None = None
    ward: str | None = None
    category: str | None = None


Code = Annotated[str, Field(min_length=8, max_length=20, description="the tracking code from the SMS or slip")]
WholePhone = Annotated[
    str, Field(min_length=10, max_length=20, description="the whole phone number it was lodged with")
]


class CitizenProof(BaseModel):
    """What proves the citizen: the complaint's tracking code or the whole phone number (complaint_core.access)."""

    code: Code | None = None
    phone: WholePhone | None = None

    @property
    def proof(self) -> str | None:
        return self.code or self.phone


class ReopenIn(CitizenProof):
    words: str = Field(min_length=3, max_length=2000)

    @model_validator(mode="after")
    def _proved(self) -> ReopenIn:
        if not self.proof:
            raise ValueError("give the tracking code (from the SMS or slip) or the whole phone number")
        return self


class FeedbackIn(CitizenProof):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)
    token: str | None = Field(None, description="the signed link sent by SMS, instead of the code or phone")


class ConfirmIn(StrictBody):
    token: str = Field(min_length=10, max_length=500, description="the token of the link sent to the address")
