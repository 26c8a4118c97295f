"""Real peers for collector tests: snmpsim with our recordings, Debian snmpd (v2c and v3 authPriv)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers import PeerError, Snmpsim, snmpd, snmpsim

DATA = Path(__file__).parent / "data"
V3_USER, V3_AUTH, V3_PRIV = "ccis-test", "auth-key-0123456789", "priv-key-0123456789"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpsim]:
    """snmpsim serving a private copy of the recordings (tests may swap files in it)."""
    work = tmp_path_factory.mktemp("snmpsim")
    data = work / "data"
    shutil.copytree(DATA, data)
    try:
        with snmpsim(data, work, "switch24") as s:
            yield s
    except PeerError as exc:
        pytest.fail(f"snmpsim peer: {exc}")


@pytest.fixture(scope="module")
def snmpd_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Debian snmpd with community ccis-test and a v3 authPriv user (SHA/AES)."""
    work = tmp_path_factory.mktemp("snmpd")
    conf = f"createUser {V3_USER} SHA {V3_AUTH} AES {V3_PRIV}\nrouser {V3_USER} priv\n"
    try:
        with snmpd(work, conf) as port:
            yield port
    except PeerError as exc:
        pytest.fail(f"snmpd peer: {exc}")
