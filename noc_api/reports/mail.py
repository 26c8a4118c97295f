"""Scheduled MIS reports e-mailed to managers: daily, weekly and monthly, each sent once per recipient."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from noc_api.db import models as m
from noc_api.db.ticket_models import ReportDelivery
from noc_api.health.topology import Topology
from noc_api.inventory import Inventory
from noc_api.reports.render import to_pdf, to_xlsx
from noc_api.reports.service import as_report, mis_report
from noc_api.settings import Settings

RECIPIENT_ROLES = {
    "daily": ("mayor_office", "senior_director", "qc_officer"),
    "weekly": ("mayor_office", "senior_director", "department_head", "town_head"),
    "monthly": ("mayor_office", "senior_director", "department_head", "town_head", "qc_officer"),
}

Mailer = Callable[[Settings, EmailMessage], None]


def last_complete_periods(now: datetime, tz: ZoneInfo) -> list[tuple[str, date]]:
    """The most recent finished day, week and month in local time, as (kind, a day inside it)."""
    today = now.astimezone(tz).date()
    yesterday = today - timedelta(days=1)
    last_week = today - timedelta(days=today.weekday() + 7)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return [("daily", yesterday), ("weekly", last_week), ("monthly", last_month)]


def smtp_send(settings: Settings, msg: EmailMessage) -> None:
    """Send through the configured SMTP server (STARTTLS and login when set)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(msg)


def send_scheduled_reports(
    session: Session,
    settings: Settings,
    inventory: Inventory,
    topology: Topology,
    now: datetime,
    mailer: Mailer = smtp_send,
) -> int:
    """Mail every due report to its recipients that have not had it yet; returns the number of mails sent."""
    if not settings.smtp_host:
        return 0
    tz = ZoneInfo(inventory.city.timezone)
    sent = 0
    for kind, day in last_complete_periods(now, tz):
        users = session.scalars(
            select(m.User).where(
                m.User.role.in_(RECIPIENT_ROLES[kind]), m.User.active.is_(True), m.User.email.is_not(None)
            )
        ).all()
        done = {
            r.recipient
            for r in session.scalars(
                select(ReportDelivery).where(ReportDelivery.kind == kind, ReportDelivery.period_day == day)
            )
        }
        todo = [u for u in users if u.email and u.email not in done]
        if not todo:
            continue
        data = mis_report(session, inventory, topology, kind=kind, day=day, now=now)
        report = as_report(data, f"CCIS {kind} report", now)
        pdf, xlsx = to_pdf(report), to_xlsx(report)
        for user in todo:
            msg = EmailMessage()
            msg["From"], msg["To"] = settings.smtp_from, user.email
            msg["Subject"] = report.title
            overall = data["overall"] or {}
            msg.set_content(
                f"{report.title}\n\nReceived {overall.get('received', 0)}, resolved {overall.get('resolved', 0)}, "
                f"pending {overall.get('pending', 0)}, overdue {overall.get('overdue', 0)}.\n\n"
                + "\n".join(data["stories"])
                + "\n\nThe full report is attached (PDF and XLSX).\n"
            )
            stem = f"ccis-{kind}-{data['period']['start'][:10]}"
            msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{stem}.pdf")
            msg.add_attachment(
                xlsx,
                maintype="application",
                subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename=f"{stem}.xlsx",
            )
            mailer(settings, msg)
            session.add(ReportDelivery(kind=kind, period_day=day, recipient=user.email, sent_at=now))
            session.flush()
            sent += 1
    return sent
