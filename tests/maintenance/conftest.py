"""A runtime on each database with the shipped inventory and plans (no scheduler), and its staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from noc_api.accounts.service import add_user
from noc_api.runtime import Runtime, build
from noc_api.settings import load_settings


@pytest.fixture
def runtime(db_url: str, inventory_path: Path, tmp_path: Path) -> Iterator[Runtime]:
    rt = build(
        load_settings(
            database_url=db_url,
            inventory=inventory_path,
            env="test",
            run_scheduler=False,
            attachments_dir=tmp_path / "att",
            secret_key="maintenance-test-secret-0123",
        )
    )
    with rt.sessions.begin() as s:
        add_user(s, username="eng.orangi", password="engineer pass 1", role="engineer", town="orangi")
        add_user(s, username="eng.gadap", password="engineer pass 2", role="engineer", town="gadap")
        add_user(s, username="noc.one", password="noc password 1", role="noc")
        add_user(s, username="qc.one", password="qc password 123", role="qc_officer")
    yield rt
    rt.engine.dispose()
