"""Administration: staff users (list, add, disable/enable, reset password), site agents' tokens and Open311
client keys (issue, list, revoke), and the inventory and alert rules with their problems (read-only). Every change
goes through the accounts or partner-keys service."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from complaint_core.roles import NEEDS_DEPARTMENT, NEEDS_TOWN, Role
from noc_api.accounts import service as accounts
from noc_api.alerting.loader import load_rules_dir
from noc_api.alerting.status import rules_status
from noc_api.complaints import partner_keys
from noc_api.inventory import InventoryError, load_inventory
from noc_api.maintenance.plans import load_plans, plans_file_for
from noc_api.params import RowId
from noc_api.web.page import CsrfChecked, Staff, StaffPage

router = APIRouter(prefix="/admin", include_in_schema=False)


def _users(page: Staff, status: int = 200, **ctx: Any) -> Response:
    page.require(Role.ADMINISTRATOR)
    return page.render(
        "admin_users.html", status=status, users=accounts.list_users(page.session), roles=[r.value for r in Role],
        needs_town=[r.value for r in NEEDS_TOWN], needs_department=[r.value for r in NEEDS_DEPARTMENT],
        towns=page.names.towns(), sites=sorted((s.id, s.name) for s in page.runtime.inventory.sites),
        departments=sorted(((d.id, d.name) for d in page.names.directory.departments), key=lambda x: x[1]), **ctx,
    )  # fmt: skip


@router.get("/users")
def users(page: StaffPage) -> Response:
    return _users(page, v={})


@router.post("/users", dependencies=[CsrfChecked])
def add_user(
    page: StaffPage,
    username: Annotated[str, Form(max_length=64)],
    full_name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=200)],
    town: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
    site: Annotated[str, Form()] = "",
) -> Response:
    page.require(Role.ADMINISTRATOR)
    v = {"username": username, "full_name": full_name, "role": role, "town": town, "department": department,
         "phone": phone, "email": email, "site": site}  # fmt: skip
    try:
        accounts.add_user(
            page.session, username=username.strip(), password=password, role=role, full_name=full_name.strip(),
            town=town or None, department=department or None, phone=phone or None, email=email or None,
            site=site or None,
        )  # fmt: skip
    except accounts.AccountError as exc:
        page.session.rollback()
        return _users(page, status=422, v=v, error=str(exc))
    page.session.commit()
    return page.redirect("/admin/users", flash=page._("User %(u)s added.") % {"u": username})


@router.post("/users/{username}/active", dependencies=[CsrfChecked])
def set_active(page: StaffPage, username: str, active: Annotated[str, Form()]) -> Response:
    actor = page.require(Role.ADMINISTRATOR)
    if username == actor.name:
        return page.redirect("/admin/users", flash=page._("You cannot disable yourself."))
    try:
        if active == "1":
            accounts.enable_user(page.session, username)
        else:
            accounts.disable_user(page.session, username, datetime.now(UTC))
    except accounts.AccountError as exc:
        return page.redirect("/admin/users", flash=str(exc))
    page.session.commit()
    msg = page._("%(u)s can log in again.") if active == "1" else page._("%(u)s is disabled and logged out.")
    return page.redirect("/admin/users", flash=msg % {"u": username})


@router.post("/users/role", dependencies=[CsrfChecked])
def change_role(
    page: StaffPage,
    username: Annotated[str, Form()],
    role: Annotated[str, Form()],
    town: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    site: Annotated[str, Form()] = "",
) -> Response:
    page.require(Role.ADMINISTRATOR)
    try:
        accounts.change_role(
            page.session, username, role=role, town=town or None, department=department or None, site=site or None
        )
    except accounts.AccountError as exc:
        page.session.rollback()
        return page.redirect("/admin/users", flash=str(exc))
    page.session.commit()
    return page.redirect("/admin/users", flash=page._("%(u)s now has the new role and scope.") % {"u": username})


@router.post("/users/{username}/password", dependencies=[CsrfChecked])
def reset_password(page: StaffPage, username: str) -> Response:
    page.require(Role.ADMINISTRATOR)
    password = secrets.token_urlsafe(12)
    try:
        accounts.set_password(page.session, username, password, datetime.now(UTC))
    except accounts.AccountError as exc:
        return page.redirect("/admin/users", flash=str(exc))
    page.session.commit()
    return _users(page, v={}, new_password=(username, password))


def _tokens(page: Staff, **ctx: Any) -> Response:
    page.require(Role.ADMINISTRATOR)
    sites = sorted((s.id, s.name) for s in page.runtime.inventory.sites)
    return page.render("admin_tokens.html", tokens=accounts.list_site_tokens(page.session), sites=sites,
                       site_names=dict(sites), **ctx)  # fmt: skip


@router.get("/tokens")
def tokens(page: StaffPage) -> Response:
    return _tokens(page)


@router.post("/tokens", dependencies=[CsrfChecked])
def issue_token(page: StaffPage, site: Annotated[str, Form()]) -> Response:
    page.require(Role.ADMINISTRATOR)
    try:
        token = accounts.issue_site_token(page.session, site)
    except accounts.AccountError as exc:
        return page.redirect("/admin/tokens", flash=str(exc))
    page.session.commit()
    return _tokens(page, new_token=(site, token))


@router.post("/tokens/{prefix}/revoke", dependencies=[CsrfChecked])
def revoke_token(page: StaffPage, prefix: str) -> Response:
    page.require(Role.ADMINISTRATOR)
    accounts.revoke_site_token(page.session, prefix)
    page.session.commit()
    return page.redirect("/admin/tokens", flash=page._("Token %(p)s… revoked.") % {"p": prefix})


# --- Open311 client keys ---------------------------------------------------------------------------------------


def _keys(page: Staff, status: int = 200, **ctx: Any) -> Response:
    page.require(Role.ADMINISTRATOR)
    keys = sorted(partner_keys.list_keys(page.session), key=lambda k: (k.revoked_at is not None, k.client.lower()))
    return page.render("admin_keys.html", status=status, keys=keys, **ctx)


@router.get("/keys")
def keys(page: StaffPage) -> Response:
    return _keys(page)


@router.post("/keys", dependencies=[CsrfChecked])
def issue_key(
    page: StaffPage,
    client: Annotated[str, Form(max_length=200)],
    rate: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    page.require(Role.ADMINISTRATOR)
    try:
        row, key = partner_keys.issue_key(page.session, client=client, now=datetime.now(UTC), rate=rate.strip() or None)
    except partner_keys.PartnerKeyError as exc:
        page.session.rollback()
        # The form names the field "client" and "rate", not the command line's --client and --rate.
        return _keys(page, status=422, error=str(exc).replace("--", ""), v={"client": client, "rate": rate})
    page.session.commit()
    return _keys(page, new_key=(row.client, key))


@router.post("/keys/{key_id}/revoke", dependencies=[CsrfChecked])
def revoke_key(page: StaffPage, key_id: RowId) -> Response:
    page.require(Role.ADMINISTRATOR)
    try:
        row = partner_keys.revoke_key(page.session, key_id=key_id, now=datetime.now(UTC))
    except partner_keys.PartnerKeyError as exc:
        return page.redirect("/admin/keys", flash=str(exc))
    page.session.commit()
    return page.redirect("/admin/keys", flash=page._("The key of %(c)s is revoked.") % {"c": row.client})


# --- the inventory and the alert rules, as the files on disk say now -------------------------------------------


def inventory_check(path: Path) -> dict[str, Any]:
    """The inventory file (and its maintenance plans) read again from disk: counts, or every ``file:line`` problem.

    The running server holds the inventory it started with; this is what the next start would get."""
    out: dict[str, Any] = {"file": str(path), "problems": [], "plans_file": str(plans_file_for(path)), "plans": None}
    try:
        inv = load_inventory(path)
    except InventoryError as exc:
        out["problems"] = [p.format(exc.file) for p in exc.problems]
        return out
    devices = list(inv.devices())
    out["counts"] = {"towns": len(inv.towns), "sites": len(inv.sites), "devices": len(devices),
                     "channels": len(inv.channels)}  # fmt: skip
    out["sites"] = [{"name": s.name, "kind": s.kind.value, "town": s.town, "devices": len(s.devices)}
                    for s in sorted(inv.sites, key=lambda s: s.name)]  # fmt: skip
    try:
        out["plans"] = load_plans(path, inv)
    except InventoryError as exc:
        out["problems"] = [p.format(exc.file) for p in exc.problems]
    return out


@router.get("/inventory")
def inventory(page: StaffPage) -> Response:
    page.require(Role.ADMINISTRATOR)
    return page.render("admin_inventory.html", inv=inventory_check(page.runtime.settings.inventory))


def rules_check(directory: Path) -> dict[str, Any]:
    """The alert rule files read again from disk: every rule with where it is written, and every problem."""
    status = rules_status(directory)
    loaded = load_rules_dir(directory)
    rules = []
    for r in sorted(loaded.rules, key=lambda r: (r.file, r.line)):
        sel = r.rule.select
        watches = sel.metric if sel.metric else f"state of {sel.state_of.value}" if sel.state_of else "—"
        rules.append({"name": r.rule.name, "severity": r.rule.severity.value, "summary": r.rule.summary,
                      "watches": watches, "test": r.rule.when.kind, "for": r.rule.for_,
                      "where": f"{Path(r.file).name}:{r.line}"})  # fmt: skip
    return {"dir": str(directory), "files": status["files"], "problems": status["problems"],
            "routing": status["routing"], "rules": rules}  # fmt: skip


@router.get("/rules")
def alert_rules(page: StaffPage) -> Response:
    page.require(Role.ADMINISTRATOR)
    return page.render("admin_rules.html", r=rules_check(page.runtime.settings.alert_rules))
