"""Bringing a store's schema up to date with Alembic (``make migrate``; the app does it on start).

Safe when several app processes start at once: the upgrade runs in one transaction that first
takes a lock (PostgreSQL: ``pg_advisory_xact_lock``; SQLite: ``BEGIN EXCLUSIVE``, waiting up to
the busy timeout), then reads the current revision, so the second process finds the work done.
A store written before migrations existed (tables, no ``alembic_version``) is stamped with the
baseline first. An SQLite file that holds data is copied (online backup) beside itself before
its first pending migration; on PostgreSQL the DDL is transactional, and a failed migration
leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import zlib
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from solidarity.db import StoreError, is_sqlite, sqlite_path

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The key of the PostgreSQL advisory lock held while migrating.
LOCK_KEY = zlib.crc32(b"solidarity-map:migrate")
#: The tables of a store made before migrations (``metadata.create_all``): the baseline's.
LEGACY_TABLES = frozenset(
    {"centres", "projects", "initiatives", "translations", "load_errors", "geocode_cache", "meta"}
)
BASELINE = "0001"


class SchemaError(StoreError):
    """The database holds tables this app cannot upgrade safely."""


def config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for the store's migrations (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The store's revision (None for a database without ``alembic_version``)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _legacy(conn: sa.Connection) -> bool:
    """True for a store made before migrations; :class:`SchemaError` for unknown tables of ours."""
    tables = set(sa.inspect(conn).get_table_names())
    ours = tables & (LEGACY_TABLES | {"changes", "initiative_projects", "cache", "rate_slots"})
    if not ours:
        return False
    missing = LEGACY_TABLES - tables
    if missing or "projects" not in {c["name"] for c in sa.inspect(conn).get_columns("initiatives")}:
        raise SchemaError(
            "the database of DATABASE_URL has some of the store's tables but not the rest "
            f"(missing: {', '.join(sorted(missing)) or 'initiatives.projects'}) and no migration record: not touching it"
        )
    return True


def pending(engine: Engine) -> bool:
    """True when the store is not at the newest revision."""
    return current(engine) != head()


def upgrade(engine: Engine, backup: bool = True) -> list[str]:
    """Apply the pending migrations; returns the revisions applied (empty when up to date)."""
    target = head()
    if current(engine) == target:
        return []
    if backup and is_sqlite(engine):
        _backup_before(engine)
    applied: list[str] = []
    with engine.connect() as raw:
        if is_sqlite(engine):
            # Batch migrations recreate tables: foreign keys off while they do (PRAGMA is ignored
            # inside a transaction, so on the driver's connection first), checked before commit.
            raw.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with writing_on(raw, engine) as conn:
                if not is_sqlite(engine):
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                before = MigrationContext.configure(conn).get_current_revision()
                if before == target:
                    return []
                cfg = config(conn)
                if before is None and _legacy(conn):
                    log.warning("store made before migrations: stamping it with the baseline %s", BASELINE)
                    command.stamp(cfg, BASELINE)
                    before = BASELINE
                script = ScriptDirectory.from_config(cfg)
                applied = [rev.revision for rev in script.iterate_revisions(target, before)][::-1]
                command.upgrade(cfg, target)
                if is_sqlite(engine):
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise SchemaError(f"migration left {len(broken)} broken references (first: {broken[0]}): rolled back")
        finally:
            if is_sqlite(engine):
                raw.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    for revision in applied:
        log.info("store migrated to %s", revision)
    return applied


class writing_on:  # noqa: N801 - used like the context manager it is
    """:func:`solidarity.db.writing` on an open connection (exclusive on SQLite)."""

    def __init__(self, conn: sa.Connection, engine: Engine) -> None:
        self.conn = conn
        if is_sqlite(engine):
            conn.execution_options(sqlite_begin="EXCLUSIVE")
        self._tx = None

    def __enter__(self) -> sa.Connection:
        self._tx = self.conn.begin()
        self._tx.__enter__()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        assert self._tx is not None
        self._tx.__exit__(*exc)


def _backup_before(engine: Engine) -> Path | None:
    """An online copy of an SQLite store that holds data, beside it, before migrating it."""
    path = sqlite_path(str(engine.url))
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return None
    with engine.connect() as conn:
        if not set(sa.inspect(conn).get_table_names()) & LEGACY_TABLES:
            return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-migration-{stamp}")
    copy_sqlite(path, target)
    log.warning("store backed up to %s before migrating it", target)
    return target


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (the online backup API), written atomically."""
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
