"""Load every rule file of a directory, collecting each problem as ``FILE:LINE: what is wrong``.

A broken file (or rule) never hides the good ones: their rules load, its problems are kept for /healthz,
the API and ``ccis rules check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from noc_api.alerting.rules import Rule, RuleDefaults
from noc_api.alerting.templates import check_template
from noc_api.inventory.yamlmarks import YamlSyntaxError, line_of, load_with_lines

ROUTING_FILE = "routing.yaml"
_TOP = {"defaults", "rules"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    msg: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.msg}"


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    file: str
    line: int
    keep_firing_for: float  # the rule's own, or its file's default


@dataclass
class RuleSet:
    rules: list[LoadedRule] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def by_name(self) -> dict[str, LoadedRule]:
        """Rules keyed by name."""
        return {r.rule.name: r for r in self.rules}

    def summary(self) -> dict:
        """What /healthz and the API show."""
        return {
            "files": len(self.files),
            "rules": len(self.rules),
            "problems": [str(p) for p in self.problems],
        }


def _dotted(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _pydantic_problems(file: str, exc: ValidationError, lines: dict, prefix: tuple) -> list[Problem]:
    """pydantic errors as problems at the line of the deepest node they name, with a readable path."""
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        where = _dotted((*prefix, *loc))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}"
            where = _dotted((*prefix, *loc[:-1]))
        out.append(Problem(file, line_of(lines, (*prefix, *loc)), f"{where + ': ' if where else ''}{msg}"))
    return out


def load_rule_text(text: str, file: str, seen: dict[str, str] | None = None) -> tuple[list[LoadedRule], list[Problem]]:
    """Rules and problems of one file's text; ``seen`` maps rule names to where they were first defined."""
    seen = {} if seen is None else seen
    try:
        data, lines, dups = load_with_lines(text)
    except YamlSyntaxError as exc:
        return [], [Problem(file, exc.line, exc.msg)]
    problems = [Problem(file, ln, msg) for ln, msg in dups]
    if not isinstance(data, dict):
        return [], [*problems, Problem(file, 1, "a rule file is a mapping with a 'rules' list")]
    for key in data:
        if key not in _TOP:
            problems.append(Problem(file, line_of(lines, (key,)), f"unknown key {key!r} (expected defaults, rules)"))
    try:
        defaults = RuleDefaults.model_validate(data.get("defaults") or {})
    except ValidationError as exc:
        problems += _pydantic_problems(file, exc, lines, ("defaults",))
        defaults = RuleDefaults()
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        return [], [*problems, Problem(file, line_of(lines, ("rules",)), "'rules' must be a non-empty list")]
    loaded: list[LoadedRule] = []
    for i, raw in enumerate(raw_rules):
        try:
            rule = Rule.model_validate(raw)
        except ValidationError as exc:
            problems += _pydantic_problems(file, exc, lines, ("rules", i))
            continue
        line = line_of(lines, ("rules", i))
        bad = False
        for key in ("summary", "description"):
            err = check_template(getattr(rule, key))
            if err:
                problems.append(Problem(file, line_of(lines, ("rules", i, key)), f"{key}: {err}"))
                bad = True
        if rule.name in seen:
            problems.append(
                Problem(
                    file,
                    line_of(lines, ("rules", i, "name")),
                    f"rule {rule.name!r} already defined at {seen[rule.name]}",
                )
            )
            bad = True
        if bad:
            continue
        seen[rule.name] = f"{file}:{line}"
        keep = rule.keep_firing_for if rule.keep_firing_for is not None else defaults.keep_firing_for
        loaded.append(LoadedRule(rule, file, line, keep))
    if dups:  # a key given twice makes the file ambiguous: none of its rules is trusted
        return [], problems
    return loaded, problems


def rule_files(directory: Path) -> list[Path]:
    """The rule files of ``directory`` (every ``*.yaml`` but the routing file), sorted."""
    return sorted(p for p in directory.glob("*.yaml") if p.name != ROUTING_FILE)


def load_rules_dir(directory: Path) -> RuleSet:
    """Load every rule file; a missing directory is a problem, not a crash."""
    rs = RuleSet()
    if not directory.is_dir():
        rs.problems.append(Problem(str(directory), 1, "alert rules directory not found"))
        return rs
    seen: dict[str, str] = {}
    for path in rule_files(directory):
        rs.files.append(str(path))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            rs.problems.append(Problem(str(path), 1, f"cannot read: {exc}"))
            continue
        rules, problems = load_rule_text(text, str(path), seen)
        rs.rules += rules
        rs.problems += problems
    return rs


def check_references(rules: RuleSet, sites: set[str], towns: set[str]) -> list[Problem]:
    """Selectors naming a site or town the inventory does not have (a typo would silently select nothing)."""
    out = []
    for lr in rules.rules:
        sel = lr.rule.select
        out += [
            Problem(lr.file, lr.line, f"rule {lr.rule.name!r}: unknown site {x!r}") for x in sel.site if x not in sites
        ]
        out += [
            Problem(lr.file, lr.line, f"rule {lr.rule.name!r}: unknown town {x!r}") for x in sel.town if x not in towns
        ]
    return out
