"""Checks of meaning that the shape cannot express: ids, references, cycles, addresses, credentials."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import urlparse

from collectors.spec import CredentialKind, Method
from noc_api.inventory.model import AnyOf, Inventory, Requirement

Problem = tuple[tuple, str]
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9-]{1,63})*$")
_NEEDS_CREDENTIAL = {
    Method.SNMP: {CredentialKind.SNMP_V2C, CredentialKind.SNMP_V3},
    Method.CLI: {CredentialKind.CLI},
}
_MAY_USE_CREDENTIAL = {Method.NUT: {CredentialKind.NUT}, Method.HTTP: {CredentialKind.HTTP}}


def check_semantics(inv: Inventory) -> list[Problem]:
    """Every problem of meaning, each with the path of the node to blame."""
    return [
        *_duplicates(inv),
        *_references(inv),
        *_cycles(inv),
        *_addresses(inv),
        *_credentials(inv),
        *_channels(inv),
        *_local_checks(inv),
    ]


def _duplicates(inv: Inventory) -> Iterator[Problem]:
    namespaces: dict[str, list[Problem]] = {
        "town": [(("towns", i, "id"), t.id) for i, t in enumerate(inv.towns)],
        "department": [(("departments", i, "id"), d.id) for i, d in enumerate(inv.departments)],
        "category": [(("categories", i, "id"), c.id) for i, c in enumerate(inv.categories)],
        "credential": [(("credentials", i, "id"), c.id) for i, c in enumerate(inv.credentials)],
        "channel": [(("channels", i, "id"), c.id) for i, c in enumerate(inv.channels)],
        # Sites and devices share one namespace: a channel's `requires` names either.
        "site or device": [(("sites", i, "id"), s.id) for i, s in enumerate(inv.sites)]
        + [(("sites", i, "devices", j, "id"), d.id) for i, s in enumerate(inv.sites) for j, d in enumerate(s.devices)],
    }
    for what, entries in namespaces.items():
        first: dict[str, tuple] = {}
        for path, ident in entries:
            if ident in first:
                yield path, f"duplicate {what} id {ident!r} (first defined at {_short(first[ident])})"
            else:
                first[ident] = path


def _short(path: tuple) -> str:
    return ".".join(str(p) for p in path[:-1])


def _references(inv: Inventory) -> Iterator[Problem]:
    towns = {t.id for t in inv.towns}
    departments = {d.id for d in inv.departments}
    devices = {d.id for _, d in inv.devices()}
    for i, c in enumerate(inv.categories):
        if c.department not in departments:
            yield ("categories", i, "department"), f"unknown department {c.department!r}"
    for i, site in enumerate(inv.sites):
        if site.town not in towns:
            yield ("sites", i, "town"), f"unknown town {site.town!r}"
        own = {d.id for d in site.devices}
        if site.agent_host and site.agent_host not in own:
            yield (
                ("sites", i, "agent_host"),
                f"agent_host {site.agent_host!r} is not a device of site {site.id!r}",
            )
        if site.uplink and site.uplink not in devices:
            yield ("sites", i, "uplink"), f"unknown device {site.uplink!r}"
        for j, dev in enumerate(site.devices):
            for k, dep in enumerate(dev.depends_on):
                for ref in dep.any if isinstance(dep, AnyOf) else [dep]:
                    where = ("sites", i, "devices", j, "depends_on", k)
                    if ref not in devices:
                        yield where, f"depends_on names unknown device {ref!r}"
                    elif ref == dev.id:
                        yield where, f"device {dev.id!r} depends on itself"


def _dependency_graph(inv: Inventory) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for _, dev in inv.devices():
        refs: list[str] = []
        for dep in dev.depends_on:
            refs.extend(dep.any if isinstance(dep, AnyOf) else [dep])
        graph[dev.id] = refs
    return graph


def _cycles(inv: Inventory) -> Iterator[Problem]:
    graph = _dependency_graph(inv)
    where = {
        d.id: ("sites", i, "devices", j, "depends_on") for i, s in enumerate(inv.sites) for j, d in enumerate(s.devices)
    }
    colour: dict[str, int] = {}  # 1 = on the stack, 2 = done
    reported: set[frozenset[str]] = set()

    def visit(node: str, stack: list[str]) -> Iterator[Problem]:
        colour[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in graph or nxt == node:
                continue  # unknown and self references are reported elsewhere
            if colour.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield where[node], "dependency cycle: " + " -> ".join(cycle)
            elif colour.get(nxt) is None:
                yield from visit(nxt, stack)
        stack.pop()
        colour[node] = 2

    for node in graph:
        if node not in colour:
            yield from visit(node, [])


def _addresses(inv: Inventory) -> Iterator[Problem]:
    for i, site in enumerate(inv.sites):
        for j, dev in enumerate(site.devices):
            path = ("sites", i, "devices", j, "address")
            if not _valid_address(dev.address):
                yield path, f"bad address {dev.address!r}: not an IP address or host name"
            if dev.collect.method == Method.HTTP:
                url = urlparse(dev.collect.url or "")
                if url.scheme not in ("http", "https") or not url.hostname:
                    yield ("sites", i, "devices", j, "collect", "url"), "http probe needs an http(s):// url"
            if dev.collect.method == Method.NUT and not dev.collect.ups:
                yield ("sites", i, "devices", j, "collect"), "nut collection needs the ups name ('ups:')"
            if dev.collect.method == Method.SNMP and not dev.collect.profile:
                yield ("sites", i, "devices", j, "collect"), "snmp collection needs a profile"


def _valid_address(addr: str) -> bool:
    try:
        ipaddress.ip_address(addr)
        return True
    except ValueError:
        pass
    if re.fullmatch(r"[0-9.]+", addr):
        return False  # looks like an IPv4 address but is not one (e.g. 10.0.0.300)
    return bool(_HOSTNAME.match(addr))


def _credentials(inv: Inventory) -> Iterator[Problem]:
    creds = {c.id: c for c in inv.credentials}
    for i, cred in enumerate(inv.credentials):
        needed = {
            CredentialKind.SNMP_V2C: ["community_env"],
            CredentialKind.SNMP_V3: ["user", "auth_key_env"],
            CredentialKind.CLI: ["username_env", "password_env"],
        }.get(cred.kind, [])
        for field in needed:
            if not getattr(cred, field):
                yield ("credentials", i), f"{cred.kind.value} credential {cred.id!r} needs {field!r}"
        for field in ("community_env", "username_env", "password_env", "auth_key_env", "priv_key_env"):
            value = getattr(cred, field)
            if value and not re.fullmatch(r"[A-Z_][A-Z0-9_]*", value):
                yield ("credentials", i, field), f"{field} must name an environment variable, got {value!r}"
    for i, site in enumerate(inv.sites):
        for j, dev in enumerate(site.devices):
            method, ref = dev.collect.method, dev.collect.credential
            path = ("sites", i, "devices", j, "collect")
            allowed = _NEEDS_CREDENTIAL.get(method) or _MAY_USE_CREDENTIAL.get(method)
            if method in _NEEDS_CREDENTIAL and not ref:
                yield path, f"{method.value} collection needs a credential reference"
            elif ref and ref not in creds:
                yield (*path, "credential"), f"unknown credential {ref!r}"
            elif ref and (not allowed or creds[ref].kind not in allowed):
                yield (
                    (*path, "credential"),
                    f"credential {ref!r} is {creds[ref].kind.value}, unusable for {method.value}",
                )


def _channels(inv: Inventory) -> Iterator[Problem]:
    known = {s.id for s in inv.sites} | {d.id for _, d in inv.devices()}
    sites = {s.id for s in inv.sites}
    for i, ch in enumerate(inv.channels):
        if ch.site and ch.site not in sites:
            yield ("channels", i, "site"), f"unknown site {ch.site!r}"
        yield from _requirement(ch.requires, ("channels", i, "requires"), known)


def _requirement(req: Requirement, path: tuple, known: set[str]) -> Iterator[Problem]:
    forms = [f for f in ("all", "any", "of") if getattr(req, f) is not None]
    if not forms or all(not getattr(req, f) for f in forms):
        yield path, "channel requires nothing: give all/any/at_least+of with at least one device or site"
        return
    if len(forms) > 1:
        yield path, f"give one of all/any/of, not {' and '.join(forms)}"
    if (req.of is None) != (req.at_least is None):
        yield path, "at_least and of go together"
    if req.of is not None and req.at_least is not None and req.at_least > len(req.of):
        yield path, f"at_least {req.at_least} is more than the {len(req.of)} listed"
    for form in forms:
        for k, item in enumerate(getattr(req, form)):
            if isinstance(item, Requirement):
                yield from _requirement(item, (*path, form, k), known)
            elif item not in known:
                yield (*path, form, k), f"requires unknown device or site {item!r}"


def _local_checks(inv: Inventory) -> Iterator[Problem]:
    """Hygiene and recording stores are read on the host the site's agent runs on, by its psutil collection."""
    for i, site in enumerate(inv.sites):
        for j, dev in enumerate(site.devices):
            c = dev.collect
            if not (c.hygiene or c.stores):
                continue
            path = ("sites", i, "devices", j, "collect")
            what = "hygiene" if c.hygiene else "stores"
            if c.method != Method.PSUTIL:
                yield (*path, what), f"{what} is read on the agent's own host: it needs method psutil"
            elif dev.id != site.agent_host:
                yield (*path, what), f"{what} is read on the agent's own host: {dev.id!r} is not the site's agent_host"
            names: set[str] = set()
            for k, store in enumerate(c.stores):
                if store.name in names:
                    yield (*path, "stores", k, "name"), f"store name {store.name!r} given twice"
                names.add(store.name)
                if not store.path.startswith("/"):
                    yield (*path, "stores", k, "path"), f"store path {store.path!r} must be absolute"
