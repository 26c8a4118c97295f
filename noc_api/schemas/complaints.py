"""Request bodies of the complaint API. Fields are loose on purpose: the domain checks them all at once."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, Field, field_validator


class PhotoIn(BaseModel):
    filename: str = Field("photo", max_length=200)
    content_base64: bytes

    @field_validator("content_base64", mode="before")
    @classmethod
    def _strict_base64(cls, v: object) -> bytes:
        if not isinstance(v, str):
            raise ValueError("must be a base64 string")
        try:
            return base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64") from None


class RegisterIn(BaseModel):
    channel: str
    category: str | None = None
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


class ActionIn(BaseModel):
    version: int | None = Field(None, description="the version you read; a newer stored one gets 409")
    note: str | None = Field(None, max_length=4000)
    assignee: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    town_id: str | None = None
    department_id: str | None = None
    photo: str | None = Field(None, description="base64 JPEG/PNG/WebP (resolution photo)")

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"version", "note"}).items() if v is not None}


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


class ReopenIn(BaseModel):
    phone_last4: str = Field(min_length=4, max_length=20)
    words: str = Field(min_length=3, max_length=2000)


class FeedbackIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)
    phone_last4: str | None = None
    token: str | None = Field(None, description="the signed link sent by SMS, instead of the phone digits")
