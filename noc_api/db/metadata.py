"""Every table the migrations manage. Each package that owns tables adds its metadata here."""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> list[MetaData]:
    """The metadata of every package with tables (imports register their models)."""
    import noc_api.alerting.models
    import noc_api.complaints.idempotency
    import noc_api.complaints.open311_models
    import noc_api.db.maintenance_models
    import noc_api.db.models
    import noc_api.db.noc_models
    import noc_api.db.notice_models
    import noc_api.db.ticket_models
    import noc_api.intake.models
    import noc_api.legacy.models  # noqa: F401  (legacy import runs)
    from complaint_core.adapters.orm import CoreBase
    from noc_api.db.base import Base

    return [Base.metadata, CoreBase.metadata]
