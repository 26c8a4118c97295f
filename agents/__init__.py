"""The site agent: schedules collectors, keeps a durable outbox, sends reports to the NOC over HTTP."""
