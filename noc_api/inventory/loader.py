"""Load inventory.yaml: parse, check shape, check meaning, and report every problem as ``file:line: msg``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from noc_api.inventory.model import Inventory
from noc_api.inventory.semantics import check_semantics
from noc_api.inventory.yamlmarks import YamlSyntaxError, line_of, load_with_lines

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class InventoryProblem:
    line: int
    path: str
    msg: str

    def format(self, file: str) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{file}:{self.line}: {self.msg}{where}"


class InventoryError(Exception):
    """The inventory is wrong; ``problems`` holds every problem found, not just the first."""

    def __init__(self, file: str, problems: list[InventoryProblem]) -> None:
        self.file = file
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format(file) for p in self.problems))


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_model(text: str, file: str, model: type[M]) -> tuple[M, dict]:
    """Parse YAML ``text`` into the strict ``model``; InventoryError lists every problem of shape with its line.

    Returns the model and the line of every node (``{path: line}``) for checks of meaning to report against.
    """
    try:
        data, lines, dups = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise InventoryError(file, [InventoryProblem(exc.line, "", exc.msg)]) from None
    problems = [InventoryProblem(line, "", msg) for line, msg in dups]
    if not isinstance(data, dict):
        raise InventoryError(file, [*problems, InventoryProblem(1, "", "the file must be a mapping")])
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            # pydantic adds union-branch names ("str", "AnyOf", "function-after") to loc; drop them.
            loc = tuple(p for p in err["loc"] if isinstance(p, int) or p in _field_names(data, err["loc"]))
            problems.append(InventoryProblem(line_of(lines, loc), _dotted(loc), _message(err)))
        raise InventoryError(file, problems) from None
    if problems:
        raise InventoryError(file, problems)
    return obj, lines


def problems_at(lines: dict, found: list[tuple[tuple, str]]) -> list[InventoryProblem]:
    """Problems of meaning (path, message) placed on their lines."""
    return [InventoryProblem(line_of(lines, path), _dotted(path), msg) for path, msg in found]


def parse_inventory(text: str, file: str = "inventory.yaml") -> Inventory:
    """Parse and validate inventory text; raise InventoryError listing all problems."""
    inv, lines = parse_model(text, file, Inventory)
    problems = problems_at(lines, check_semantics(inv))
    if problems:
        raise InventoryError(file, problems)
    return inv


def _field_names(data: object, loc: tuple) -> set[str]:
    """Keys that really exist along ``loc`` in the data (so union tags are not mistaken for keys)."""
    names: set[str] = set()
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            names.add(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and not any(c in part for c in "[]-") and part[:1].islower():
            names.add(part)  # a missing required field: keep it, it is what the user must add
    return names


def _message(err: ErrorDetails) -> str:
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        return f"unknown key {err['loc'][-1]!r}"
    if err["type"] == "missing":
        return f"missing required key {err['loc'][-1]!r}"
    if err["type"] == "enum":
        return f"{msg}, got {err.get('input')!r}"
    return msg


def load_inventory(path: str | Path) -> Inventory:
    """Read and validate an inventory file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InventoryError(str(p), [InventoryProblem(0, "", f"cannot read: {exc.strerror}")]) from None
    return parse_inventory(text, str(p))
