"""Pydantic shapes of the HTTP API."""
