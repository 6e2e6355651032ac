"""Application services: load, call the pure core, persist. They never commit: callers do."""
