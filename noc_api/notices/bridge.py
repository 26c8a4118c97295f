"""The channel-down notice: a HealthListener that keeps one automatic notice per public complaint channel that is
down, for the towns it serves, pointing to the channels still up; withdrawn when the channel is back.

It converges from the snapshot every sweep (not only from this sweep's events), so a restart or a failed sweep
never leaves a notice up for a channel that recovered, nor a down channel without one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from noc_api.db.notice_models import AreaNotice
from noc_api.health.model import HealthSnapshot, OutageEvent, State
from noc_api.notices import service
from noc_api.notices.words import ChannelInfo, channel_down_text, channel_down_title

PREFIX = "channel:"
DOWN = (State.DOWN, State.UNREACHABLE)
UP = (State.UP, State.DEGRADED)
REUSE = timedelta(minutes=10)  # a channel failing again this soon gets its notice back, not a second message


@dataclass(repr=False)
class NoticeBridge:
    channels: dict[str, ChannelInfo]  # the public channels
    area: service.Area
    tz: str
    on_change: Callable[[], None] = field(default=lambda: None)  # e.g. rebuild the public status board
    seen: dict[str, str] = field(default_factory=dict)  # channel id -> state at the last sweep
    name = "notices"

    def on_health(self, session: Session, snapshot: HealthSnapshot, events: list[OutageEvent], now: datetime) -> None:
        down = {c: h for c, h in snapshot.channels.items() if c in self.channels and h.state in DOWN}
        up = [self.channels[c] for c, h in snapshot.channels.items() if c in self.channels and h.state in UP]
        raised: dict[str, AreaNotice] = {
            n.auto_key or "": n
            for n in session.scalars(
                select(AreaNotice).where(AreaNotice.auto_key.like(PREFIX + "%"), AreaNotice.withdrawn_at.is_(None))
            )
        }
        states = {c: h.state.value for c, h in snapshot.channels.items() if c in self.channels}
        changed = states != self.seen
        self.seen = states
        for cid, health in down.items():
            notice = raised.get(PREFIX + cid)
            if notice is None:
                self._raise(session, snapshot, cid, health.since, up, now)
                changed = True
            elif notice.body != (text := self._text(snapshot, cid, health.since, up)):
                # The alternatives it names follow what is open now (a portal that also failed is no advice);
                # subscribers were told once, at the raise, and are not told again.
                notice.body = text
                changed = True
        for key, notice in raised.items():
            if key.removeprefix(PREFIX) not in down:
                service.withdraw(session, notice.id, "noc", now)
                changed = True
        if changed:  # once the sweep is committed, so the board reads what this sweep wrote
            event.listen(session, "after_commit", lambda _s: self.on_change(), once=True)

    def _raise(
        self, session: Session, snap: HealthSnapshot, cid: str, since: datetime, up: list[ChannelInfo], now: datetime
    ) -> None:
        ch = self.channels[cid]
        recent = session.scalars(
            select(AreaNotice)
            .where(AreaNotice.auto_key == PREFIX + cid, AreaNotice.withdrawn_at > now - REUSE)
            .order_by(AreaNotice.id.desc())
            .limit(1)
        ).first()
        if recent is not None:  # flapping: the same notice again, its subscribers were told already
            recent.withdrawn_at = recent.withdrawn_by = None
            return
        text = self._text(snap, cid, since, up)
        service.publish(
            session, self.area, kind="counter_closed" if ch.kind == "walk_in" else "channel_down",
            title=channel_down_title(ch), body=text, town_id=ch.town_id, ward=None, starts_at=since, ends_at=None,
            by="noc", now=now, auto_key=PREFIX + cid,
        )  # fmt: skip

    def _text(self, snap: HealthSnapshot, cid: str, since: datetime, up: list[ChannelInfo]) -> str:
        cause = next((o.cause.value for o in snap.outages if cid in o.channels), None)
        return channel_down_text(self.channels[cid], since, cause, up, self.tz)
