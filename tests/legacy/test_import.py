"""`ccis import legacy` through the real command, on both databases: bad rows reported FILE:LINE: reason, good
rows imported with their old numbers, then tracked, searched, published over Open311 and counted in the MIS by
their real dates; dry runs, re-runs, XLSX, mapping errors, and an import killed half-way that resumes."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine, func, select, text

from complaint_core.adapters.orm import ComplaintRow
from tests.complaints.conftest import make_env
from tests.legacy.make_legacy import MAPPING, write_legacy
from tests.support import CCIS, ROOT, stop, wait_for


def _env(db_url: str, inventory_path: Path) -> dict[str, str]:
    return {**os.environ, "CCIS_DATABASE_URL": db_url, "CCIS_INVENTORY": str(inventory_path), "CCIS_ENV": "test"}


def _import(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CCIS, "import", "legacy", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def _problems(stderr: str) -> dict[int, str]:
    """{line: reason} of the FILE:LINE: reason lines."""
    found = (re.match(r"^\S+\.(?:csv|xlsx):(\d+): (.*)$", line) for line in stderr.splitlines())
    return {int(m.group(1)): m.group(2) for m in found if m}


def test_import_keeps_old_numbers_trackable_searchable_and_counted(
    db_url: str, inventory_path: Path, tmp_path: Path
) -> None:
    data, mapping = tmp_path / "old-system.csv", tmp_path / "map.yaml"
    made = write_legacy(data, 300, 14)
    with data.open("a", newline="") as f:  # a number in the city's own form, from this year
        csv.writer(f).writerow(
            [
                "KHI-2026-0000050",
                "05/01/2026",
                "Garbage",
                "Old garbage heap",
                "A",
                "03001112223",
                "Orangi Town",
                "Orangi UC-1",
                "Pending",
                "",
            ]
        )
    mapping.write_text(MAPPING)
    env = _env(db_url, inventory_path)

    dry = _import(env, str(data), "--mapping", str(mapping), "--dry-run")
    assert dry.returncode == 1 and "would import 287" in dry.stderr, dry.stderr
    first = _import(env, str(data), "--mapping", str(mapping), "--batch", "50")
    assert first.returncode == 1, first.stderr
    reported = _problems(first.stderr)
    assert set(reported) == set(made["bad"]) and _problems(dry.stderr) == reported
    kinds = {made["bad"][line]: reason for line, reason in reported.items()}
    assert kinds["no number"] == "tracking_number ('Complaint No') is empty"
    assert "registered_at ('Lodged On') '31/02/2020 10:00' is not a date as %d/%m/%Y %H:%M" in kinds["bad date"]
    assert kinds["unknown type"] == "category 'Noise' is not mapped (values.category) nor a CCIS category"
    assert kinds["bad phone"].startswith("phone ('Mobile') '12'")
    assert "is already on line" in kinds["duplicate"]
    assert (
        "resolved_at ('Disposed On')" in kinds["disposed before lodged"]
        and "is before" in kinds["disposed before lodged"]
    )
    assert kinds["short row"] == "4 fields where the header has 10"
    assert "301 rows, imported 287, skipped 0 already imported, 14 bad" in first.stderr
    again = _import(env, str(data), "--mapping", str(mapping))
    assert "imported 0, skipped 287 already imported, 14 bad" in again.stderr  # a re-run changes nothing

    old = made["good"][10]
    for app in make_env(db_url, inventory_path, tmp_path, run_scheduler=False):
        c = app.client
        row = c.get(f"/api/v1/complaints/{old}", headers=app.h("admin")).json()
        assert row["tracking_number"] == old and row["created_by"] == "legacy-import"
        assert [h["action"] for h in row["history"]][0] == "import"
        assert c.get(f"/track/{old}").status_code == 200
        # An imported complaint had no code in any SMS: its citizen tracks it by the whole phone number.
        public = c.get(f"/api/v1/public/complaints/{old}", params={"phone": row["phone"]}).json()
        assert public["tracking_number"] == old and datetime.fromisoformat(
            public["registered_at"]
        ) == datetime.fromisoformat(row["registered_at"])
        (o311,) = c.get(f"/open311/v2/requests/{old}.json").json()
        assert o311["service_request_id"] == old
        found = c.get("/api/v1/complaints", params={"tracking_number": old.lower()}, headers=app.h("admin")).json()
        assert [x["tracking_number"] for x in found] == [old]
        words = c.get("/api/v1/complaints", params={"q": "near block 40", "limit": 200}, headers=app.h("admin"))
        assert any(x["tracking_number"].endswith("-0000040") for x in words.json()), words.text
        # The MIS counts them by their real dates: every good row lodged in 2021 (Karachi time) is received in 2021.
        with data.open(newline="") as f:
            rows = list(csv.DictReader(f))
        good = set(made["good"])
        in_2021 = sum(
            1
            for r in rows
            if r["Complaint No"] in good and datetime.strptime(r["Lodged On"][:10], "%d/%m/%Y").year == 2021
        )
        mis = c.get("/api/v1/reports/mis", params={"period": "yearly", "date": "2021-06-01"}, headers=app.h("mayor"))
        assert mis.status_code == 200, mis.text
        assert mis.json()["overall"]["received"] == in_2021 > 0
        # A new complaint never takes an imported number of the city's own form.
        fresh = app.register()
        assert fresh["tracking_number"] == "KHI-2026-0000051"


def test_xlsx_with_typed_cells_and_the_errors_of_a_bad_mapping(tmp_path: Path, inventory_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    env = _env(db, inventory_path)
    book = Workbook()
    sheet = book.active
    sheet.title = "Complaints"
    sheet.append(["No", "Date", "Type", "Details", "Phone", "Town"])
    sheet.append([1001, datetime(2020, 5, 4, 10, 30), "Garbage", "Heap", 3001234567, "Lyari Town"])
    sheet.append([1002, "yesterday", "Garbage", "Heap", 3001234567, "Lyari Town"])
    path = tmp_path / "old.xlsx"
    book.save(path)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {tracking_number: 'No', registered_at: Date, category: Type, description: Details, phone: Phone,\n"
        "          town: Town}\n"
        "values:\n  category: {Garbage: garbage}\n  town: {Lyari Town: lyari}\n"
        "dates: {formats: ['%d/%m/%Y']}\n"
        "sheet: Complaints\n"
    )
    done = _import(env, str(path), "--mapping", str(mapping))
    assert _problems(done.stderr) == {3: "registered_at ('Date') 'yesterday' is not a date as %d/%m/%Y"}
    engine = create_engine(db)
    with engine.connect() as conn:
        got = conn.execute(select(ComplaintRow.tracking_number, ComplaintRow.phone, ComplaintRow.status)).all()
    engine.dispose()
    assert got == [("1001", "+923001234567", "closed")]

    mapping.write_text(
        "columns:\n  tracking_number: No\n  when: Date\nvalues:\n  colour: {}\ndates: {timezone: Mars/Base}\n"
    )
    bad = _import(env, str(path), "--mapping", str(mapping))
    assert bad.returncode == 1
    assert f"{mapping}:2: columns.tracking_number: Input should be a valid string (YAML reads No" in bad.stderr
    assert f"{mapping}:6: dates.timezone: Value error, unknown time zone 'Mars/Base'" in bad.stderr
    mapping.write_text("columns: {tracking_number: Number, registered_at: Date, category: Type}\n")
    missing = _import(env, str(path), "--mapping", str(mapping))
    assert f"{path}:1: column 'Number' is not in the header (columns.tracking_number, {mapping}:1)" in missing.stderr
    mapping.write_text("columns:\n  tracking_number: 'No'\n  when: Date\n  category: Type\nvalues:\n  colour: {}\n")
    unknown = _import(env, str(path), "--mapping", str(mapping))
    assert f"{mapping}:3: columns.when: not a field" in unknown.stderr
    assert f"{mapping}:1: columns.registered_at is required" in unknown.stderr
    assert f"{mapping}:6: values.colour: only category, town" in unknown.stderr


def test_an_import_killed_half_way_resumes_after_its_last_batch(
    db_url: str, inventory_path: Path, tmp_path: Path
) -> None:
    data, mapping = tmp_path / "big.csv", tmp_path / "map.yaml"
    made = write_legacy(data, 6000, 30)
    mapping.write_text(MAPPING)
    env = _env(db_url, inventory_path)
    subprocess.run([CCIS, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    engine = create_engine(db_url)

    def committed() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT coalesce(max(last_line), 0) FROM legacy_import_runs")).scalar_one()

    proc = subprocess.Popen(
        [CCIS, "import", "legacy", str(data), "--mapping", str(mapping), "--batch", "100"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for("a first committed batch", lambda: committed() > 0 or proc.poll() is not None, timeout=300)
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: only committed batches survive
        proc.wait(30)
    finally:
        stop(proc)
    cut = committed()
    assert 0 < cut < 6001, "the import finished before it could be killed: make the file bigger"
    resumed = _import(env, str(data), "--mapping", str(mapping), "--batch", "100")
    assert f"resumed after line {cut}" in resumed.stderr, resumed.stderr
    assert set(_problems(resumed.stderr)) == {line for line in made["bad"] if line > cut}
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(ComplaintRow)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(ComplaintRow.tracking_number)))).scalar_one()
        run = conn.execute(text("SELECT imported, bad, finished_at FROM legacy_import_runs")).one()
    engine.dispose()
    assert n == distinct == len(made["good"]) == run.imported and run.bad == 30 and run.finished_at is not None
