"""The complaint core's public API and its import boundary (it imports nothing of the server, agents, collectors)."""

from __future__ import annotations

import ast
from pathlib import Path

import complaint_core

PACKAGE = Path(complaint_core.__file__).parent


def test_exported_members_exist_and_are_listed_once() -> None:
    assert sorted(set(complaint_core.__all__)) == sorted(complaint_core.__all__)
    for name in complaint_core.__all__:
        assert getattr(complaint_core, name) is not None, name
    assert {"register_complaint", "act", "Command", "Actor", "escalate_overdue"} <= set(complaint_core.__all__)


def test_complaint_core_imports_nothing_of_the_other_packages() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in {"noc_api", "agents", "collectors", "fastapi", "ccis"}:
                    offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert not offenders, offenders


def test_domain_modules_never_read_the_clock() -> None:
    for name in ("model", "lifecycle", "routing", "policy", "sla", "intake", "qc"):
        source = (PACKAGE / f"{name}.py").read_text()
        assert "datetime.now" not in source and "utcnow" not in source and "time.time" not in source, name
