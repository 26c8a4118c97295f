"""A delivery worker process (the server's delivery job alone), for the concurrency test:
``python -m tests.notify.worker DATABASE_URL GATEWAY_URL`` runs the job until no message is pending, then prints
how many it sent as JSON."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from complaint_core.adapters.orm import Notification
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.notify.delivery import Delivery
from noc_api.notify.notifiers import SmsNotifier
from noc_api.notify.retry import RetryPolicy


def main(url: str, gateway: str) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    delivery = Delivery(sessions, {"sms": SmsNotifier(gateway)}, lambda m: RetryPolicy(base=0.5, cap=1), limit=5)
    sent, runs = 0, 0
    deadline = time.monotonic() + 120  # bounded: the test fails on what is left
    while time.monotonic() < deadline:
        sent += delivery.run(datetime.now(UTC)).sent
        runs += 1
        with sessions() as s:
            left = s.scalar(select(func.count()).select_from(Notification).where(Notification.status == "pending"))
        if not left:
            break
        time.sleep(0.05)  # the other worker holds what is left: look again shortly
    engine.dispose()
    print(json.dumps({"sent": sent, "runs": runs}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
