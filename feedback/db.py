"""The database: declarative base with a naming convention, and one session per app context."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from flask import Flask, current_app, g
from sqlalchemy import Connection, DateTime, Dialect, Engine, MetaData, Select, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC, also on SQLite, which keeps no offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


# Statements that never need the write lock; anything else opens a write transaction.
_READS = ("SELECT", "PRAGMA", "WITH")


def make_engine(url: str, lock_timeout_ms: int = 10_000) -> Engine:
    """An engine for the URL; on SQLite, several workers write without losing anything.

    SQLite allows one writer at a time. A deferred transaction that reads and then writes
    fails at once with "database is locked" when another worker has written since its read,
    whatever the busy timeout. So on SQLite reads run as single statements (each sees a
    consistent database, as PostgreSQL's READ COMMITTED does), and the first write opens
    `BEGIN IMMEDIATE`, which takes the write lock up front and waits its turn for it.

    On either database a statement waits at most `lock_timeout_ms` for a lock, then fails,
    so a request gives up before the server's worker timeout and can say so.
    """
    # orjson reads the JSON the exports' answer objects arrive as, several times faster.
    if url.startswith("postgresql"):
        return create_engine(
            url,
            connect_args={"options": f"-c lock_timeout={lock_timeout_ms}"},
            json_deserializer=orjson.loads,
        )
    engine = create_engine(url, json_deserializer=orjson.loads)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # Autocommit at the driver: pysqlite's own BEGIN would break SAVEPOINT, and
            # transactions begin where a write begins, below.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # Readers then never block the writer: a resident's answer is not held up by a page.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={lock_timeout_ms}")
            cursor.close()

        @event.listens_for(engine, "before_cursor_execute")
        def _begin_writes(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
            dbapi_connection = connection.connection.dbapi_connection
            if not dbapi_connection.in_transaction and not statement.lstrip().upper().startswith(
                _READS
            ):
                cursor.execute("BEGIN IMMEDIATE")

    return engine


def stream(
    connection: Connection, statement: Select[Any], size: int = 5000
) -> Iterator[Sequence[Any]]:
    """The rows of a large read, fetched `size` at a time, in constant memory.

    On PostgreSQL through psycopg's own streaming: the server sends the rows while Python
    works on the ones it has, twice as fast as a server-side cursor, which waits for each
    batch in turn (SQLAlchemy's `yield_per` offers only the latter). Parameters and result
    columns go through their types as `execute` would send and return them.
    """
    if connection.dialect.driver != "psycopg":
        yield from connection.execute(statement.execution_options(yield_per=size))
        return
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = {}
    for name, value in compiled.params.items():
        # An IN list's values are named after their parameter: `value_1` gives `value_1_1`, …
        bind = compiled.binds[name if name in compiled.binds else name.rpartition("_")[0]]
        to_driver = bind.type.bind_processor(dialect)
        params[name] = to_driver(value) if to_driver else value
    processors = [
        (i, processor)
        for i, column in enumerate(statement.selected_columns)
        if (processor := column.type.result_processor(dialect, None)) is not None
    ]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for row in cursor.stream(str(compiled), params, size=size):
            if processors:
                row = list(row)
                for i, processor in processors:
                    row[i] = processor(row[i])
            yield row
    finally:
        cursor.close()


def init_app(app: Flask) -> None:
    """Give the app an engine and a session factory; close the session after each context."""
    engine = make_engine(app.config["DATABASE_URL"], app.config["DATABASE_LOCK_TIMEOUT_MS"])
    app.extensions["feedback.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def session() -> Session:
    """The session of the current app context."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["feedback.sessionmaker"]()
    db_session: Session = g.db_session
    return db_session


def engine() -> Engine:
    """The engine of the current app."""
    factory: sessionmaker[Session] = current_app.extensions["feedback.sessionmaker"]
    bound = factory.kw["bind"]
    assert isinstance(bound, Engine)
    return bound


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
