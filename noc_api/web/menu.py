"""The staff menu: what each role works on (the policy decides what they may do there)."""

from __future__ import annotations

from dataclasses import dataclass

from complaint_core.roles import Actor, Role
from noc_api.web.i18n import N_

R = Role
ANY = frozenset(Role)
QUEUE_ROLES = frozenset(
    {
        R.CALL_CENTRE_SUPERVISOR,
        R.LME,
        R.GRO,
        R.DEPARTMENT_HEAD,
        R.TOWN_HEAD,
        R.SENIOR_DIRECTOR,
        R.ESCALATION_OFFICER,
        R.NOC,
        R.ENGINEER,
    }
)
MANAGERS = frozenset({R.MAYOR_OFFICE, R.SENIOR_DIRECTOR, R.DEPARTMENT_HEAD, R.TOWN_HEAD, R.QC_OFFICER, R.NOC})


@dataclass(frozen=True)
class Item:
    path: str
    label: str
    roles: frozenset[Role]


ITEMS = (
    Item("/desk/call", N_("Phone complaint"), frozenset({R.CALL_CENTRE_AGENT, R.CALL_CENTRE_SUPERVISOR})),
    Item("/desk/counter", N_("Counter"), frozenset({R.COUNTER_OPERATOR})),
    Item("/desk/mayor", N_("Talk to Mayor"), frozenset({R.MAYOR_OFFICE})),
    Item("/desk/counter/file", N_("Counter file"), frozenset({R.COUNTER_OPERATOR})),
    Item("/desk/inquiry", N_("Status inquiry"), frozenset({R.CALL_CENTRE_AGENT, R.COUNTER_OPERATOR})),
    Item("/queue", N_("Queues"), QUEUE_ROLES | {R.QC_OFFICER, R.MAYOR_OFFICE, R.COUNTER_OPERATOR}),
    Item("/desk/inquiry", N_("Search"), QUEUE_ROLES | {R.QC_OFFICER, R.MAYOR_OFFICE}),
    Item("/qc", N_("QC desk"), frozenset({R.QC_OFFICER})),
    Item("/mis", N_("MIS reports"), MANAGERS),
    Item("/noc", N_("NOC wall"), frozenset({R.NOC, R.ENGINEER})),
    Item("/admin/users", N_("Users"), frozenset({R.ADMINISTRATOR})),
    Item("/admin/tokens", N_("Site tokens"), frozenset({R.ADMINISTRATOR})),
    Item("/admin/keys", N_("Open311 keys"), frozenset({R.ADMINISTRATOR})),
    Item("/admin/inventory", N_("Inventory"), frozenset({R.ADMINISTRATOR})),
    Item("/admin/rules", N_("Alert rules"), frozenset({R.ADMINISTRATOR})),
)


def menu_for(actor: Actor | None) -> list[Item]:
    """The menu entries of ``actor``'s role (administrators see every desk)."""
    if actor is None or actor.role is None:
        return []
    if actor.role is Role.ADMINISTRATOR:
        return list({i.path: i for i in ITEMS}.values())  # one entry per page
    return [i for i in ITEMS if actor.role in i.roles]


def home_for(actor: Actor) -> str:
    """Where a user lands after logging in: their role's first desk."""
    items = menu_for(actor)
    if actor.role is Role.ADMINISTRATOR:
        return "/admin/users"
    return items[0].path if items else "/"
