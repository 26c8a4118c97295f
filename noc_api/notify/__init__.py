"""One notification pipeline for every message the server sends (alert notices, complaint SMS and mail).

Producers write to one outbox (``complaint_core.services.notify.enqueue``, each message with its ``source``) in the
transaction of the change that caused the message. ``delivery`` is the one job that claims due messages, sends
each through the ``notifiers`` Notifier of its medium (email, SMS, webhook) outside any transaction, and records
every attempt; ``retry`` is the one back-off; ``metrics`` counts every message by source, medium and outcome;
``log`` and ``router`` show the log.
"""
