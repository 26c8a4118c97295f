"""CSV, XLSX and PDF renderings open in their readers and hold the right totals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from noc_api.reports.render import Chart, Report, Table, to_csv, to_pdf, to_xlsx


def sample() -> Report:
    rows = [["Orangi", 120, 98, 89.7], ["Lyari", 80, 77, 99.9], ["Gadap", 15, 9, 71.25]]
    return Report(
        title="Monthly service delivery — May 2026",
        period="2026-05-01 to 2026-05-31",
        generated_at=datetime(2026, 6, 1, 2, 0, tzinfo=UTC),
        tables=[
            Table(
                "Complaints by town",
                ["Town", "Received", "Resolved", "Walk-in uptime %"],
                rows,
                totals=["Total", 215, 184, None],
                chart=Chart("Received", "Town", "Complaints received"),
            ),
            Table("Complaints by town", ["Town", "Received"], [["Orangi", 1]]),  # same title: sheet names stay unique
        ],
        notes=["Uptime excludes planned maintenance."],
    )


def test_csv_has_every_table_and_totals() -> None:
    text = to_csv(sample()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Monthly service delivery — May 2026", "2026-05-01 to 2026-05-31"]
    assert ["Town", "Received", "Resolved", "Walk-in uptime %"] in rows
    assert ["Total", "215", "184", ""] in rows
    assert ["Gadap", "15", "9", "71.25"] in rows


def test_xlsx_opens_with_sheets_and_totals() -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(sample())))
    assert wb.sheetnames[0] == "About" and len(wb.sheetnames) == 3
    ws = wb[wb.sheetnames[1]]
    assert [c.value for c in ws[1]] == ["Town", "Received", "Resolved", "Walk-in uptime %"]
    assert [c.value for c in ws[5]][:3] == ["Total", 215, 184]
    assert sum(ws.cell(row=r, column=2).value for r in range(2, 5)) == 215


def test_pdf_opens_and_shows_the_numbers() -> None:
    pdf = to_pdf(sample())
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Monthly service delivery" in text and "Orangi" in text and "215" in text and "89.7" in text
    assert "Complaints received" in text  # the chart's title is drawn
    assert reader.metadata.title == "Monthly service delivery — May 2026"
