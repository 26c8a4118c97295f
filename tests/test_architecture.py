"""The house: imports point one way and no module of the server imports itself back through others."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ccis", "agents", "collectors", "complaint_core", "noc_api")
# Who may import whom (besides itself): collectors <- agents <- noc_api; complaint_core <- noc_api.
ALLOWED = {
    "collectors": set(),
    "complaint_core": set(),
    "agents": {"collectors"},
    "noc_api": {"agents", "collectors", "complaint_core"},
    "ccis": {"agents", "noc_api", "collectors", "complaint_core"},
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            if "migrations" not in p.parts:
                found[_module(p)] = p
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module this file imports, at any depth (lazy imports count), except under TYPE_CHECKING."""
    out: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            out.update(a.name for a in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module and not node.level:
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    out.add(full if full in modules else node.module)

    Visitor().visit(ast.parse(path.read_text()))
    return out


def _graph() -> dict[str, set[str]]:
    modules = _sources()
    return {m: {i for i in _imports(p, modules) if i in modules} for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_inside_the_server() -> None:
    assert _cycles(_graph()) == []


def test_imports_point_one_way() -> None:
    wrong = [
        f"{m} imports {i}"
        for m, deps in _graph().items()
        for i in deps
        if (a := m.split(".")[0]) != (b := i.split(".")[0]) and b not in ALLOWED[a]
    ]
    assert wrong == []


CORE_TABLES = "complaint_core.adapters.orm"
# The server uses the complaint core through its services and queries, never its tables (issue 12).
MAY_IMPORT_CORE_TABLES = {
    "noc_api.db.metadata",  # registers every table for the migrations (the migrations are not scanned)
}


def test_the_server_reaches_complaints_through_the_core_api() -> None:
    modules = _sources()
    wrong = sorted(
        m
        for m, p in modules.items()
        if m.split(".")[0] == "noc_api" and m not in MAY_IMPORT_CORE_TABLES and CORE_TABLES in _imports(p, modules)
    )
    assert wrong == [], f"import {CORE_TABLES} only in the core; call complaint_core's services instead: {wrong}"


def test_the_core_tables_rule_sees_a_lazy_import() -> None:
    """The rule above finds the import inside a function (db.metadata's), so it cannot pass by seeing nothing."""
    modules = _sources()
    assert CORE_TABLES in _imports(modules["noc_api.db.metadata"], modules)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_grab_bag_packages_are_left() -> None:
    for name in ("services", "routers", "schemas"):
        assert not (ROOT / "noc_api" / name).exists(), f"noc_api/{name}/ is back: put its modules in their feature"


def test_migrations_form_one_line() -> None:
    """Branches merged side by side must not leave two migrations with one number or two heads."""
    from alembic.script import ScriptDirectory

    from noc_api.db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    files = sorted(p.name for p in (Path(__file__).parent.parent / "noc_api/migrations/versions").glob("0*.py"))
    numbers = [name[:4] for name in files]
    assert len(numbers) == len(set(numbers)), f"two migrations share a number: {files}"
    assert len(script.get_heads()) == 1, f"migration heads: {script.get_heads()}"
    for rev in script.walk_revisions():
        assert rev.revision == rev.path.rsplit("/", 1)[-1][:4], f"{rev.path}: revision {rev.revision!r}"
