"""Importing complaints from the city's old systems (CSV or XLSX with a column mapping)."""
