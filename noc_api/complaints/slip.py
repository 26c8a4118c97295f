"""The printed complaint document / counter slip: reportlab PDF with a QR code to the public status page."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def _qr_png(url: str) -> bytes:
    img = qrcode.make(url, box_size=6, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def slip_pdf(d: dict[str, Any]) -> bytes:
    """One A5 page: who, what, where, the tracking number, the promised date, the QR code and a stamp box."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5, pageCompression=1)
    c.setTitle(f"Complaint {d['tracking_number']}")
    width, height = A5
    y = height - 18 * mm
    c.setFont("Helvetica-Bold", 14)
    c.drawString(12 * mm, y, f"{d.get('city', '')} Citizen Complaint - {d['tracking_number']}")
    c.setFont("Helvetica", 10)
    rows = [
        ("Registered", d.get("registered_local") or f"{d['registered_at']:%d %b %Y %H:%M} UTC"),
        ("Promised by", d.get("due_local") or f"{d['due_at']:%d %b %Y %H:%M} UTC"),
        ("Channel", d.get("channel_label") or d["channel"]),
        *([("Call reference", d["call_ref"])] if d.get("call_ref") else []),  # the 1339 call's recording
        ("Category", d.get("category_label") or d["category_id"]),
        ("Department", d.get("department_label") or d["department_id"]),
        ("Town / ward", f"{d.get('town_label') or d.get('town_id') or 'city-wide'} / {d.get('ward') or '-'}"),
        ("Citizen", d.get("citizen_name") or "-"),
        ("Status", d.get("status_label") or d["status"]),
        *([("Tracking code", d["access_code"])] if d.get("access_code") else []),  # with the number, it tracks it
    ]
    y -= 10 * mm
    for label, value in rows:
        c.drawString(12 * mm, y, f"{label}:")
        c.drawString(42 * mm, y, str(value)[:70])
        y -= 6 * mm
    c.drawString(12 * mm, y, "Description:")
    y -= 5 * mm
    text = c.beginText(12 * mm, y)
    desc = d.get("description") or ""
    for i in range(0, min(len(desc), 560), 80):
        text.textLine(desc[i : i + 80])
    c.drawText(text)
    qr = ImageReader(io.BytesIO(_qr_png(d["public_url"])))
    c.drawImage(qr, width - 45 * mm, 12 * mm, 33 * mm, 33 * mm)
    c.setFont("Helvetica", 8)
    c.drawString(12 * mm, 20 * mm, f"Track: {d['public_url']}")
    c.drawString(12 * mm, 15 * mm, "with the tracking number and the tracking code above (or your whole phone number).")
    c.rect(12 * mm, 26 * mm, 60 * mm, 22 * mm)  # office stamp area
    c.drawString(14 * mm, 44 * mm, "Office stamp and signature")
    c.showPage()
    c.save()
    return buf.getvalue()
