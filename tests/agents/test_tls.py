"""TLS to the NOC is verified by default; --ca-file names the CA that signed the NOC's certificate."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from agents.config import ConfigUnavailable, get_config
from agents.main import tls_verify
from agents.wire import AgentConfig
from tests.agents.noc_standin import NocStandIn, running
from tests.peers import free_port


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(work: Path) -> tuple[Path, Path, Path]:
    """A test CA and a certificate for 127.0.0.1 signed by it; (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("test CA")).issuer_name(_name("test CA"))
        .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(2).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = work / "ca.pem", work / "cert.pem", work / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def test_tls_verified_with_ca_file_and_refused_without(tmp_path: Path) -> None:
    ca, cert, key = make_pki(tmp_path)
    port = free_port()
    config = AgentConfig(site_id="s", config_id="tls", devices=[], credentials=[])

    async def fetch(ca_file: str | None, cache: Path) -> AgentConfig:
        async with httpx.AsyncClient(verify=tls_verify(ca_file), timeout=5) as client:
            got, _ = await get_config(client, f"https://127.0.0.1:{port}", "s", "tok", cache)
            return got

    with running(NocStandIn(port, "tok", config, tls=(str(cert), str(key)))):
        with pytest.raises(ConfigUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            asyncio.run(fetch(None, tmp_path / "a.json"))  # the system CAs do not know the test CA
        assert asyncio.run(fetch(str(ca), tmp_path / "b.json")).config_id == "tls"
