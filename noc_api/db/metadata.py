"""Every table the migrations manage. Each package that owns tables adds its metadata here."""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> list[MetaData]:
    """The metadata of every package with tables (imports register their models)."""
    import noc_api.alerting.models  # noqa: F401  (alerting tables)
    import noc_api.db.models  # noqa: F401  (registers the tables)
    import noc_api.db.noc_models  # noqa: F401  (NOC ingest, health, outages)
    import noc_api.db.ticket_models  # noqa: F401  (outage tickets, planned tickets, report deliveries)
    from complaint_core.adapters.orm import CoreBase
    from noc_api.db.base import Base

    return [Base.metadata, CoreBase.metadata]
