"""What the complaint APIs answer (response models for /docs); requests are in schemas.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel


class EventOut(BaseModel):
    """One line of a complaint's append-only history."""

    action: str
    actor: str
    role: str | None
    at: datetime
    from_status: str | None
    to_status: str | None
    note: str | None
    data: dict[str, Any]


class ActionOut(BaseModel):
    """A complaint after an action: its new status and version, and the history line the action wrote."""

    tracking_number: str
    status: str
    version: int
    event: EventOut


class EditOut(BaseModel):
    tracking_number: str
    status: str
    version: int
    changed: dict[str, Any]


class FeedbackLinkOut(BaseModel):
    """A signed, expiring link for the citizen to rate the resolution."""

    token: str
    url: str


class SubscriptionOut(BaseModel):
    id: int
    medium: str
    address: str
    event: str
    town_id: str | None
    ward: str | None
    category_id: str | None
    confirmed: bool  # a citizen's subscription starts when the owner of the address confirms it


class ReopenOut(BaseModel):
    tracking_number: str
    status: str


class DuplicateHintOut(BaseModel):
    tracking_number: str
    why: str
    distance_m: float | None = None


class RegisteredOut(BaseModel):
    """A registered complaint: the number and promised date to read out to the citizen."""

    tracking_number: str
    id: int
    status: str
    department_id: str
    town_id: str | None
    category: str
    due_at: AwareDatetime
    route_reason: str
    possible_duplicates: list[DuplicateHintOut]
    version: int
    public_url: str
    access_code: str = ""  # read it out or print it: with the number, it lets the citizen track the complaint


class PublicRegisteredOut(BaseModel):
    """What a citizen is told on lodging: nothing of anybody else's."""

    tracking_number: str
    status: str
    department_id: str
    town_id: str | None
    category: str
    due_at: AwareDatetime
    public_url: str
    due_local: str  # the promised date in the city's time, as the SMS says it
    access_code: str = ""  # with the number, what tracks, reopens or rates it (shown once, and in the SMS)


class ConfirmedOut(BaseModel):
    confirmed: bool


class ComplaintSummaryOut(BaseModel):
    """One line of a search or queue."""

    tracking_number: str
    status: str
    kind: str  # open, resolved or closed
    channel: str
    priority: str
    category_id: str
    department_id: str
    town_id: str | None
    ward: str | None
    assignee: str | None
    registered_at: AwareDatetime
    due_at: AwareDatetime
    escalation_level: int
    call_ref: str | None
    site_id: str | None
    version: int


class QcCallOut(ComplaintSummaryOut):
    """A resolution sampled for a QC call-back: who to call."""

    phone: str | None
    citizen_name: str | None


class AttachmentOut(BaseModel):
    filename: str
    content_type: str
    size: int
    purpose: str  # intake or resolution
    sha256: str


class HistoryOut(BaseModel):
    at: AwareDatetime
    action: str
    actor: str
    role: str | None
    from_status: str | None
    to_status: str | None
    note: str | None
    data: dict[str, Any] | None


class ComplaintOut(ComplaintSummaryOut):
    """Everything about one complaint the viewer may see, with its history and the moves the viewer can make."""

    citizen_name: str | None
    phone: str | None
    email: str | None
    cnic: str | None
    address: str | None
    lat: float | None
    lon: float | None
    parent_category_id: str | None
    description: str
    reopen_count: int
    sla_warned: bool
    qc_required: bool
    duplicate_of: str | None
    channel_data: dict[str, Any]
    promised_seconds: float
    pauses: list[list[str | None]]
    updated_at: AwareDatetime
    resolved_at: AwareDatetime | None
    closed_at: AwareDatetime | None
    created_by: str
    rating: int | None
    feedback_comment: str | None
    history: list[HistoryOut]
    attachments: list[AttachmentOut]
    allowed_actions: list[str]


class FeedbackItemOut(BaseModel):
    """A rating (an appeal when poor) on the QC desk's queue."""

    id: int
    tracking_number: str
    rating: int
    comment: str | None
    appeal: bool
    via: str
    at: AwareDatetime
    status: str
    category_id: str
    town_id: str | None
    department_id: str
    assignee: str | None
    handled_at: AwareDatetime | None
    handled_by: str | None
    handled_note: str | None


class FeedbackHandledOut(BaseModel):
    id: int
    tracking_number: str
    handled_by: str
    appeal: bool


class RatedOut(BaseModel):
    tracking_number: str
    rating: int
    appeal: bool  # a rating of 1 or 2 opens an appeal the QC desk answers


class PublicReasonOut(BaseModel):
    at: AwareDatetime
    kind: str  # rejection, delay, transfer or note
    text: str | None
    reason: str | None = None


class PublicHistoryOut(BaseModel):
    at: AwareDatetime
    status: str | None
    action: str


class PublicStatusOut(BaseModel):
    """What a citizen sees without login: states and dates in the city's zone, the reasons given; nothing personal."""

    tracking_number: str
    status: str
    kind: str
    category_id: str
    parent_category_id: str | None
    town_id: str | None
    ward: str | None
    department_id: str
    registered_at: AwareDatetime
    due_at: AwareDatetime
    resolved_at: AwareDatetime | None
    time_zone: str
    can_reopen: bool
    can_rate: bool
    rating: int | None
    reasons: list[PublicReasonOut]
    history: list[PublicHistoryOut]
