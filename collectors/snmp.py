"""SNMP collection: GET for the profile's scalars, GETBULK of exactly its table columns, every row.

Per device and cycle: one GET for the scalars that cannot ride along, then GETBULKs asking for exactly the
profile's table columns, max-repetitions sized from the row count seen last time, continued until every column
has left its subtree. v2c goes through aiosnmp (its BER codec is compiled: decoding a reply costs ~45x less CPU
than pyasn1, which was three quarters of a 200-device cycle); v3 (USM auth/priv) through pysnmp, loaded only when
a v3 device exists (`collectors.snmp_v3`). Library errors are mapped to `collectors.errors` in those adapters.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from collectors.errors import AuthFailed, CollectorError, ParseError, Timeout, Unreachable
from collectors.profile import Profile
from collectors.secrets import env_value
from collectors.snmp_eval import Evaluation, Raw, SnmpState, evaluate
from collectors.spec import CredentialKind, CredentialRef, DeviceSpec

NAME_REFRESH = 10  # cycles between reads of a table's label column (ifName)
MAX_VARBINDS = 60  # stay under common agents' reply caps (snmpsim answers at most 64 var-binds)

# (oids, None) is a GET; (oids, (non_repeaters, max_repetitions)) a GETBULK. The answer: [(oid, value)], where a
# value is int, bytes (OctetString), str (OID, IpAddress) or None (noSuchObject/Instance, endOfMibView).
Request = Callable[[list[str], tuple[int, int] | None], Awaitable[list[tuple[str, Raw]]]]


@dataclass
class DeviceSnmpState(SnmpState):
    """Per-device state kept between cycles: the evaluator's plus the last row count of each table."""

    rows: dict[str, int] = field(default_factory=dict)
    names: dict[str, dict[str, Raw]] = field(default_factory=dict)  # label column -> {index: name}, cached
    cycles: int = 0


def _plain(value: object) -> Raw:
    if value is None or isinstance(value, (int, bytes)):
        return value
    if isinstance(value, str):
        return value.lstrip(".")  # an OBJECT IDENTIFIER value
    if isinstance(value, ipaddress.IPv4Address):
        return str(value)
    raise ParseError(f"cannot read SNMP value {value!r}")


class _V2c:
    """SNMP v2c requests to one agent and community through aiosnmp (one UDP socket each)."""

    def __init__(self, host: str, port: int, community: str, timeout: float) -> None:
        from aiosnmp import Snmp

        # one retry, like the v3 path: the whole attempt stays within the device's timeout
        self.snmp = Snmp(host=host, port=port, community=community, timeout=timeout, retries=2)
        self.where = f"{host}:{port}"

    async def __call__(self, oids: list[str], bulk: tuple[int, int] | None) -> list[tuple[str, Raw]]:
        from aiosnmp.exceptions import SnmpErrorStatus, SnmpTimeoutError

        try:
            if bulk is None:
                vbs = await self.snmp.get(oids)
            else:
                vbs = await self.snmp.get_bulk(oids, non_repeaters=bulk[0], max_repetitions=bulk[1])
        except SnmpTimeoutError as exc:  # an unknown community gets no answer at all: a timeout too
            raise Timeout(f"{self.where}: no SNMP answer (timeout)") from exc
        except SnmpErrorStatus as exc:
            raise ParseError(f"{self.where}: agent answered error-status {type(exc).__name__}") from exc
        except OSError as exc:  # name resolution, unreachable network
            raise Unreachable(f"{self.where}: {exc}") from exc
        return [(vb.oid.lstrip("."), _plain(vb.value)) for vb in vbs]

    def close(self) -> None:
        self.snmp.close()


class SnmpCollector:
    """Collects SNMP devices; one instance serves every device of the agent."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env
        self._v2c: dict[tuple[str, int, str, float], _V2c] = {}
        self._v3: Any = None  # collectors.snmp_v3.V3Client, made for the first v3 device

    def _requester(self, spec: DeviceSpec, cred: CredentialRef | None) -> Request:
        if cred is None:
            raise AuthFailed("no SNMP credential configured")
        port = spec.collect.port or 161
        # per-device timeout split over one retry: the whole attempt stays within spec.collect.timeout
        timeout = spec.collect.timeout / 2
        if cred.kind is CredentialKind.SNMP_V2C:
            community = env_value(cred.community_env, self._env, cred.id)
            key = (spec.address, port, community, timeout)
            if key not in self._v2c:
                self._v2c[key] = _V2c(spec.address, port, community, timeout)
            return self._v2c[key]
        if cred.kind is CredentialKind.SNMP_V3:
            if self._v3 is None:
                from collectors.snmp_v3 import V3Client  # pysnmp costs ~13 MB: only for v3 devices

                self._v3 = V3Client(self._env)
            return self._v3.requester(spec.address, port, timeout, cred)
        raise AuthFailed(f"credential {cred.id} is {cred.kind}, not SNMP")

    async def collect(
        self,
        spec: DeviceSpec,
        cred: CredentialRef | None,
        profile: Profile,
        state: DeviceSnmpState,
        now: float,
    ) -> Evaluation:
        """Read ``spec`` by ``profile`` and evaluate; raises a `CollectorError` when the device cannot be read."""
        request = self._requester(spec, cred)
        # Scalars ending in .0 ride in the first GETBULK as non-repeaters (GETNEXT of the object gives its .0
        # instance): a switch costs one PDU less per cycle. The rest, or all when there is no table, are one GET.
        riders = [sc.oid for sc in profile.scalars if sc.oid.endswith(".0")] if profile.tables else []
        plain = [sc.oid for sc in profile.scalars if sc.oid not in riders]
        scalars: dict[str, Raw] = {}
        if plain:
            scalars.update(await request(plain, None))
        tables: dict[str, dict[str, Raw]] = {}
        state.cycles += 1
        for i, table in enumerate(profile.tables):
            columns = table.oids()
            # Interface names hardly ever change: read the label column every NAME_REFRESH cycles, or when
            # the rows differ from the cached names, not on every poll (it is a string per row to decode).
            cached = state.names.get(table.name_column or "")
            skip_names = cached is not None and state.cycles % NAME_REFRESH != 0
            wanted = [c for c in columns if not (skip_names and c == table.name_column)]
            got, riding = await walk(request, wanted, state.rows.get(columns[0], 24), riders if i == 0 else [])
            if table.name_column:
                if skip_names and set(got[wanted[0]]) - set(cached or {}):
                    names, _ = await walk(request, [table.name_column], len(got[wanted[0]]), [])
                    cached = names[table.name_column]
                got.setdefault(table.name_column, cached or {})
                state.names[table.name_column] = got[table.name_column]
            tables.update(got)
            scalars.update(riding)
            state.rows[columns[0]] = max((len(v) for v in got.values()), default=0)
        return evaluate(profile, scalars, tables, state, now, spec.collect.uplinks)

    def close(self) -> None:
        """Release the sockets."""
        for client in self._v2c.values():
            client.close()
        if self._v3 is not None:
            self._v3.close()


async def walk(
    request: Request, columns: list[str], rows_hint: int, riders: list[str]
) -> tuple[dict[str, dict[str, Raw]], dict[str, Raw]]:
    """GETBULK exactly ``columns`` until each leaves its subtree; ({column: {index: value}}, {rider: value})."""
    out: dict[str, dict[str, Raw]] = {c: {} for c in columns}
    riding: dict[str, Raw] = {}
    cursor = {c: c for c in columns}  # where each unfinished column continues from
    fetched = 0
    for _ in range(200):  # bounded: 200 PDUs is far beyond any real table we read
        active = list(cursor)
        if not active:
            break
        heads = [r[: -len(".0")] for r in riders]
        # rows still expected (from last cycle's count) plus one to see each column end
        reps = max(1, min(rows_hint - fetched + 1, (MAX_VARBINDS - len(heads)) // len(active)))
        vbs = await request(heads + [cursor[c] for c in active], (len(heads), reps))
        if not vbs:
            break
        for (oid, raw), rider in zip(vbs[: len(heads)], riders, strict=False):
            riding[rider] = raw if oid == rider else None
        riders = []
        done: set[str] = set()
        for i, (oid, raw) in enumerate(vbs[len(heads) :]):
            col = active[i % len(active)]
            if col in done:
                continue
            # a walk never meets noSuchObject/Instance: a None value is endOfMibView
            if not oid.startswith(col + ".") or raw is None:
                done.add(col)
                continue
            out[col][oid[len(col) + 1 :]] = raw
            cursor[col] = oid
        fetched = min(len(v) for v in out.values()) if out else 0
        for col in active:
            if col in done:
                del cursor[col]
    return out, riding


__all__ = ["CollectorError", "DeviceSnmpState", "SnmpCollector", "walk"]
