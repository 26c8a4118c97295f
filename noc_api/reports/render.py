"""Render a tabular report as CSV, XLSX (openpyxl) or PDF with bar charts (reportlab)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

Cell = str | int | float | None


@dataclass(frozen=True)
class Chart:
    """A bar chart of one numeric column against the label column."""

    value_column: str
    label_column: str
    title: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    totals: list[Cell] | None = None
    chart: Chart | None = None


@dataclass(frozen=True)
class Report:
    title: str
    period: str
    generated_at: datetime
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _fmt(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _esc(text: str) -> str:
    """A Paragraph reads mini-HTML: names such as "KW&SB" must not be taken for markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_csv(report: Report) -> bytes:
    """All tables in one CSV: a title row before each table, a blank row after it."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([report.title, report.period])
    for table in report.tables:
        w.writerow([])
        w.writerow([table.title])
        w.writerow(table.columns)
        w.writerows([["" if v is None else v for v in row] for row in table.rows])
        if table.totals:
            w.writerow(["" if v is None else v for v in table.totals])
    return buf.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read Urdu names right


def to_xlsx(report: Report) -> bytes:
    """One worksheet per table, header bold and frozen, totals bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in report.tables:
        name = _sheet_name(table.title, used)
        ws = wb.create_sheet(name)
        ws.append(table.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append(row)
        if table.totals:
            ws.append(table.totals)
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, col in enumerate(table.columns, 1):
            width = max([len(str(col))] + [len(_fmt(r[i - 1])) for r in table.rows[:500]])
            ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    meta = wb.create_sheet("About", 0)
    meta.append([report.title])
    meta["A1"].font = Font(bold=True, size=14)
    meta.append(["Period", report.period])
    meta.append(["Generated", report.generated_at.isoformat(timespec="seconds")])
    for note in report.notes:
        meta.append([note])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name)
    return name


def to_pdf(report: Report) -> bytes:
    """A4 landscape PDF: title, notes, then each table with its bar chart."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=report.title,
        author="CCIS",
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
    )
    story: list = [
        Paragraph(_esc(report.title), styles["Title"]),
        Paragraph(
            f"{_esc(report.period)} &middot; generated {report.generated_at:%d %b %Y %H:%M %Z}", styles["Normal"]
        ),
        Spacer(1, 0.4 * cm),
    ]
    story += [Paragraph(_esc(n), styles["Italic"]) for n in report.notes]
    for table in report.tables:
        story += [Spacer(1, 0.5 * cm), Paragraph(_esc(table.title), styles["Heading2"])]
        if table.chart and table.rows:
            story.append(_bar_chart(table, table.chart, doc.width))
        data = [table.columns] + [[_fmt(v) for v in row] for row in table.rows]
        if table.totals:
            data.append([_fmt(v) for v in table.totals])
        t = LongTable(data, repeatRows=1, hAlign="LEFT")
        style = [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
            ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]
        if table.totals:
            style.append(("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8))
        t.setStyle(TableStyle(style))
        story.append(t)
    doc.build(story)
    return out.getvalue()


def _bar_chart(table: Table, chart: Chart, width: float) -> Drawing:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    vi, li = table.columns.index(chart.value_column), table.columns.index(chart.label_column)
    rows = table.rows[:30]
    values = [float(r[vi] or 0) for r in rows]
    d = Drawing(width, 180)
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 40, 45, width - 60, 115
    bc.data = [values]
    bc.categoryAxis.categoryNames = [str(r[li])[:14] for r in rows]
    bc.categoryAxis.labels.angle = 30
    bc.categoryAxis.labels.fontSize = 6
    bc.categoryAxis.labels.boxAnchor = "ne"
    bc.valueAxis.valueMin = 0
    bc.valueAxis.labels.fontSize = 7
    bc.bars[0].fillColor = colors.HexColor("#2f6f9f")
    d.add(bc)
    d.add(String(40, 168, chart.title or chart.value_column, fontSize=9))
    return d
