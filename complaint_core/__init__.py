"""The complaint domain: model, lifecycle, routing, SLA and escalation, QC, MIS queries. No web."""
