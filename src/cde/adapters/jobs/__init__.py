"""Job queue adapters: the embedded one (any database) and procrastinate (PostgreSQL)."""
