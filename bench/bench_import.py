"""Legacy import: 100,000 rows with a few hundred bad ones through the real `ccis import legacy`.

Beside it, the ceiling measured in the same run on a fresh database of the same schema: a bare csv.reader parse
of the same file and batched inserts of its rows into the same complaints table (same indexes and full-text
index), with no mapping, validation, routing or history. The import must report every bad row and import
every good one; the figure is its time against the ceiling's.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--bad 300] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database  # noqa: E402
from complaint_core.adapters.orm import ComplaintRow  # noqa: E402
from noc_api.runtime import build  # noqa: E402
from noc_api.settings import load_settings  # noqa: E402
from tests.legacy.make_legacy import MAPPING, write_legacy  # noqa: E402
from tests.support import CCIS  # noqa: E402


def ceiling(db_url: str, path: Path) -> tuple[float, int]:
    """Seconds to parse the file with csv.reader and insert its rows in batches of 1000 (one commit each)."""
    rt = build(load_settings(database_url=db_url, inventory=ROOT / "inventory.yaml"))
    table = ComplaintRow.__table__
    now = datetime.now(UTC)
    base = {c.key: None for c in table.columns if c.key != "id"}
    base |= {
        "channel": "call_centre",
        "status": "closed",
        "kind": "closed",
        "priority": "normal",
        "category_id": "garbage",
        "department_id": "solid-waste",
        "reopen_count": 0,
        "escalation_level": 0,
        "sla_warned": False,
        "qc_required": False,
        "channel_data": {},
        "promised_seconds": 86400.0,
        "pauses": [],
        "due_at": now,
        "updated_at": now,
        "created_by": "ceiling",
        "version": 1,
    }
    started = time.perf_counter()
    n, batch, seen = 0, [], set()
    with path.open(newline="", encoding="utf-8") as f, rt.engine.connect() as conn:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            if len(row) < 4 or not row[0] or row[0] in seen:
                continue
            seen.add(row[0])
            batch.append(base | {"tracking_number": row[0], "description": row[3], "registered_at": now})
            if len(batch) == 1000:
                conn.execute(table.insert(), batch)
                conn.commit()
                n, batch = n + len(batch), []
        if batch:
            conn.execute(table.insert(), batch)
            conn.commit()
            n += len(batch)
    took = time.perf_counter() - started
    rt.engine.dispose()
    return took, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--bad", type=int, default=300)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp_name:
        tmp = Path(tmp_name)
        data, mapping = tmp / "legacy.csv", tmp / "map.yaml"
        made = write_legacy(data, args.rows, args.bad)
        mapping.write_text(MAPPING)
        with database(args.backend, tmp) as db_url:
            ceiling_s, ceiling_rows = ceiling(db_url, data)
        with database(args.backend, tmp) as db_url:
            env = {**os.environ, "CCIS_DATABASE_URL": db_url, "CCIS_INVENTORY": str(ROOT / "inventory.yaml")}
            subprocess.run([CCIS, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
            started = time.perf_counter()
            done = subprocess.run(
                [CCIS, "import", "legacy", str(data), "--mapping", str(mapping)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            took = time.perf_counter() - started
    reported = {int(m.group(1)) for m in re.finditer(r"\.csv:(\d+): ", done.stderr)}
    summary = done.stderr.strip().splitlines()[-1]
    if reported != set(made["bad"]) or f"imported {len(made['good'])}," not in summary:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit("the import did not report every bad row or import every good one")
    print(
        f"legacy import ({args.backend}): {args.rows:,} rows, {len(reported)} bad reported, "
        f"{len(made['good']):,} imported"
    )
    print(f"  ccis import legacy:           {took:7.1f} s  ({len(made['good']) / took:,.0f} rows/s, start included)")
    print(f"  ceiling (csv parse + insert): {ceiling_s:7.1f} s  ({ceiling_rows / ceiling_s:,.0f} rows/s)")
    print(f"  import / ceiling:             {took / ceiling_s:7.1f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
