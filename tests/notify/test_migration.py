"""Migration 0014 moves the alert and the complaint outboxes into one (intake replies get their own source), with
every attempt, and back, on both databases; afterwards the tables match the models and new rows get fresh ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from noc_api.db.engine import make_engine
from noc_api.db.metadata import all_metadata
from noc_api.db.migrate import alembic_config, upgrade

T = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
OUTBOX = {"notifications", "notification_attempts"}


def _to(engine: Engine, revision: str, down: bool = False) -> None:
    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _seed_0012(engine: Engine) -> None:
    """Two alert notices (one sent after a failure) and two complaint messages (one with its complaint)."""
    js = json.dumps
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO alert_groups (id, key, opened_at, notified_fps, notified_rank, escalation_level, told) "
                "VALUES (7, 'outage:1', :t, '[]', 0, 0, '[]')"
            ),
            {"t": T},
        )
        for nid, channel, target, status in (
            (1, "email", "eng@x.example", "sent"),
            (2, "sms", "+923001110001", "pending"),
        ):
            c.execute(
                text(
                    "INSERT INTO notifications (id, group_id, reason, receiver, channel, target, subject, body, "
                    "payload, alert_ids, status, created_at, next_attempt_at, attempts) VALUES (:id, 7, 'firing', "
                    "'eng-day', :ch, :tg, '[FIRING] radio down', 'body', :p, :ids, :st, :t, :t, 1)"
                ),
                {
                    "id": nid,
                    "ch": channel,
                    "tg": target,
                    "p": js({"reason": "firing"}),
                    "ids": js([3, 4]),
                    "st": status,
                    "t": T,
                },
            )
        c.execute(
            text(
                "INSERT INTO notification_attempts (notification_id, at, ok, detail) VALUES "
                "(1, :t, false, 'alert try 1'), (1, :t, true, 'alert try 2'), (2, :t, false, 'alert sms try')"
            ),
            {"t": T},
        )
        c.execute(
            text(
                "INSERT INTO complaints (id, tracking_number, channel, status, kind, priority, category_id, "
                "department_id, description, reopen_count, escalation_level, sla_warned, qc_required, channel_data, "
                "promised_seconds, pauses, registered_at, due_at, updated_at, created_by, version) VALUES (5, "
                "'KHI-2026-0000005', 'web', 'registered', 'open', 'normal', 'garbage', 'solid-waste', 'garbage', "
                "0, 0, false, false, '{}', 3600, '[]', :t, :t, :t, 'web', 1)"
            ),
            {"t": T},
        )
        for nid, medium, reason, complaint, status in (
            (1, "sms", "registered", 5, "sent"),
            (2, "sms", "registered", None, "failed"),
            (3, "whatsapp", "intake_reply", 5, "pending"),  # a reply on the WhatsApp line
        ):
            c.execute(
                text(
                    'INSERT INTO complaint_notifications (id, medium, "to", subject, body, reason, complaint_id, '
                    "status, attempts, next_attempt_at, created_at, last_error) VALUES (:id, :m, '+923001234567', "
                    "NULL, :body, :r, :c, :st, 1, :t, :t, :err)"
                ),
                {
                    "id": nid,
                    "m": medium,
                    "r": reason,
                    "body": f"complaint message {nid}",
                    "c": complaint,
                    "st": status,
                    "t": T,
                    "err": None if status == "sent" else "HTTP 500",
                },
            )
        c.execute(
            text(
                "INSERT INTO complaint_notification_attempts (notification_id, at, ok, detail) VALUES "
                "(1, :t, true, 'complaint ok'), (2, :t, false, 'complaint fail'), (2, :t, false, NULL)"
            ),
            {"t": T},
        )


def _attempts(c) -> list[tuple[str, str, str]]:
    """(source, address, detail) of every attempt in the one outbox, in order."""
    q = 'SELECT n.source, n."to", a.detail FROM notification_attempts a '
    q += "JOIN notifications n ON n.id = a.notification_id"
    return [tuple(r) for r in c.execute(text(q + " ORDER BY a.id"))]


def test_both_outboxes_move_into_one_and_back(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _to(engine, "0012")
        _seed_0012(engine)
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert tables >= OUTBOX and not {"complaint_notifications", "complaint_notification_attempts"} & tables
        with engine.connect() as c:
            rows = c.execute(
                text(
                    'SELECT source, medium, "to", reason, receiver, alert_group_id, complaint_id, status, last_error, '
                    "subject, body FROM notifications ORDER BY id"
                )
            ).all()
            assert [(r.source, r.medium, r.status) for r in rows] == [
                ("alert", "email", "sent"),
                ("alert", "sms", "pending"),
                ("complaint", "sms", "sent"),
                ("complaint", "sms", "failed"),
                ("intake", "whatsapp", "pending"),
            ]
            assert [(r.receiver, r.alert_group_id) for r in rows[:2]] == [("eng-day", 7)] * 2
            assert [(r.complaint_id, r.last_error, r.subject) for r in rows[2:]] == [
                (5, None, None),
                (None, "HTTP 500", None),
                (5, "HTTP 500", None),
            ]
            assert _attempts(c) == [
                ("alert", "eng@x.example", "alert try 1"),
                ("alert", "eng@x.example", "alert try 2"),
                ("alert", "+923001110001", "alert sms try"),
                ("complaint", "+923001234567", "complaint ok"),
                ("complaint", "+923001234567", "complaint fail"),
                ("complaint", "+923001234567", ""),
            ]
            by_message = c.execute(
                text(
                    "SELECT n.body, count(a.id) FROM notifications n LEFT JOIN notification_attempts a "
                    "ON a.notification_id = n.id WHERE n.source = 'complaint' GROUP BY n.body ORDER BY n.body"
                )
            ).all()
            assert [tuple(r) for r in by_message] == [("complaint message 1", 1), ("complaint message 2", 2)]
            diff = compare_metadata(MigrationContext.configure(c), all_metadata())
        assert [d for d in diff if any(t in str(d) for t in OUTBOX)] == []
        with engine.begin() as c:  # the id sequence continues past the moved rows (PostgreSQL)
            c.execute(
                text(
                    'INSERT INTO notifications (source, medium, "to", body, reason, status, attempts, '
                    "next_attempt_at, created_at) VALUES ('complaint', 'email', 'a@b.example', 'new', 'resolved', "
                    "'pending', 0, :t, :t)"
                ),
                {"t": T},
            )
            assert c.execute(text("SELECT max(id) FROM notifications")).scalar_one() == 6

        _to(engine, "0012", down=True)
        tables = set(inspect(engine).get_table_names())
        assert {"complaint_notifications", "complaint_notification_attempts"} <= tables
        cols = {col["name"] for col in inspect(engine).get_columns("notifications")}
        assert {"group_id", "channel", "target"} <= cols and not {"source", "medium", "to"} & cols
        with engine.connect() as c:
            alerts = c.execute(text("SELECT group_id, channel, target FROM notifications ORDER BY id")).all()
            assert [tuple(r) for r in alerts] == [(7, "email", "eng@x.example"), (7, "sms", "+923001110001")]
            back = c.execute(text("SELECT body, complaint_id, status FROM complaint_notifications ORDER BY id")).all()
            assert [tuple(r) for r in back] == [
                ("complaint message 1", 5, "sent"),
                ("complaint message 2", None, "failed"),
                ("complaint message 3", 5, "pending"),
                ("new", None, "pending"),
            ]
            details = c.execute(text("SELECT detail FROM notification_attempts ORDER BY id")).scalars().all()
            assert details == ["alert try 1", "alert try 2", "alert sms try"]
            theirs = c.execute(text("SELECT detail FROM complaint_notification_attempts ORDER BY id")).scalars().all()
            assert theirs == ["complaint ok", "complaint fail", ""]
        upgrade(engine)  # and forward again
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM notifications")).scalar_one() == 6
            sources = c.execute(text("SELECT source, count(*) FROM notifications GROUP BY source ORDER BY source"))
            assert [tuple(r) for r in sources] == [("alert", 2), ("complaint", 3), ("intake", 1)]
            assert c.execute(text("SELECT count(*) FROM notification_attempts")).scalar_one() == 6
    finally:
        engine.dispose()
