"""Alembic's environment: the store's migrations, run by :mod:`solidarity.migrate` (``make migrate``).

:func:`solidarity.migrate.upgrade` passes its own connection, already inside the transaction
that holds the migration lock (PostgreSQL advisory lock, SQLite exclusive transaction); the
migrations run in that transaction. Run by the ``alembic`` command (``alembic revision
--autogenerate -m ...`` with the ``alembic.ini`` of the project), it connects to the store of
the settings (``DATABASE_URL``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from solidarity.db import normalise_url
from solidarity.schema import metadata
from solidarity.settings import load_settings


def run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode recreates the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = sa.create_engine(normalise_url(load_settings().DATABASE_URL))
    with engine.connect() as conn:
        run(conn)
        conn.commit()
