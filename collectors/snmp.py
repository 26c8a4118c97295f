"""SNMP collection (pysnmp 7 asyncio): one shared SnmpEngine, v2c or v3 authPriv, no MIB resolution on the hot path.

Per device and cycle: one GET for the profile's scalars, then GETBULKs asking for exactly the profile's table
columns, max-repetitions sized from the row count seen last time, continued until every column has left its
subtree. Library errors are mapped to `collectors.errors` here and nowhere else.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyasn1.type import univ
from pysnmp.entity.rfc3413 import cmdgen
from pysnmp.hlapi.v3arch.asyncio import CommunityData, ContextData, SnmpEngine, UdpTransportTarget, UsmUserData
from pysnmp.hlapi.v3arch.asyncio import auth as _auth
from pysnmp.hlapi.v3arch.asyncio.lcd import CommandGeneratorLcdConfigurator
from pysnmp.proto import errind, rfc1905
from pysnmp.proto.rfc1902 import Null, ObjectName

from collectors.errors import AuthFailed, CollectorError, ParseError, Timeout, Unreachable
from collectors.profile import Profile
from collectors.snmp_eval import Evaluation, Raw, SnmpState, evaluate
from collectors.spec import CredentialKind, CredentialRef, DeviceSpec

_LCD = CommandGeneratorLcdConfigurator()
_GET, _BULK = cmdgen.GetCommandGenerator(), cmdgen.BulkCommandGenerator()
_NULL = Null("")
NAME_REFRESH = 10  # cycles between reads of a table's label column (ifName)
MAX_VARBINDS = 60  # stay under common agents' reply caps (snmpsim answers at most 64 var-binds)
_AUTH = {
    "md5": _auth.usmHMACMD5AuthProtocol,
    "sha": _auth.usmHMACSHAAuthProtocol,
    "sha224": _auth.usmHMAC128SHA224AuthProtocol,
    "sha256": _auth.usmHMAC192SHA256AuthProtocol,
    "sha384": _auth.usmHMAC256SHA384AuthProtocol,
    "sha512": _auth.usmHMAC384SHA512AuthProtocol,
}
_PRIV = {
    "des": _auth.usmDESPrivProtocol,
    "3des": _auth.usm3DESEDEPrivProtocol,
    "aes": _auth.usmAesCfb128Protocol,
    "aes128": _auth.usmAesCfb128Protocol,
    "aes192": _auth.usmAesCfb192Protocol,
    "aes256": _auth.usmAesCfb256Protocol,
}
_AUTH_ERRORS = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.DecryptionError,
    errind.UnknownSecurityName,
    errind.AuthenticationError,
    errind.AuthenticationFailure,
    errind.UnsupportedSecurityLevel,
    errind.UnknownCommunityName,
)


@dataclass
class DeviceSnmpState(SnmpState):
    """Per-device state kept between cycles: the evaluator's plus the last row count of each table."""

    rows: dict[str, int] = field(default_factory=dict)
    names: dict[str, dict[str, Raw]] = field(default_factory=dict)  # label column -> {index: name}, cached
    cycles: int = 0


def _env(name: str | None, env: Mapping[str, str], what: str) -> str:
    value = env.get(name or "")
    if not value:
        raise AuthFailed(f"{what}: environment variable {name or '(none named)'} is not set")
    return value


def auth_data(cred: CredentialRef | None, env: Mapping[str, str]) -> Any:
    """pysnmp authentication data for a credential reference (secrets read from ``env``)."""
    if cred is None:
        raise AuthFailed("no SNMP credential configured")
    if cred.kind is CredentialKind.SNMP_V2C:
        return CommunityData(_env(cred.community_env, env, cred.id), mpModel=1)
    if cred.kind is CredentialKind.SNMP_V3:
        user = cred.user or _env(cred.username_env, env, cred.id)
        return UsmUserData(
            user,
            authKey=_env(cred.auth_key_env, env, cred.id) if cred.auth_key_env else None,
            privKey=_env(cred.priv_key_env, env, cred.id) if cred.priv_key_env else None,
            authProtocol=_AUTH[cred.auth_protocol or "sha"] if cred.auth_key_env else _auth.usmNoAuthProtocol,
            privProtocol=_PRIV[cred.priv_protocol or "aes"] if cred.priv_key_env else _auth.usmNoPrivProtocol,
        )
    raise AuthFailed(f"credential {cred.id} is {cred.kind}, not SNMP")


def _decode(value: Any) -> Raw:
    if isinstance(value, (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView)):
        return None
    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(str(p) for p in value)
    if isinstance(value, univ.OctetString):
        return value.asOctets()
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"cannot read SNMP value {value!r}") from exc


def _check(error_indication: Any, error_status: Any, what: str) -> None:
    if error_indication:
        msg = f"{what}: {error_indication}"
        if isinstance(error_indication, errind.RequestTimedOut):
            raise Timeout(msg)
        if isinstance(error_indication, _AUTH_ERRORS):
            raise AuthFailed(msg)
        raise Unreachable(msg)
    if error_status and int(error_status):
        raise ParseError(f"{what}: agent answered error-status {error_status.prettyPrint()}")


class SnmpCollector:
    """Collects SNMP devices; one instance (and one SnmpEngine) serves every device of the agent."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.engine = SnmpEngine()
        self._env = os.environ if env is None else env
        self._targets: dict[tuple[str, int, float], UdpTransportTarget] = {}
        self._names: dict[str, ObjectName] = {}
        self._context = ContextData()

    async def _target(self, host: str, port: int, timeout: float) -> UdpTransportTarget:
        key = (host, port, timeout)
        if key not in self._targets:
            try:
                self._targets[key] = await UdpTransportTarget.create((host, port), timeout=timeout, retries=1)
            except Exception as exc:  # name resolution and socket errors: the device cannot be reached
                raise Unreachable(f"{host}:{port}: {exc}") from exc
        return self._targets[key]

    def _name(self, oid: str) -> ObjectName:
        if oid not in self._names:
            self._names[oid] = ObjectName(oid)
        return self._names[oid]

    async def _request(
        self, auth: Any, target: UdpTransportTarget, where: str, oids: list[str], bulk: tuple[int, int] | None
    ) -> list[tuple[str, Any]]:
        """One GET (``bulk`` None) or GETBULK (non-repeaters, max-repetitions) of plain OIDs.

        The engine's command generators are used directly with numeric OIDs: the hlapi wrappers resolve every
        request var-bind through the MIB, which costs more than the request itself and tells us nothing.
        """
        addr, _ = _LCD.configure(self.engine, auth, target, self._context.contextName)
        future = asyncio.get_running_loop().create_future()

        def done(_engine: Any, _handle: Any, ei: Any, es: Any, _ix: Any, vbs: Any, _ctx: Any) -> None:
            if not future.done():
                future.set_result((ei, es, vbs))

        varbinds = [(self._name(o), _NULL) for o in oids]
        ctx_engine, ctx_name = self._context.contextEngineId, self._context.contextName
        if bulk is None:
            _GET.send_varbinds(self.engine, addr, ctx_engine, ctx_name, varbinds, done, None)
        else:
            _BULK.send_varbinds(self.engine, addr, ctx_engine, ctx_name, bulk[0], bulk[1], varbinds, done, None)
        ei, es, vbs = await future
        _check(ei, es, where)
        return [(str(oid), value) for oid, value in vbs]

    async def collect(
        self,
        spec: DeviceSpec,
        cred: CredentialRef | None,
        profile: Profile,
        state: DeviceSnmpState,
        now: float,
    ) -> Evaluation:
        """Read ``spec`` by ``profile`` and evaluate; raises a `CollectorError` when the device cannot be read."""
        auth = auth_data(cred, self._env)
        # per-device timeout split over one retry: the whole attempt stays within spec.collect.timeout
        target = await self._target(spec.address, spec.collect.port or 161, spec.collect.timeout / 2)
        where = f"{spec.address}:{spec.collect.port or 161}"
        # Scalars ending in .0 ride in the first GETBULK as non-repeaters (GETNEXT of the object gives its .0
        # instance): a switch costs one PDU less per cycle. The rest, or all when there is no table, are one GET.
        riders = [sc.oid for sc in profile.scalars if sc.oid.endswith(".0")] if profile.tables else []
        plain = [sc.oid for sc in profile.scalars if sc.oid not in riders]
        scalars: dict[str, Raw] = {}
        if plain:
            scalars.update((oid, _decode(v)) for oid, v in await self._request(auth, target, where, plain, None))
        tables: dict[str, dict[str, Raw]] = {}
        state.cycles += 1
        for i, table in enumerate(profile.tables):
            columns = table.oids()
            # Interface names hardly ever change: read the label column every NAME_REFRESH cycles, or when
            # the rows differ from the cached names, not on every poll (it is a string per row to decode).
            cached = state.names.get(table.name_column or "")
            skip_names = cached is not None and state.cycles % NAME_REFRESH != 0
            wanted = [c for c in columns if not (skip_names and c == table.name_column)]
            got, riding = await self._walk(
                auth, target, where, wanted, state.rows.get(columns[0], 24), riders if i == 0 else []
            )
            if table.name_column:
                if skip_names and set(got[wanted[0]]) - set(cached or {}):
                    names, _ = await self._walk(auth, target, where, [table.name_column], len(got[wanted[0]]), [])
                    cached = names[table.name_column]
                got.setdefault(table.name_column, cached or {})
                state.names[table.name_column] = got[table.name_column]
            tables.update(got)
            scalars.update(riding)
            state.rows[columns[0]] = max((len(v) for v in got.values()), default=0)
        return evaluate(profile, scalars, tables, state, now, spec.collect.uplinks)

    async def _walk(
        self, auth: Any, target: UdpTransportTarget, where: str, columns: list[str], rows_hint: int, riders: list[str]
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
            vbs = await self._request(auth, target, where, heads + [cursor[c] for c in active], (len(heads), reps))
            if not vbs:
                break
            for (oid, raw), rider in zip(vbs[: len(heads)], riders, strict=False):
                riding[rider] = _decode(raw) if oid == rider else None
            riders = []
            done: set[str] = set()
            for i, (oid, raw) in enumerate(vbs[len(heads) :]):
                col = active[i % len(active)]
                if col in done:
                    continue
                if not oid.startswith(col + ".") or isinstance(raw, rfc1905.EndOfMibView):
                    done.add(col)
                    continue
                out[col][oid[len(col) + 1 :]] = _decode(raw)
                cursor[col] = oid
            fetched = min(len(v) for v in out.values()) if out else 0
            for col in active:
                if col in done:
                    del cursor[col]
        return out, riding

    def close(self) -> None:
        """Release the engine's sockets."""
        self.engine.close_dispatcher()


__all__ = ["CollectorError", "DeviceSnmpState", "SnmpCollector", "auth_data"]
