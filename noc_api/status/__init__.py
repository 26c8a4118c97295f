"""The public status board: is each complaint channel up now, 90 days of uptime, incidents in plain words,
maintenance ahead and current notices; built by the scheduler, served from memory."""
