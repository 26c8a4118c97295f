"""Health of devices, sites and channels; outages and uptime."""
