"""YAML to plain values while keeping the line of every node, so errors can say ``file:line``."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    def __init__(self, line: int, msg: str) -> None:
        super().__init__(msg)
        self.line = line
        self.msg = msg


def load_with_lines(text: str) -> tuple[Any, dict[Path, int], list[tuple[int, str]]]:
    """Return (value, {path: line}, duplicate-key problems). Raises YamlSyntaxError on bad YAML."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(line, f"invalid YAML: {exc.problem or exc}") from None
    lines: dict[Path, int] = {}
    dups: list[tuple[int, str]] = []
    if node is None:
        return None, {(): 1}, dups
    constructor = yaml.SafeLoader("")

    def walk(n: yaml.Node, path: Path) -> object:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in n.value:
                key = constructor.construct_object(key_node, deep=True)
                if key in out:
                    dups.append((key_node.start_mark.line + 1, f"key {key!r} given twice"))
                out[key] = walk(value_node, (*path, key))
                lines[(*path, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(n, yaml.SequenceNode):
            return [walk(item, (*path, i)) for i, item in enumerate(n.value)]
        return constructor.construct_object(n, deep=True)

    return walk(node, ()), lines, dups


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of the deepest known node on ``path``."""
    p = tuple(path)
    while p and p not in lines:
        p = p[:-1]
    return lines.get(p, 1)
