"""Words the pages show for the domain's codes (statuses, roles, channels), marked for translation."""

from __future__ import annotations

from noc_api.web.i18n import N_

STATUS = {
    "triage": N_("Waiting for routing"),
    "registered": N_("Registered"),
    "assigned": N_("Assigned"),
    "in_progress": N_("In progress"),
    "waiting_citizen": N_("Waiting for the citizen"),
    "reassign_requested": N_("Reassignment requested"),
    "reopened": N_("Reopened"),
    "escalated": N_("Escalated"),
    "resolved": N_("Resolved"),
    "verified": N_("Verified"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
}
ROLE = {
    "call_centre_agent": N_("Call-centre agent"),
    "call_centre_supervisor": N_("Call-centre supervisor"),
    "counter_operator": N_("Counter clerk"),
    "lme": N_("Field officer (LME)"),
    "gro": N_("Grievance officer (GRO)"),
    "department_head": N_("Head of department"),
    "town_head": N_("Head of town"),
    "senior_director": N_("Senior director"),
    "qc_officer": N_("QC officer"),
    "escalation_officer": N_("Escalation officer"),
    "mayor_office": N_("Mayor's office"),
    "noc": N_("NOC staff"),
    "engineer": N_("Engineer"),
    "administrator": N_("Administrator"),
}
CHANNEL = {
    "call_centre": N_("Call centre (1339)"),
    "walk_in": N_("Walk-in counter"),
    "web": N_("Website"),
    "chatbot": N_("Chatbot"),
    "sms": N_("SMS"),
    "mayor_office": N_("Talk to Mayor"),
    "email": N_("E-mail"),
    "internal": N_("Internal (NOC)"),
}
ACTION = {
    "register": N_("Registered"),
    "route": N_("Route"),
    "assign": N_("Assign"),
    "start": N_("Start work"),
    "request_reassign": N_("Ask the GRO to reassign"),
    "wait_citizen": N_("Wait for the citizen"),
    "resume": N_("Resume"),
    "resolve": N_("Resolve"),
    "verify": N_("Verify (QC)"),
    "close": N_("Close"),
    "reopen": N_("Reopen"),
    "reject": N_("Reject"),
    "edit": N_("Edited"),
    "escalate": N_("Escalated"),
    "sla_warning": N_("SLA warning"),
    "feedback": N_("Rated"),
    "note": N_("Note"),
    "remark": N_("Re-mark to another town or department"),
    "qc_call": N_("QC call-back"),
    "appeal": N_("Appeal"),
    "appeal_handled": N_("Appeal handled"),
    "rating_handled": N_("Rating read by QC"),
}
REJECT_REASON = {
    "duplicate": N_("Duplicate of another complaint"),
    "not_our_jurisdiction": N_("Not our jurisdiction"),
    "insufficient_information": N_("Insufficient information"),
}
PRIORITY = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
