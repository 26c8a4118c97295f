"""Outages become internal tickets in the complaint core, and follow them to resolution."""
