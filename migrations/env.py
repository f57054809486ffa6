"""Alembic environment: migrates over the connection the app's CLI hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from feedback import models  # noqa: F401  (registers the tables on the metadata)
from feedback.db import Base

config = context.config


def run(connection: Connection) -> None:
    """Run the migrations on a connection."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:  # `alembic -c migrations/alembic.ini ...` outside Flask: use the app's configured database
    from feedback import create_app
    from feedback.db import make_engine

    app = create_app()
    with make_engine(app.config["DATABASE_URL"]).begin() as own_connection:
        run(own_connection)
