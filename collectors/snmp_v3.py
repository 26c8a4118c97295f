"""SNMP v3 (USM auth/priv) through pysnmp 7 (asyncio): one shared SnmpEngine, no MIB resolution on the hot path.

Loaded only when a v3 device exists (pysnmp costs ~13 MB of memory). Its command generators are driven directly
with numeric OIDs: the hlapi wrappers resolve every var-bind through the MIB, which costs more than the request.
Library errors are mapped to `collectors.errors` here and nowhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from pyasn1.type import base, univ
from pysnmp.entity.rfc3413 import cmdgen
from pysnmp.hlapi.v3arch.asyncio import ContextData, SnmpEngine, UdpTransportTarget, UsmUserData
from pysnmp.hlapi.v3arch.asyncio import auth as _auth
from pysnmp.hlapi.v3arch.asyncio.lcd import CommandGeneratorLcdConfigurator
from pysnmp.proto import errind, rfc1905
from pysnmp.proto.rfc1902 import Null, ObjectName

from collectors.errors import AuthFailed, ParseError, Timeout, Unreachable
from collectors.secrets import env_value
from collectors.snmp_eval import Raw
from collectors.spec import CredentialRef

_LCD = CommandGeneratorLcdConfigurator()
_GET, _BULK = cmdgen.GetCommandGenerator(), cmdgen.BulkCommandGenerator()
_NULL = Null("")
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


def usm_user(cred: CredentialRef, env: Mapping[str, str]) -> UsmUserData:
    """pysnmp USM user data for a v3 credential reference (secrets read from ``env``)."""
    user = cred.user or env_value(cred.username_env, env, cred.id)
    return UsmUserData(
        user,
        authKey=env_value(cred.auth_key_env, env, cred.id) if cred.auth_key_env else None,
        privKey=env_value(cred.priv_key_env, env, cred.id) if cred.priv_key_env else None,
        authProtocol=_AUTH[cred.auth_protocol or "sha"] if cred.auth_key_env else _auth.usmNoAuthProtocol,
        privProtocol=_PRIV[cred.priv_protocol or "aes"] if cred.priv_key_env else _auth.usmNoPrivProtocol,
    )


def _decode(value: base.Asn1Type) -> Raw:
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


def _check(error_indication: object, error_status: univ.Integer | None, what: str) -> None:
    if error_indication:
        msg = f"{what}: {error_indication}"
        if isinstance(error_indication, errind.RequestTimedOut):
            raise Timeout(msg)
        if isinstance(error_indication, _AUTH_ERRORS):
            raise AuthFailed(msg)
        raise Unreachable(msg)
    if error_status and int(error_status):
        raise ParseError(f"{what}: agent answered error-status {error_status.prettyPrint()}")


class V3Client:
    """The shared SnmpEngine; `requester` gives a callable per target and user."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.engine = SnmpEngine()
        self._env = env
        self._targets: dict[tuple[str, int, float], UdpTransportTarget] = {}
        self._names: dict[str, ObjectName] = {}
        self._context = ContextData()

    def requester(self, host: str, port: int, timeout: float, cred: CredentialRef) -> _V3Target:
        """A request callable for ``host:port`` as ``cred``'s user (see `collectors.snmp.Request`)."""
        return _V3Target(self, host, port, timeout, usm_user(cred, self._env))

    async def target(self, host: str, port: int, timeout: float) -> UdpTransportTarget:
        """The transport target for ``host:port`` (made once)."""
        key = (host, port, timeout)
        if key not in self._targets:
            try:
                self._targets[key] = await UdpTransportTarget.create((host, port), timeout=timeout, retries=1)
            except Exception as exc:  # name resolution and socket errors: the device cannot be reached
                raise Unreachable(f"{host}:{port}: {exc}") from exc
        return self._targets[key]

    def name(self, oid: str) -> ObjectName:
        """The ObjectName for ``oid`` (cached)."""
        if oid not in self._names:
            self._names[oid] = ObjectName(oid)
        return self._names[oid]

    def close(self) -> None:
        """Release the engine's sockets."""
        self.engine.close_dispatcher()


class _V3Target:
    def __init__(self, client: V3Client, host: str, port: int, timeout: float, auth: UsmUserData) -> None:
        self.client, self.host, self.port, self.timeout, self.auth = client, host, port, timeout, auth
        self.where = f"{host}:{port}"

    async def __call__(self, oids: list[str], bulk: tuple[int, int] | None) -> list[tuple[str, Raw]]:
        c = self.client
        target = await c.target(self.host, self.port, self.timeout)
        addr, _ = _LCD.configure(c.engine, self.auth, target, c._context.contextName)
        future = asyncio.get_running_loop().create_future()

        def done(
            _engine: object, _handle: object, ei: object, es: object, _ix: object, vbs: object, _ctx: object
        ) -> None:
            if not future.done():
                future.set_result((ei, es, vbs))

        varbinds = [(c.name(o), _NULL) for o in oids]
        ctx_engine, ctx_name = c._context.contextEngineId, c._context.contextName
        if bulk is None:
            _GET.send_varbinds(c.engine, addr, ctx_engine, ctx_name, varbinds, done, None)
        else:
            _BULK.send_varbinds(c.engine, addr, ctx_engine, ctx_name, bulk[0], bulk[1], varbinds, done, None)
        ei, es, vbs = await future
        _check(ei, es, self.where)
        return [(str(oid), _decode(value)) for oid, value in vbs]
