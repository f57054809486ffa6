"""Backups of the whole database to one file and back, and what a migration would take away."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import URL

# The residents' answers and their moderation: what no one can collect again.
ANSWER_TABLES = ("response", "answer", "free_text_review")
# Columns that copy another table's (an answer's meeting is its response's): dropping them
# loses nothing.
COPIES = {"answer": frozenset({"meeting_id"})}
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Contents:
    """What a database or a backup file holds, as far as an operator needs to know."""

    kind: str  # the SQLAlchemy dialect: "sqlite" or "postgresql"
    revision: str | None  # the Alembic revision, None where never migrated
    responses: int
    size: int | None = None  # bytes of a backup file


def describe(engine: Engine) -> Contents:
    """The revision and number of responses of the database now."""
    with engine.connect() as connection:
        return _contents(connection)


def create(engine: Engine, path: Path) -> Contents:
    """Write a consistent copy of the whole database to PATH while the app keeps serving."""
    if engine.dialect.name == "sqlite" and path.resolve() == _sqlite_path(engine).resolve():
        raise BackupError(f"{path} is the database itself")
    part = path.with_name(f".{path.name}.part")
    try:
        if engine.dialect.name == "sqlite":
            contents = _sqlite_create(engine, part)
        elif engine.dialect.name == "postgresql":
            contents = _pg_create(engine, part)
        else:
            raise BackupError(f"backups of {engine.dialect.name} databases are not supported")
        os.replace(part, path)  # a file at PATH is always a whole backup, never half of one
    finally:
        part.unlink(missing_ok=True)
    return Contents(contents.kind, contents.revision, contents.responses, path.stat().st_size)


def read(engine: Engine, path: Path) -> Contents:
    """What the backup at PATH holds; an error unless it is this app's backup for this database."""
    try:
        with path.open("rb") as file:
            magic = file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}") from error
    kind = (
        "sqlite"
        if magic == SQLITE_MAGIC
        else "postgresql"
        if magic.startswith(PG_CUSTOM_MAGIC)
        else None
    )
    if kind is None:
        raise BackupError(f"{path} is not a backup made by `backup create`")
    if kind != engine.dialect.name:
        raise BackupError(
            f"{path} is a backup of a {kind} database; this database is {engine.dialect.name}"
        )
    contents = _sqlite_read(path) if kind == "sqlite" else _pg_read(path)
    if contents.revision is None:
        raise BackupError(f"{path} holds no migrated Trygghetsdialog database")
    return Contents(kind, contents.revision, contents.responses, path.stat().st_size)


def restore(engine: Engine, path: Path) -> Contents:
    """Replace everything in the database with the backup at PATH; run it with the app stopped."""
    read(engine, path)
    engine.dispose()  # no pooled connection may keep reading the old database
    if engine.dialect.name == "sqlite":
        _sqlite_restore(engine, path)
    else:
        _pg_restore(engine, path)
    engine.dispose()
    return describe(engine)


def answers_held(connection: Connection) -> dict[str, tuple[int, frozenset[str]]]:
    """Per table of residents' answers that holds rows: how many, and its columns."""
    found = inspect(connection)
    held = {}
    for table in ANSWER_TABLES:
        if found.has_table(table):
            rows = connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0
            if rows:
                columns = frozenset(c["name"] for c in found.get_columns(table))
                held[table] = (rows, columns)
    return held


def answers_lost(
    before: dict[str, tuple[int, frozenset[str]]], connection: Connection
) -> list[str]:
    """What of the residents' answers held before is gone now, one line per table."""
    inspect(connection).clear_cache()
    after = answers_held(connection)
    lost = []
    for table, (rows, columns) in before.items():
        if table not in after:
            lost.append(f"{table}: all {rows} rows")
            continue
        rows_now, columns_now = after[table]
        if rows_now < rows:
            lost.append(f"{table}: {rows - rows_now} of {rows} rows")
        if gone := columns - columns_now - COPIES.get(table, frozenset()):
            lost.append(f"{table}: columns {', '.join(sorted(gone))}")
    return lost


def _contents(connection: Connection) -> Contents:
    found = inspect(connection)
    revision = (
        connection.scalar(text("SELECT version_num FROM alembic_version"))
        if found.has_table("alembic_version")
        else None
    )
    responses = (
        connection.scalar(text("SELECT count(*) FROM response")) or 0
        if found.has_table("response")
        else 0
    )
    return Contents(connection.dialect.name, revision, responses)


# SQLite: the online backup API copies pages under a read lock, so in WAL mode the app's
# workers go on writing while it runs, and the copy is one consistent moment.


def _sqlite_path(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("only a SQLite database in a file can be backed up")
    return Path(name)


def _sqlite_connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    return sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)


def _sqlite_facts(connection: sqlite3.Connection) -> tuple[str | None, int]:
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    revision = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    responses = 0
    if "response" in tables:
        responses = connection.execute("SELECT count(*) FROM response").fetchone()[0]
    return revision, responses


def _sqlite_create(engine: Engine, part: Path) -> Contents:
    try:
        source = _sqlite_connect(_sqlite_path(engine), read_only=True)
        target = sqlite3.connect(part, isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(f"cannot write in {part.parent}: {error}") from error
    try:
        source.backup(target)  # all pages in one step: a copy of one moment
        # One self-contained file, without a -wal beside it, to copy or move as it is.
        target.execute("PRAGMA journal_mode=DELETE")
        revision, responses = _sqlite_facts(target)
    except sqlite3.Error as error:
        raise BackupError(f"the backup failed: {error}") from error
    finally:
        target.close()
        source.close()
    return Contents("sqlite", revision, responses)


def _sqlite_read(path: Path) -> Contents:
    try:
        connection = _sqlite_connect(path, read_only=True)
        try:
            revision, responses = _sqlite_facts(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite backup: {error}") from error
    return Contents("sqlite", revision, responses)


def _sqlite_restore(engine: Engine, path: Path) -> None:
    live = _sqlite_path(engine)
    if live.exists() and live.resolve() == path.resolve():
        raise BackupError(f"{path} is the database itself")
    source = _sqlite_connect(path, read_only=True)
    target = _sqlite_connect(live)
    try:
        # Through SQLite, not a file copy: the live database's -wal and -shm stay consistent.
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"the restore failed and changed nothing: {error}") from error
    finally:
        target.close()
        source.close()


# PostgreSQL: pg_dump's custom format, restored by pg_restore.


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed; PostgreSQL backups need the PostgreSQL client programs "
            "(Debian: apt-get install postgresql-client)"
        )
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The database as libpq wants it, and the environment that carries the password."""
    # The password goes in the environment: a command line is visible to every local user.
    env = {**os.environ, "PGPASSWORD": url.password} if url.password else dict(os.environ)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()}")
    return result.stdout


def _pg_create(engine: Engine, part: Path) -> Contents:
    pg_dump = _program("pg_dump")
    dbname, env = _libpq(engine.url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        # pg_dump reads the snapshot this transaction counts in: the count is of the file.
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        contents = _contents(connection)
        _run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={part}",
                f"--dbname={dbname}",
            ],
            env,
            "pg_dump",
        )
        connection.rollback()
    return contents


def _pg_read(path: Path) -> Contents:
    pg_restore = _program("pg_restore")
    env = dict(os.environ)
    listing = _run([pg_restore, "--list", str(path)], env, f"reading {path}")
    if not re.search(r"^\d+; \d+ \d+ TABLE DATA \S+ alembic_version ", listing, re.MULTILINE):
        return Contents("postgresql", None, 0)
    versions = _copied_rows(pg_restore, path, "alembic_version", env)
    responses = _copied_rows(pg_restore, path, "response", env)
    return Contents("postgresql", versions[0] if versions else None, len(responses))


def _copied_rows(pg_restore: str, path: Path, table: str, env: dict[str, str]) -> list[str]:
    """The data lines of one table in the archive, as COPY writes them: one line per row."""
    script = _run(
        [pg_restore, "--data-only", f"--table={table}", "--file=-", str(path)],
        env,
        f"reading {path}",
    )
    rows: list[str] = []
    copying = False
    for line in script.splitlines():
        if copying:
            if line == "\\.":
                break
            rows.append(line)
        elif line.startswith("COPY ") and line.endswith("FROM stdin;"):
            copying = True
    return rows


def _pg_restore(engine: Engine, path: Path) -> None:
    pg_restore = _program("pg_restore")
    psql = _program("psql")
    dbname, env = _libpq(engine.url)
    listing = _run([pg_restore, "--list", str(path)], env, f"reading {path}")
    in_backup = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, re.MULTILINE))
    with engine.connect() as connection:
        extra = sorted(set(inspect(connection).get_table_names()) - in_backup)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "restore.sql"
        _run(
            [pg_restore, "--clean", "--if-exists", "--no-owner", f"--file={script}", str(path)],
            env,
            "pg_restore",
        )
        # Tables a later migration added go too, so that what is left is the backup and no more;
        # psql runs the drops and the restore in one transaction: all of it, or nothing.
        drops = "".join(f'DROP TABLE IF EXISTS "{name}" CASCADE;' for name in extra)
        _run(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={dbname}",
                # A service still running holds locks: fail after a while rather than hang.
                "--command=SET lock_timeout = '30s'",
                *([f"--command={drops}"] if drops else []),
                f"--file={script}",
            ],
            env,
            "the restore (nothing was changed)",
        )
