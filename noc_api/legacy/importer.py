"""Importing a legacy file: rows converted, good ones inserted in batches, bad ones reported ``FILE:LINE: reason``.

Each batch commits its complaints, their history and the run's progress together, so an import stopped at any
point resumes after the last committed row (the same file and mapping find their unfinished run). Imported
complaints keep their old numbers; a number already imported is skipped, a number CCIS itself gave is a bad
row. Numbers in the city's own form (KHI-2019-0001234) move the tracking counter past them, so a new complaint
never takes an old number.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.services.imports import creators, insert_imported
from noc_api.complaints.desk import ComplaintDesk
from noc_api.legacy.convert import Converted, Converter
from noc_api.legacy.mapping import Mapping
from noc_api.legacy.models import ImportRun
from noc_api.legacy.source import SourceError, open_rows

BATCH = 1000


@dataclass
class ImportReport:
    total: int = 0  # data rows in the file
    imported: int = 0
    skipped: int = 0
    bad: int = 0
    resumed_at: int = 0  # the last line an earlier, interrupted run had committed (0: a fresh run)
    problems: list[str] = field(default_factory=list)  # FILE:LINE: reason (this run's)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write(session: Session, batch: list[Converted], seqs: dict[tuple[str, int], int]) -> None:
    events = [
        {
            "tracking_number": c.values["tracking_number"],
            "at": at,
            "action": action,
            "actor": "legacy-import",
            "role": "system",
            "from_status": before,
            "to_status": after,
            "note": f"imported from {c.values['channel_data']['legacy']}" if action == "import" else None,
            "data": {"legacy": True},
        }
        for c in batch
        for action, at, before, after in c.events
    ]
    insert_imported(session, [c.values for c in batch], events, seqs)


def import_legacy(
    session: Session,
    desk: ComplaintDesk,
    path: Path,
    mapping: Mapping,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int], None] = lambda n: None,
    report: Callable[[str], None] = lambda line: None,
) -> ImportReport:
    """Import ``path`` (the caller's session is committed batch by batch, unless ``dry_run``)."""
    now = now or datetime.now(UTC)
    header, rows, total = open_rows(path, mapping)
    missing = [
        f"{path}:1: column {col!r} is not in the header "
        f"(columns.{name}, {mapping.path}:{mapping.line('columns', name)})"
        for name, col in mapping.spec.columns.items()
        if col not in header
    ]
    if missing:
        raise SourceError("\n".join(missing))
    out = ImportReport(total=total)
    run = None
    if not dry_run:
        digest, mdigest = _digest(path), hashlib.sha256(mapping.path.read_bytes()).hexdigest()
        run = (
            session.execute(
                select(ImportRun)
                .where(
                    ImportRun.file_sha256 == digest,
                    ImportRun.mapping_sha256 == mdigest,
                    ImportRun.finished_at.is_(None),
                )
                .order_by(ImportRun.id.desc())
            )
            .scalars()
            .first()
        )
        if run is None:
            run = ImportRun(
                file_name=str(path)[-300:],
                file_sha256=digest,
                mapping_sha256=mdigest,
                started_at=now,
                last_line=0,
                imported=0,
                skipped=0,
                bad=0,
            )
            session.add(run)
            session.commit()
        out.resumed_at = run.last_line
    convert = Converter(mapping, desk.directory(session), desk.config, desk.timezone, now)
    city = re.compile(rf"^{re.escape(desk.city_code)}-(\d{{4}})-(\d{{7}})$")
    seen: dict[str, int] = {}
    pending: list[tuple[int, Converted]] = []
    done = 0

    def bad(line: int, reason: str) -> None:
        out.bad += 1
        problem = f"{path}:{line}: {reason}"
        out.problems.append(problem)
        report(problem)

    def flush(last_line: int) -> None:
        nonlocal pending
        if pending:
            found = creators(session, [c.values["tracking_number"] for _, c in pending])
            keep: list[Converted] = []
            seqs: dict[tuple[str, int], int] = {}
            for line, c in pending:
                number = c.values["tracking_number"]
                if number not in found:
                    keep.append(c)
                    m = city.match(number)
                    if m:
                        key = (desk.city_code, int(m.group(1)))
                        seqs[key] = max(seqs.get(key, 0), int(m.group(2)))
                elif found[number] == "legacy-import":
                    out.skipped += 1  # imported before (an earlier run of this or another file)
                else:
                    bad(line, f"tracking_number {number} is already a complaint registered in CCIS")
            if keep and not dry_run:
                _write(session, keep, seqs)
            out.imported += len(keep)
            pending = []
        if run is not None:  # the rows and how far the run got, in one transaction
            run.last_line = last_line
            run.imported, run.skipped, run.bad = base[0] + out.imported, base[1] + out.skipped, base[2] + out.bad
            session.commit()

    base = (run.imported, run.skipped, run.bad) if run is not None else (0, 0, 0)
    last = 0
    for row in rows:
        done += 1
        last = row.line
        if run is not None and row.line <= run.last_line:
            progress(done)
            continue
        if row.values is None:
            bad(row.line, row.problem or "malformed row")
        else:
            got = convert.convert(row.values, f"{path.name}:{row.line}")
            if isinstance(got, list):
                bad(row.line, "; ".join(got))
            else:
                number = got.values["tracking_number"]
                if number in seen:
                    bad(row.line, f"tracking_number {number} is already on line {seen[number]}")
                else:
                    seen[number] = row.line
                    pending.append((row.line, got))
        if len(pending) >= batch_size:
            flush(row.line)
        progress(done)
    flush(last)
    if run is not None:
        run.finished_at = datetime.now(UTC)
        session.commit()
    else:
        session.rollback()
    return out
