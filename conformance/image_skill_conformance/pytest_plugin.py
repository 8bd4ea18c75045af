"""pytest plugin mode (placeholder replaced below)."""
