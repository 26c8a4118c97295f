"""A runtime on each database (shipped inventory, no scheduler) for the report and ticket tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
            secret_key="reports-test-secret-0123",
        )
    )
    yield rt
    rt.engine.dispose()
