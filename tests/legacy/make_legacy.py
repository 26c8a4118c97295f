"""A legacy system's export, made up: CSV rows in the old system's own words and date format, with a known set
of bad rows, and the mapping that reads it. Shared by the import tests and bench/bench_import.py."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

HEADER = [
    "Complaint No",
    "Lodged On",
    "Type",
    "Details",
    "Complainant",
    "Mobile",
    "Town",
    "UC",
    "Status",
    "Disposed On",
]
TYPES = ["Garbage", "Water Leakage", "Sewerage", "Street Light", "Pothole"]
TOWNS = ["Orangi Town", "Lyari Town", "Korangi Town", "Saddar Town", "Gulberg Town"]
STATUSES = ["Disposed", "Disposed", "Disposed", "Pending", "In Process", "Rejected", "Resolved"]
BAD_KINDS = ["no number", "bad date", "unknown type", "bad phone", "duplicate", "disposed before lodged", "short row"]

MAPPING = """\
# The old complaint system's export (one row per complaint).
columns:
  tracking_number: Complaint No
  registered_at: Lodged On
  category: Type
  description: Details
  citizen_name: Complainant
  phone: Mobile
  town: Town
  ward: UC
  status: Status
  resolved_at: Disposed On
dates:
  formats: ["%d/%m/%Y %H:%M", "%d/%m/%Y"]
  timezone: Asia/Karachi
values:
  category: {Garbage: garbage, Water Leakage: water-leakage, Sewerage: sewerage, Street Light: street-lighting,
             Pothole: roads-pothole}
  town: {Orangi Town: orangi, Lyari Town: lyari, Korangi Town: korangi, Saddar Town: saddar, Gulberg Town: gulberg}
  status: {Pending: registered, In Process: in_progress, Disposed: closed, Resolved: resolved, Rejected: rejected}
defaults:
  channel: call_centre
"""


def write_legacy(path: Path, rows: int, bad: int, *, seed: int = 7, start: datetime = datetime(2019, 1, 1)) -> dict:
    """Write ``rows`` data rows, ``bad`` of them bad (spread evenly); returns {line: kind} of the bad ones and the
    numbers of the good ones."""
    rnd = random.Random(seed)
    every = max(1, rows // bad) if bad else rows + 1
    bad_lines: dict[int, str] = {}
    good: list[str] = []
    span = (datetime(2025, 12, 1) - start).total_seconds()
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(1, rows + 1):
            lodged = start + timedelta(seconds=rnd.random() * span)
            status = STATUSES[i % len(STATUSES)]
            disposed = lodged + timedelta(hours=rnd.randint(2, 400)) if status in ("Disposed", "Resolved") else None
            town = TOWNS[i % len(TOWNS)]
            number = f"KHI-{lodged.year}-{i:07d}"
            row = [
                number,
                lodged.strftime("%d/%m/%Y %H:%M"),
                TYPES[i % len(TYPES)],
                f"Complaint {i}: {TYPES[i % len(TYPES)].lower()} problem reported near block {i % 97}",
                f"Citizen {i}",
                f"0300{i % 10_000_000:07d}",
                town,
                f"{town.split()[0]} UC-{1 + i % 3}",
                status,
                disposed.strftime("%d/%m/%Y %H:%M") if disposed else "",
            ]
            line = i + 1
            if bad and i % every == 0 and len(bad_lines) < bad:
                kind = BAD_KINDS[len(bad_lines) % len(BAD_KINDS)]
                bad_lines[line] = kind
                if kind == "no number":
                    row[0] = ""
                elif kind == "bad date":
                    row[1] = "31/02/2020 10:00"
                elif kind == "unknown type":
                    row[2] = "Noise"
                elif kind == "bad phone":
                    row[5] = "12"
                elif kind == "duplicate":
                    row[0] = good[-1].split("|")[0] if good else row[0]
                elif kind == "disposed before lodged":
                    row[8], row[9] = "Disposed", (lodged - timedelta(days=3)).strftime("%d/%m/%Y %H:%M")
                elif kind == "short row":
                    row = row[:4]
            else:
                good.append(number)
            w.writerow(row)
    return {"bad": bad_lines, "good": good}
