"""Alembic migrations of the hub database (run by hub.db.migrate)."""
