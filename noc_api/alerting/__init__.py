"""Alert rules and notifications: one real alert per real outage, to the right engineer.

Pure cores (no I/O, ``now`` passed in): ``rules`` (the rule language), ``evaluate``, ``lifecycle``, ``mute``
(dependency, maintenance and silence muters; grouping and folding), ``dispatch`` (needs_notify, escalation steps),
``plan`` (groups, alerts, routing, now -> the notices to send), ``routing`` (match_route, receivers_at). Edges:
``loader`` (files), ``routing_file`` (the routing file, reloaded on change), ``store``/``models`` (SQL),
``listener`` (the HealthListener), ``cycle`` (the notice job: the planner's reader and writer; messages go to the
server's one outbox, delivered by ``noc_api.notify``), ``service`` (what the API calls), ``metrics`` (the
Prometheus collector).
"""

from noc_api.alerting.dispatch import NotifyReason, needs_notify
from noc_api.alerting.listener import AlertingListener
from noc_api.alerting.loader import Problem, RuleSet, load_rules_dir
from noc_api.alerting.metrics import AlertCollector
from noc_api.alerting.mute import Matcher, Muter, is_suppressed, match
from noc_api.alerting.status import rules_status

__all__ = [
    "AlertCollector",
    "AlertingListener",
    "Matcher",
    "Muter",
    "NotifyReason",
    "Problem",
    "RuleSet",
    "is_suppressed",
    "load_rules_dir",
    "match",
    "needs_notify",
    "rules_status",
]
