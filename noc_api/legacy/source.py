"""Reading a legacy file row by row with the line each row starts on: CSV (csv module) or XLSX (openpyxl)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from noc_api.legacy.mapping import Mapping


class SourceError(Exception):
    """The file cannot be read at all (``FILE:LINE: what``)."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any] | None  # None: the row is malformed, ``problem`` says why
    problem: str | None = None


def _csv(path: Path, mapping: Mapping) -> tuple[list[str], Iterator[Row], int]:
    spec = mapping.spec
    try:
        with path.open(encoding=spec.encoding, newline="") as f:
            total = max(0, sum(1 for _ in csv.reader(f, delimiter=spec.delimiter)) - 1)
        f = path.open(encoding=spec.encoding, newline="")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not {spec.encoding} text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise SourceError(f"{path}: not a CSV file ({exc})") from None
    reader = csv.reader(f, delimiter=spec.delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        f.close()
        raise SourceError(f"{path}:1: empty file: a header row is expected") from None

    def rows() -> Iterator[Row]:
        with f:
            start = reader.line_num + 1
            for cells in reader:
                line, start = start, reader.line_num + 1  # a quoted field may span lines: report the first
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    yield Row(line, None, f"{len(cells)} fields where the header has {len(header)}")
                    continue
                yield Row(line, dict(zip(header, cells, strict=True)))

    return header, rows(), total


def _xlsx(path: Path, mapping: Mapping) -> tuple[list[str], Iterator[Row], int]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise SourceError(f"{path}: not an XLSX workbook ({exc})") from None
    name = mapping.spec.sheet
    if name is not None and name not in book.sheetnames:
        raise SourceError(f"{path}: no sheet {name!r} (sheets: {', '.join(book.sheetnames)})")
    sheet = book[name] if name else book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    try:
        header = ["" if h is None else str(h).strip() for h in next(it)]
    except StopIteration:
        raise SourceError(f"{path}:1: empty sheet: a header row is expected") from None
    total = max(0, (sheet.max_row or 1) - 1)

    def rows() -> Iterator[Row]:
        for line, cells in enumerate(it, start=2):
            if all(c is None or str(c).strip() == "" for c in cells):
                continue
            padded = list(cells) + [None] * (len(header) - len(cells))
            yield Row(line, dict(zip(header, padded[: len(header)], strict=True)))
        book.close()

    return header, rows(), total


def open_rows(path: Path, mapping: Mapping) -> tuple[list[str], Iterator[Row], int]:
    """(header, rows, number of data rows) of a .csv or .xlsx file."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv(path, mapping)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path, mapping)
    raise SourceError(f"{path}: only .csv and .xlsx files are imported")
