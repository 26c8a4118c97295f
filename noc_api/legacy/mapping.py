"""The mapping file of a legacy import: which column holds which field, how dates are written, how legacy values
translate to CCIS ids. Strict YAML: an unknown key or a wrong value is reported as ``MAP.yaml:LINE: what``.

    columns:                        # CCIS field: the legacy file's column header
      tracking_number: Complaint No # required: the old number, kept as the complaint's number
      registered_at: Lodged On      # required
      category: Type                # required
      description: Details
      status: Status
      resolved_at: Disposed On
    dates: {formats: ["%d/%m/%Y %H:%M", "%d/%m/%Y"], timezone: Asia/Karachi}
    values:
      category: {Garbage: garbage, "Water Leakage": water-leakage}
      status: {Pending: registered, Disposed: closed}
    defaults: {channel: call_centre, status: closed}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator

from noc_api.inventory.yamlmarks import YamlSyntaxError, line_of, load_with_lines
from noc_api.strict import Strict

FIELDS = (
    "tracking_number",
    "registered_at",
    "category",
    "description",
    "citizen_name",
    "phone",
    "email",
    "cnic",
    "address",
    "town",
    "ward",
    "lat",
    "lon",
    "status",
    "priority",
    "channel",
    "due_at",
    "resolved_at",
    "closed_at",
    "assignee",
    "rating",
)
REQUIRED = ("tracking_number", "registered_at", "category")
MAPPABLE = ("category", "town", "status", "channel", "priority", "ward")
DEFAULTABLE = ("channel", "status", "priority", "town", "category")


class Dates(Strict):
    formats: list[str] = Field(default_factory=list)  # strptime formats, tried in order; none: ISO 8601
    timezone: str | None = None  # the zone of dates written without an offset (default: the city's)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {v!r}") from None
        return v


class MappingFile(Strict):
    columns: dict[str, str]
    dates: Dates = Field(default_factory=Dates)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)
    delimiter: str = Field(",", min_length=1, max_length=1)  # CSV only
    encoding: str = "utf-8-sig"  # CSV only; utf-8-sig also reads files without a byte-order mark
    sheet: str | None = None  # XLSX only: the sheet's name (default: the first)


@dataclass(frozen=True)
class Mapping:
    path: Path
    spec: MappingFile
    lines: dict[tuple, int]

    def line(self, *path: Any) -> int:
        return line_of(self.lines, path)


class MappingError(Exception):
    """Problems of the mapping file, each as ``FILE:LINE: what``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; MappingError lists every problem with its line."""
    try:
        raw, lines, dups = load_with_lines(path.read_text())
    except OSError as exc:
        raise MappingError([f"{path}: cannot read: {exc.strerror}"]) from None
    except YamlSyntaxError as exc:
        raise MappingError([f"{path}:{exc.line}: {exc.msg}"]) from None
    problems = [f"{path}:{line}: {msg}" for line, msg in dups]
    try:
        spec = MappingFile.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            where = tuple(err["loc"])
            boolean = isinstance(err["input"], bool)
            hint = " (YAML reads No, Yes, On, Off as booleans: quote the name)" if boolean else ""
            problems.append(f"{path}:{line_of(lines, where)}: {'.'.join(map(str, where))}: {err['msg']}{hint}")
        raise MappingError(problems) from None
    for name in spec.columns:
        if name not in FIELDS:
            problems.append(
                f"{path}:{line_of(lines, ('columns', name))}: columns.{name}: not a field ({', '.join(FIELDS)})"
            )
    for name in REQUIRED:
        if name not in spec.columns:
            problems.append(f"{path}:{line_of(lines, ('columns',))}: columns.{name} is required")
    for name in spec.values:
        if name not in MAPPABLE:
            problems.append(
                f"{path}:{line_of(lines, ('values', name))}: values.{name}: only {', '.join(MAPPABLE)} are mapped"
            )
    for name in spec.defaults:
        if name not in DEFAULTABLE:
            problems.append(
                f"{path}:{line_of(lines, ('defaults', name))}: defaults.{name}: "
                f"only {', '.join(DEFAULTABLE)} have defaults"
            )
    if problems:
        raise MappingError(problems)
    return Mapping(path, spec, lines)
