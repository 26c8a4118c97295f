"""The QC desk: the call-back list (sampled resolutions) with the citizen's number, verify or reopen with the
citizen's words, the appeals queue (a rating of 1-2 opens one; the desk handles it with a note), the other
ratings, and the figures the desk reports to the Mayor for today, this fortnight and this month (the same
figures as the MIS report of that period)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from complaint_core.model import DomainError, NotFound
from complaint_core.roles import Role
from noc_api.complaints import service as svc
from noc_api.params import RowId
from noc_api.reports.periods import period_bounds
from noc_api.reports.qc import qc_figures as period_figures
from noc_api.web.page import CsrfChecked, Staff, StaffPage

router = APIRouter(include_in_schema=False)
PERIODS = ("daily", "fortnightly", "monthly")  # what the QC centre reports to the Mayor
QC_DESK = (Role.QC_OFFICER, Role.ESCALATION_OFFICER)  # who works ratings and appeals (the policy says the same)


def qc_figures(session: Session, tz: str, now: datetime) -> list[dict[str, Any]]:
    """The report's QC figures for the periods containing ``now`` in the city's time: today, this fortnight
    (1st-15th or 16th-month end) and this month."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    out = []
    for kind in PERIODS:
        start, end, label = period_bounds(kind, today, zone)
        out.append({"period": kind, "label": label, "day": today.isoformat(),
                    **period_figures(session, start=start, end=min(end, now))})  # fmt: skip
    return out


def _desk(page: Staff, status: int = 200, **ctx: Any) -> Response:
    page.require(Role.QC_OFFICER)
    now = datetime.now(UTC)
    rows = svc.qc_queue(page.session, page.actor)
    waiting = svc.feedback_queue(page.session, page.actor, appeals_only=False, handled=False)
    handled = svc.feedback_queue(page.session, page.actor, appeals_only=True, handled=True)[:20]
    page.names.load_users([r["assignee"] for r in rows + waiting if r["assignee"]]
                          + [h["handled_by"] for h in handled if h["handled_by"]])  # fmt: skip
    return page.render(
        "qc.html", status=status, rows=rows, appeals=[w for w in waiting if w["appeal"]],
        ratings=[w for w in waiting if not w["appeal"]], handled=handled,
        figures=qc_figures(page.session, page.tz, now), now=now, **ctx,
    )  # fmt: skip


@router.get("/qc")
def qc_desk(page: StaffPage) -> Response:
    return _desk(page)


@router.post("/qc/feedback/{feedback_id}/handle", dependencies=[CsrfChecked])
def handle(page: StaffPage, feedback_id: RowId, note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Take an appeal (or a rating) off the queue with what the desk did about it."""
    page.require(*QC_DESK)
    try:
        done = svc.handle_feedback(page.session, page.actor, feedback_id, note)
    except NotFound:
        raise
    except DomainError as exc:
        page.session.rollback()
        return _desk(page, status=422, error=(feedback_id, str(exc)))
    what = page._("Appeal on %(n)s handled.") if done["appeal"] else page._("Rating of %(n)s handled.")
    return page.redirect("/qc", flash=what % {"n": done["tracking_number"]})
