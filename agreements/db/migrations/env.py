"""Alembic environment: runs on the connection `agreements.db.migrate` hands it."""

from alembic import context

from agreements.db.migrate import on_dialect
from agreements.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=on_dialect(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
