"""MIS reports: complaint throughput, uptime beside it, and their CSV/XLSX/PDF renderings."""
