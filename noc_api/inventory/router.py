"""Read the city inventory: sites, devices, channels."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query

from noc_api.deps import SessionDep, current_actor
from noc_api.inventory import queries as q
from noc_api.inventory.schemas import ChannelOut, DeviceOut, SiteDetail, SiteOut

# Staff only: addresses, credential names and the dependency graph are a map for an attacker.
router = APIRouter(prefix="/api/v1", tags=["inventory"], dependencies=[Depends(current_actor)])


@router.get("/sites", response_model=list[SiteOut])
def list_sites(session: SessionDep, kind: str | None = None, town: str | None = None) -> list[SiteOut]:
    """Every active site, filtered by kind or town."""
    return q.list_sites(session, kind=kind, town=town)


@router.get("/sites/{site_id}", response_model=SiteDetail)
def get_site(site_id: str, session: SessionDep) -> SiteDetail:
    """One site with its devices and channels."""
    site = q.get_site(session, site_id)
    if site is None:
        raise HTTPException(404, f"no site {site_id!r}")
    return site


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(
    session: SessionDep,
    site: str | None = None,
    kind: str | None = None,
    limit: int = Query(1000, ge=1, le=10000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> list[DeviceOut]:
    """Active devices, filtered by site or kind."""
    return q.list_devices(session, site=site, kind=kind, limit=limit, offset=offset)


@router.get("/channels", response_model=list[ChannelOut])
def list_channels(session: SessionDep, kind: str | None = None) -> list[ChannelOut]:
    """The complaint channels and what each requires."""
    return q.list_channels(session, kind=kind)
