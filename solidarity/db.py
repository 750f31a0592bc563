"""Connecting to the store's database: URL checks, engines, and transactions that take the write lock.

- ``DATABASE_URL`` is checked before anything connects: a malformed URL, an unknown driver or an
  unreachable server raise :class:`StoreConfigError` with one line that names the setting (the
  app shows it and stops; it never falls back to the local SQLite file).
- SQLite runs in WAL mode with foreign keys on and a busy timeout; the driver's own transaction
  handling is switched off so that a write transaction starts with ``BEGIN IMMEDIATE`` (the
  write lock at the start: concurrent writers wait their turn instead of failing halfway), and
  the migration with ``BEGIN EXCLUSIVE``.
- PostgreSQL through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

#: Seconds a writer waits for SQLite's write lock before giving up.
SQLITE_BUSY_TIMEOUT = 30.0
#: Seconds to wait for a PostgreSQL server to answer when connecting.
CONNECT_TIMEOUT = 5


class StoreError(Exception):
    """The store cannot be used; the message is one line for whoever runs the app."""


class StoreConfigError(StoreError):
    """``DATABASE_URL`` is wrong, or its database cannot be reached."""


def normalise_url(raw: str) -> str:
    """``raw`` as a SQLAlchemy URL this app can use, or :class:`StoreConfigError`.

    ``postgres://`` and ``postgresql://`` (as hosting services write them) mean psycopg 3.
    """
    text = (raw or "").strip()
    if not text:
        raise StoreConfigError("DATABASE_URL is empty: leave it unset for the local SQLite file, or give a database URL")
    try:
        url = make_url(text)
    except sa.exc.ArgumentError:
        raise StoreConfigError(
            "DATABASE_URL is not a database URL (expected sqlite:///path or postgresql+psycopg://user:password@host/db)"
        ) from None
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg3"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise StoreConfigError(
            f"DATABASE_URL uses {url.drivername!r}: this app supports sqlite:/// and postgresql+psycopg:// only"
        )
    if url.get_backend_name() == "postgresql" and not url.database:
        raise StoreConfigError("DATABASE_URL names no database (postgresql+psycopg://user:password@host/DATABASE)")
    if url.get_backend_name() == "sqlite" and url.database in (None, ""):
        raise StoreConfigError("DATABASE_URL names no SQLite file (sqlite:///path/to/file.sqlite3)")
    return url.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a URL)"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and for ``:memory:``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """An engine for a URL from :func:`normalise_url`; connects once to check the server answers."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreConfigError(f"DATABASE_URL: cannot create the folder of {path}: {exc.strerror}") from None
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        _sqlite_events(engine)
    else:
        engine = sa.create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "solidarity"}
        )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sqlite3.Error) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreConfigError(f"DATABASE_URL: cannot reach the database {shown_url(url)}: {reason}") from None
    return engine


def _sqlite_events(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below says BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}" if mode in ("IMMEDIATE", "EXCLUSIVE") else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    """True for an SQLite engine."""
    return engine.dialect.name == "sqlite"


@contextlib.contextmanager
def writing(engine: Engine, exclusive: bool = False) -> Iterator[sa.Connection]:
    """A connection in a write transaction: committed at the end, rolled back on an exception.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (``EXCLUSIVE`` when asked), so it
    holds the write lock from its first statement; another writer waits up to the busy timeout.
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.execution_options(sqlite_begin="EXCLUSIVE" if exclusive else "IMMEDIATE")
        with conn.begin():
            yield conn


@contextlib.contextmanager
def reading(engine: Engine) -> Iterator[sa.Connection]:
    """A connection in a read transaction: one consistent snapshot for several queries."""
    with engine.connect() as conn:
        if not is_sqlite(engine):
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
