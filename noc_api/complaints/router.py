"""Staff complaint API: register, find, act, edit, QC queue, subscriptions, printed slip."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from complaint_core.lifecycle import ACTIONS
from complaint_core.model import InvalidInput
from complaint_core.services.queries import SearchFilters
from noc_api.complaints import service as svc
from noc_api.complaints.responses import (
    ActionOut,
    ComplaintOut,
    ComplaintSummaryOut,
    DuplicateHintOut,
    EditOut,
    FeedbackHandledOut,
    FeedbackItemOut,
    FeedbackLinkOut,
    QcCallOut,
    RegisteredOut,
    SubscriptionOut,
)
from noc_api.complaints.schemas import ActionIn, EditIn, HandleFeedbackIn, RegisterIn, SubscriptionIn
from noc_api.complaints.slip import slip_pdf
from noc_api.deps import ActorDep, DeskDep, SessionDep
from noc_api.params import IdempotencyKey, Moment, Offset, RowId

router = APIRouter(prefix="/api/v1", tags=["complaints"])


@router.post(
    "/complaints",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": RegisteredOut, "description": "Registered"},
        200: {"model": RegisteredOut, "description": "Sent before with this Idempotency-Key: the first answer"},
    },
)
def register(
    body: RegisterIn,
    actor: ActorDep,
    session: SessionDep,
    desk: DeskDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a complaint from any channel; answers at once with the tracking number and promised date.
    Resent with the same `Idempotency-Key` (after a lost answer), it answers 200 with the first registration."""
    out, replayed = svc.register(session, desk, actor, body.as_raw(), key)
    # Encoded here, in the request's worker thread: a model returned would be encoded in one more hop.
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if replayed else 201)


@router.get("/complaints")
def search(
    actor: ActorDep,
    session: SessionDep,
    tracking_number: str | None = None,
    phone: str | None = None,
    cnic: str | None = None,
    q: Annotated[str | None, Query(description="words of the description")] = None,
    town: str | None = None,
    department: str | None = None,
    category: str | None = None,
    status: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
    kind: str | None = None,
    registered_from: Moment | None = None,
    registered_to: Moment | None = None,
    overdue: bool = False,
    assignee: str | None = None,
    channel: str | None = None,
    call_ref: Annotated[str | None, Query(description="the 1339 call recording's reference")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[ComplaintSummaryOut]:
    """Search within your scope (town, department, own queue)."""
    f = SearchFilters(
        tracking_number,
        phone,
        cnic,
        q,
        town,
        department,
        category,
        tuple(status),
        kind,
        registered_from,
        registered_to,
        overdue,
        assignee,
        channel,
        call_ref,
    )
    return [ComplaintSummaryOut.model_validate(c) for c in svc.search(session, actor, f, limit, offset)]


@router.get("/complaints/duplicates")
def duplicates(
    desk: DeskDep,
    actor: ActorDep,
    session: SessionDep,
    category: str,
    lat: float | None = None,
    lon: float | None = None,
    phone: str | None = None,
) -> list[DuplicateHintOut]:
    """Possible duplicates before registering: same category nearby, or same phone and category lately."""
    return [DuplicateHintOut.model_validate(d) for d in svc.duplicates(session, desk, category, lat, lon, phone)]


@router.get("/complaints/qc-queue")
def qc_queue(actor: ActorDep, session: SessionDep) -> list[QcCallOut]:
    """Resolved complaints the QC desk should call back."""
    return [QcCallOut.model_validate(c) for c in svc.qc_queue(session, actor)]


@router.get("/complaints/feedback-queue")
def feedback_queue(
    actor: ActorDep, session: SessionDep, appeals: bool = False, handled: bool = False
) -> list[FeedbackItemOut]:
    """Citizens' ratings and the appeals poor ones opened, waiting for the QC desk, oldest first (``handled=true``:
    done, the most recently handled first)."""
    return [FeedbackItemOut.model_validate(f) for f in svc.feedback_queue(session, actor, appeals, handled)]


@router.post("/complaints/feedback/{feedback_id}/handle")
def handle_feedback(
    feedback_id: RowId, body: HandleFeedbackIn, actor: ActorDep, session: SessionDep
) -> FeedbackHandledOut:
    """Take a rating or appeal off the queue with what was done about it."""
    return FeedbackHandledOut.model_validate(svc.handle_feedback(session, actor, feedback_id, body.note))


@router.get("/complaints/{tracking}")
def detail(tracking: str, actor: ActorDep, session: SessionDep, desk: DeskDep) -> ComplaintOut:
    """One complaint with its history and the actions you may take."""
    return ComplaintOut.model_validate(svc.detail(session, desk, actor, tracking))


@router.patch("/complaints/{tracking}")
def edit(tracking: str, body: EditIn, actor: ActorDep, session: SessionDep, desk: DeskDep) -> EditOut:
    """Edit citizen-given fields; send the version you read (409 if someone changed it since)."""
    return EditOut.model_validate(svc.edit(session, desk, actor, tracking, body.version, body.changes))


@router.post("/complaints/{tracking}/actions/{action}")
def act(tracking: str, action: str, body: ActionIn, actor: ActorDep, session: SessionDep, desk: DeskDep) -> ActionOut:
    """A lifecycle move (assign, start, resolve, verify, close, reopen, reject, remark...); 409 lists the allowed
    ones. ``note`` (public or a reason for delay) and ``qc_call`` record without moving it."""
    if action not in ACTIONS:
        raise InvalidInput([("action", f"unknown action {action!r}; known: {', '.join(ACTIONS)}")])
    return ActionOut.model_validate(svc.act(session, desk, actor, tracking, action, body))


@router.get(
    "/complaints/{tracking}/slip.pdf",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The slip",
        }
    },
)
def slip(tracking: str, actor: ActorDep, session: SessionDep, desk: DeskDep) -> Response:
    """The printed complaint document / counter slip."""
    data = svc.slip_data(session, desk, actor, tracking)
    return Response(
        slip_pdf(data),
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{data["tracking_number"]}.pdf"'},
    )


@router.post("/complaints/{tracking}/feedback-link")
def feedback_link(tracking: str, actor: ActorDep, session: SessionDep, desk: DeskDep) -> FeedbackLinkOut:
    """A signed, expiring link the citizen can rate the resolution with (sent by SMS)."""
    svc.detail(session, desk, actor, tracking)  # scope check
    token = svc.feedback_token(desk, tracking)
    return FeedbackLinkOut(token=token, url=f"{desk.base_url}/track/{tracking.upper()}?t={token}")


@router.post("/subscriptions", status_code=201)
def subscribe(body: SubscriptionIn, actor: ActorDep, session: SessionDep, desk: DeskDep) -> SubscriptionOut:
    """Subscribe to new or resolved complaints of a town, ward or category (within the caller's scope). Nothing is
    sent to the address until its owner confirms with the link it is sent."""
    return SubscriptionOut.model_validate(svc.add_subscription(session, actor, body, desk))
