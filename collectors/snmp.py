"""SNMP collection (pysnmp 7 asyncio): one shared SnmpEngine, v2c or v3 authPriv, no MIB resolution on the hot path.

Per device and cycle: one GET for the profile's scalars, then GETBULKs asking for exactly the profile's table
columns, max-repetitions sized from the row count seen last time, continued until every column has left its
subtree. Library errors are mapped to `collectors.errors` here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyasn1.type import univ
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
)
from pysnmp.hlapi.v3arch.asyncio import auth as _auth
from pysnmp.proto import errind, rfc1905

from collectors.errors import AuthFailed, CollectorError, ParseError, Timeout, Unreachable
from collectors.profile import Profile
from collectors.snmp_eval import Evaluation, Raw, SnmpState, evaluate
from collectors.spec import CredentialKind, CredentialRef, DeviceSpec

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

    async def _target(self, host: str, port: int, timeout: float) -> UdpTransportTarget:
        key = (host, port, timeout)
        if key not in self._targets:
            try:
                self._targets[key] = await UdpTransportTarget.create((host, port), timeout=timeout, retries=1)
            except Exception as exc:  # name resolution and socket errors: the device cannot be reached
                raise Unreachable(f"{host}:{port}: {exc}") from exc
        return self._targets[key]

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
        scalars: dict[str, Raw] = {}
        if profile.scalars:
            oids = [ObjectType(ObjectIdentity(s.oid)) for s in profile.scalars]
            ei, es, _, vbs = await get_cmd(self.engine, auth, target, ContextData(), *oids, lookupMib=False)
            _check(ei, es, where)
            scalars = {str(vb[0]): _decode(vb[1]) for vb in vbs}
        tables: dict[str, dict[str, Raw]] = {}
        for table in profile.tables:
            columns = table.oids()
            got = await self._walk(auth, target, where, columns, state.rows.get(columns[0], 24))
            tables.update(got)
            state.rows[columns[0]] = max((len(v) for v in got.values()), default=0)
        return evaluate(profile, scalars, tables, state, now, spec.collect.uplinks)

    async def _walk(
        self, auth: Any, target: UdpTransportTarget, where: str, columns: list[str], rows_hint: int
    ) -> dict[str, dict[str, Raw]]:
        """GETBULK exactly ``columns`` until each leaves its subtree; {column: {index: value}}."""
        out: dict[str, dict[str, Raw]] = {c: {} for c in columns}
        cursor = {c: c for c in columns}  # where each unfinished column continues from
        for _ in range(200):  # bounded: 200 PDUs is far beyond any real table we read
            active = list(cursor)
            if not active:
                break
            reps = max(1, min(rows_hint + 1, MAX_VARBINDS // len(active)))
            ei, es, _, vbs = await bulk_cmd(
                self.engine,
                auth,
                target,
                ContextData(),
                0,
                reps,
                *(ObjectType(ObjectIdentity(cursor[c])) for c in active),
                lookupMib=False,
            )
            _check(ei, es, where)
            if not vbs:
                break
            done: set[str] = set()
            for i, vb in enumerate(vbs):
                col = active[i % len(active)]
                if col in done:
                    continue
                oid, raw = str(vb[0]), vb[1]
                if not oid.startswith(col + ".") or isinstance(raw, rfc1905.EndOfMibView):
                    done.add(col)
                    continue
                out[col][oid[len(col) + 1 :]] = _decode(raw)
                cursor[col] = oid
            for col in active:
                if col in done:
                    del cursor[col]
        return out

    def close(self) -> None:
        """Release the engine's sockets."""
        self.engine.close_dispatcher()


__all__ = ["CollectorError", "DeviceSnmpState", "SnmpCollector", "auth_data"]
