"""Alembic's entry point, run only through ``formbuilder.database.Database``.

There is no alembic.ini: the database object hands over its own connection, so migrations see
exactly the settings (SQLite pragmas, PostgreSQL schema) that the application uses.
"""

from __future__ import annotations

from alembic import context

from formbuilder.models import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("Run migrations with `formbuilder db upgrade` or Database(url).upgrade().")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite can alter little in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
