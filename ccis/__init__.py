"""The ``ccis`` command: one console script for the server, the agent and the admin tasks."""
