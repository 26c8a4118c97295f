"""What the complaint use cases need from the server: the core's config, the city, its directory and settings.

The runtime builds one desk; routers receive it through ``DeskDep`` and pass it on, so no use case sees the
whole runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from complaint_core.config import CoreConfig
from complaint_core.routing import Directory
from noc_api.complaints.directory import DirectoryCache, core_config
from noc_api.complaints.partner_keys import KeyLimiter
from noc_api.settings import Settings


@dataclass
class ComplaintDesk:
    settings: Settings
    city_code: str
    city_name: str
    timezone: str
    directories: DirectoryCache = field(default_factory=DirectoryCache)

    @cached_property
    def config(self) -> CoreConfig:
        return core_config(self.settings, self.timezone)

    @cached_property
    def open311_limiter(self) -> KeyLimiter:
        """Per-api_key request limits, in this process."""
        return KeyLimiter(self.settings.open311_key_rate)

    @property
    def base_url(self) -> str:
        return self.settings.public_base_url.rstrip("/")

    def directory(self, session: Session) -> Directory:
        """Towns, departments and categories of this city (cached briefly)."""
        return self.directories.get(session, self.city_code)

    def track_url(self, tracking: str) -> str:
        """The public tracking page of a complaint."""
        return f"{self.base_url}/track/{tracking.upper()}"
