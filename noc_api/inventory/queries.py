"""Queries over the synced inventory."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from noc_api.db import models as m
from noc_api.inventory.schemas import ChannelOut, DeviceOut, SiteDetail, SiteOut


def list_sites(session: Session, *, kind: str | None = None, town: str | None = None) -> list[SiteOut]:
    stmt = select(m.Site).where(m.Site.active.is_(True)).order_by(m.Site.id)
    if kind:
        stmt = stmt.where(m.Site.kind == kind)
    if town:
        stmt = stmt.where(m.Site.town_id == town)
    return [SiteOut.model_validate(s) for s in session.scalars(stmt)]


def get_site(session: Session, site_id: str) -> SiteDetail | None:
    site = session.get(m.Site, site_id)
    if site is None or not site.active:
        return None
    devices = session.scalars(
        select(m.Device).where(m.Device.site_id == site_id, m.Device.active.is_(True)).order_by(m.Device.id)
    )
    channels = session.scalars(
        select(m.Channel).where(m.Channel.site_id == site_id, m.Channel.active.is_(True)).order_by(m.Channel.id)
    )
    return SiteDetail(
        **SiteOut.model_validate(site).model_dump(),
        devices=[DeviceOut.model_validate(d) for d in devices],
        channels=[ChannelOut.model_validate(c) for c in channels],
    )


def list_devices(
    session: Session, *, site: str | None = None, kind: str | None = None, limit: int = 1000, offset: int = 0
) -> list[DeviceOut]:
    stmt = select(m.Device).where(m.Device.active.is_(True)).order_by(m.Device.site_id, m.Device.id)
    if site:
        stmt = stmt.where(m.Device.site_id == site)
    if kind:
        stmt = stmt.where(m.Device.kind == kind)
    return [DeviceOut.model_validate(d) for d in session.scalars(stmt.limit(limit).offset(offset))]


def list_channels(session: Session, *, kind: str | None = None) -> list[ChannelOut]:
    stmt = select(m.Channel).where(m.Channel.active.is_(True)).order_by(m.Channel.id)
    if kind:
        stmt = stmt.where(m.Channel.kind == kind)
    return [ChannelOut.model_validate(c) for c in session.scalars(stmt)]
