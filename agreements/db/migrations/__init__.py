"""Alembic migrations of the service's schema, run from code (`agreements init`)."""
