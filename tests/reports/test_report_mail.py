"""Scheduled MIS reports reach managers through a real SMTP server, once per recipient and period."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from noc_api.accounts.service import add_user
from noc_api.reports.mail import last_complete_periods, send_scheduled_reports, smtp_send
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.alerting.conftest import smtp  # noqa: F401  (the real aiosmtpd fixture)
from tests.reports.fixtures import KHI, local, may_2026


def test_periods_are_local_and_complete() -> None:
    # 1 June 2026, 02:00 in Karachi (still 31 May in UTC).
    assert last_complete_periods(local(6, 1, 2), KHI) == [
        ("daily", local(5, 31).astimezone(KHI).date()),
        ("weekly", local(5, 25).astimezone(KHI).date()),  # 1 June 2026 is a Monday
        ("monthly", local(5, 1).astimezone(KHI).date()),
    ]


def test_reports_mailed_once_with_attachments(db_url: str, inventory_path: Path, tmp_path: Path, smtp) -> None:  # noqa: F811
    inbox, port = smtp
    rt = build(
        load_settings(
            database_url=db_url,
            inventory=inventory_path,
            env="test",
            run_scheduler=False,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="mis@ccis.test",
            attachments_dir=tmp_path / "att",
        )
    )
    try:
        with rt.sessions.begin() as s:
            may_2026(s)
            add_user(
                s, username="mayor.office", password="mayor password 1", role="mayor_office", email="mayor@ccis.test"
            )
            add_user(
                s,
                username="head.kwsb",
                password="head password 1",
                role="department_head",
                department="kwsb",
                email="head.kwsb@ccis.test",
            )
            add_user(s, username="no.mail", password="no mail password", role="senior_director")
        now = local(6, 1, 6)
        with rt.sessions.begin() as s:
            sent = send_scheduled_reports(s, rt.settings, rt.inventory, rt.topology, now, smtp_send)
        # Mayor's office: daily, weekly, monthly; department head: weekly, monthly; no e-mail, no mail.
        assert sent == 5 and len(inbox.mails) == 5
        with rt.sessions.begin() as s:
            assert (
                send_scheduled_reports(s, rt.settings, rt.inventory, rt.topology, now, smtp_send) == 0
            )  # a second run mails nothing again
        monthly = [m for m in inbox.mails if b"monthly report" in m.content and b"mayor@" in m.content]
        msg = email.message_from_bytes(monthly[0].content, policy=policy.default)
        assert msg["Subject"] == "CCIS monthly report — May 2026"
        assert "Received 5, resolved 3, pending 2, overdue 1." in msg.get_body(("plain",)).get_content()
        names = sorted(p.get_filename() for p in msg.iter_attachments())
        assert names == ["ccis-monthly-2026-04-30.pdf", "ccis-monthly-2026-04-30.xlsx"]
        assert all(len(p.get_content()) > 1000 for p in msg.iter_attachments())
    finally:
        rt.engine.dispose()
