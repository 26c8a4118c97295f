"""Two delivery workers (separate processes) drain one outbox at the same time and never send a message twice:
SKIP LOCKED claims on PostgreSQL, the single writer's guarded claim on SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from complaint_core.adapters.orm import Notification, NotificationAttempt
from complaint_core.services.notify import enqueue
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from tests.notify.peers import gateway
from tests.support import ROOT

MESSAGES = 40


def test_two_workers_never_send_one_message_twice(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as s:
        for i in range(MESSAGES):
            enqueue(s, medium="sms", to=f"+9230000{i:05d}", body=f"message {i}", reason="registered", now=now)
    # The first request is held until the other worker's arrives: both are provably sending at once.
    with gateway(hold_first=True, delay=0.01) as gw:
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.notify.worker", db_url, gw.url + "/sms"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            outs = [w.communicate(timeout=180) for w in workers]
        finally:
            for w in workers:
                if w.poll() is None:
                    w.kill()
                    w.wait(10)
        assert all(w.returncode == 0 for w in workers), [err[-2000:] for _, err in outs]
        sent = [json.loads(out.strip().splitlines()[-1])["sent"] for out, _ in outs]
        texts = Counter(b["text"] for b in gw.accepted())
        assert gw.max_in_flight >= 2 and gw.second.is_set()
    assert sum(sent) == MESSAGES and all(n > 0 for n in sent), sent
    assert len(texts) == MESSAGES and set(texts.values()) == {1}, texts.most_common(3)
    with sessions() as s:
        assert set(s.scalars(select(Notification.status))) == {"sent"}
        attempts = s.scalars(select(NotificationAttempt)).all()
        assert len(attempts) == MESSAGES and all(a.ok for a in attempts)
    engine.dispose()
