"""Imports point one way: collectors <- agents; the agent process never loads the server."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.peers import ROOT


def imported_roots(package: str) -> dict[str, set[str]]:
    out = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names
    return out


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("collectors", {"agents", "noc_api", "complaint_core", "fastapi", "sqlalchemy"}),
        ("agents", {"noc_api", "complaint_core", "fastapi", "sqlalchemy"}),
    ],
)
def test_package_imports(package: str, forbidden: set[str]) -> None:
    bad = {f: sorted(names & forbidden) for f, names in imported_roots(package).items() if names & forbidden}
    assert not bad


def test_ccis_agent_does_not_load_the_server(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import agents.main\n"
        "from ccis import cli\n"
        "def fake(args):\n"
        "    import agents.agent, agents.metrics, collectors.run\n"
        "    print(sorted({m.split('.')[0] for m in sys.modules} & {'noc_api', 'fastapi', 'sqlalchemy', 'netmiko'}))\n"
        "    return 0\n"
        "agents.main.run_agent = fake\n"
        "sys.exit(cli.main(['agent', '--site', 's', '--noc', 'http://127.0.0.1:9', '--token-file', 't']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
