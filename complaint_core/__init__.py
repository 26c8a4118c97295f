"""The complaint domain: model, lifecycle, routing, SLA and escalation, QC. No web.

The public API is listed in ``__all__`` (the entry points issue 8 and the server build on); the submodules
hold the rest. Everything here takes plain values and ``now``; services take a SQLAlchemy session and never
commit (the caller owns the transaction).
"""

from complaint_core.config import CoreConfig
from complaint_core.lifecycle import Command, allowed_actions
from complaint_core.model import (
    Channel,
    ComplaintStatus,
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StatusKind,
)
from complaint_core.roles import Actor, Role, StaffMember
from complaint_core.routing import CategoryInfo, DepartmentInfo, Directory, TownInfo
from complaint_core.services.actions import act, edit_complaint
from complaint_core.services.escalation import escalate_overdue
from complaint_core.services.feedback import citizen_reopen, feedback_queue, handle_feedback, rate
from complaint_core.services.internal import raise_internal_ticket, resolve_internal_ticket
from complaint_core.services.notify import subscribe
from complaint_core.services.queries import SearchFilters, detail, public_status, qc_queue, search
from complaint_core.services.registration import Registered, register_complaint
from complaint_core.staff import StaffDirectory

__all__ = [
    "Actor",
    "CategoryInfo",
    "Channel",
    "Command",
    "ComplaintStatus",
    "Conflict",
    "CoreConfig",
    "DepartmentInfo",
    "Directory",
    "DomainError",
    "Forbidden",
    "IllegalTransition",
    "InvalidInput",
    "NotFound",
    "Registered",
    "Role",
    "SearchFilters",
    "StaffDirectory",
    "StaffMember",
    "StatusKind",
    "TownInfo",
    "act",
    "allowed_actions",
    "citizen_reopen",
    "detail",
    "edit_complaint",
    "escalate_overdue",
    "feedback_queue",
    "handle_feedback",
    "public_status",
    "qc_queue",
    "raise_internal_ticket",
    "rate",
    "register_complaint",
    "resolve_internal_ticket",
    "search",
    "subscribe",
]
