"""The one store behind one interface: SQLAlchemy, SQLite by default, any URL via DATABASE_URL.

The store is created and seeded from the CSV files in ``data/`` on first start. Every row is
validated on the way in; a bad row is reported with file, line and field, the others load.
Pages and the core read data only through :class:`Store`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo.geocode import places_from_json, places_to_json
from solidarity.i18n import LANGUAGES
from solidarity.model import (
    CENTRE_COLUMNS,
    INITIATIVE_COLUMNS,
    PROJECT_COLUMNS,
    TRANSLATION_COLUMNS,
    RowError,
    validate_centres,
    validate_initiatives,
    validate_projects,
    validate_translations,
)

log = logging.getLogger(__name__)

SEED_FILES = ("centres.csv", "projects.csv", "initiatives.csv", "translations.csv")

metadata = sa.MetaData()


def _text_columns(names: Iterable[str], floats: Iterable[str] = ()) -> list[sa.Column]:
    floats = set(floats)
    return [
        sa.Column(name, sa.Float, nullable=False) if name in floats else sa.Column(name, sa.Text, nullable=False, default="")
        for name in names
        if name != "id"
    ]


# ``seq`` keeps the order of the seed files (the order the organisation lists them in).
centres_table = sa.Table(
    "centres",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, default=0),
    *_text_columns(CENTRE_COLUMNS, ("lat", "lon")),
)
projects_table = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, default=0),
    *_text_columns(PROJECT_COLUMNS),
)
initiatives_table = sa.Table(
    "initiatives",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    *_text_columns(INITIATIVE_COLUMNS, ("lat", "lon")),
)
translations_table = sa.Table(
    "translations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(16), primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)
load_errors_table = sa.Table(
    "load_errors",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False, default=""),
)
geocode_cache_table = sa.Table(
    "geocode_cache",
    metadata,
    sa.Column("key", sa.String(256), primary_key=True),
    sa.Column("places", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)
meta_table = sa.Table(
    "meta", metadata, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text, nullable=False)
)


@dataclass
class LoadReport:
    """What happened when seed files were loaded: rows per table and the rejected rows."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def read_csv_records(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file as dicts of strings (a BOM is accepted)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def seed_hash(seed_dir: Path) -> str:
    """A hash of the seed files, to notice when they changed."""
    digest = hashlib.sha256()
    for name in SEED_FILES:
        path = seed_dir / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


def _enable_sqlite_wal(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class Store:
    """Access to the app's data. One instance per process (it holds a connection pool)."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine = sa.create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            _enable_sqlite_wal(self.engine)
        metadata.create_all(self.engine)
        self._lock = threading.Lock()

    # -- seeding -------------------------------------------------------------------------
    def load_seed(self, seed_dir: Path) -> LoadReport:
        """Replace centres, projects and initiatives by the validated rows of the seed files.

        All or nothing: the tables are replaced in one transaction. Rejected rows are kept in
        ``load_errors`` so the app can show them.
        """
        report = LoadReport()
        tables: dict[str, list[dict[str, Any]]] = {}
        centres = validate_centres(self._records(seed_dir, "centres.csv", report))
        projects = validate_projects(self._records(seed_dir, "projects.csv", report))
        initiatives = validate_initiatives(
            self._records(seed_dir, "initiatives.csv", report),
            centre_ids={row["id"] for row in centres.rows},
            project_ids={row["id"] for row in projects.rows},
        )
        translations = validate_translations(
            self._records(seed_dir, "translations.csv", report, optional=True),
            initiative_ids={row["id"] for row in initiatives.rows},
            languages=set(LANGUAGES),
        )
        for name, result in (
            ("centres", centres), ("projects", projects), ("initiatives", initiatives), ("translations", translations)
        ):
            tables[name] = result.rows
            if name in ("centres", "projects"):
                tables[name] = [row | {"seq": n} for n, row in enumerate(result.rows)]
            report.errors.extend(result.errors)
            report.counts[name] = len(result.rows)
        with self._lock, self.engine.begin() as conn:
            for table in (translations_table, initiatives_table, projects_table, centres_table, load_errors_table):
                conn.execute(table.delete())
            for table in (centres_table, projects_table, initiatives_table, translations_table):
                if tables[table.name]:
                    conn.execute(table.insert(), tables[table.name])
            if report.errors:
                conn.execute(
                    load_errors_table.insert(),
                    [{"source": e.source, "line": e.line, "field": e.field, "message": e.message, "value": e.value}
                     for e in report.errors],
                )
            self._set_meta(conn, "seed_hash", seed_hash(seed_dir))
            self._set_meta(conn, "data_version", str(self._data_version(conn) + 1))
        for error in report.errors:
            log.warning("rejected row: %s", error)
        return report

    @staticmethod
    def _records(seed_dir: Path, name: str, report: LoadReport, optional: bool = False) -> list[dict[str, str]]:
        path = seed_dir / name
        if optional and not path.exists():
            return []
        try:
            return read_csv_records(path)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            report.errors.append(RowError(name, 0, "(file)", f"cannot be read: {exc}"))
            return []

    def ensure_seeded(self, seed_dir: Path) -> LoadReport | None:
        """Seed an empty store, or re-seed one whose content came only from older seed files.

        Returns the report of a load, or None when nothing was loaded.
        """
        with self.engine.connect() as conn:
            origin = self._get_meta(conn, "origin", "")
            current = self._get_meta(conn, "seed_hash", "")
            empty = conn.execute(sa.select(sa.func.count()).select_from(centres_table)).scalar_one() == 0
        if not empty and (origin != "seed" or current == seed_hash(seed_dir)):
            return None
        report = self.load_seed(seed_dir)
        with self.engine.begin() as conn:
            self._set_meta(conn, "origin", "seed")
        return report

    # -- reading -------------------------------------------------------------------------
    def _frame(self, table: sa.Table, columns: tuple[str, ...], where: Any = None) -> pd.DataFrame:
        order = [table.c.seq, table.c.id] if "seq" in table.c else [table.c.id]
        query = sa.select(*[table.c[c] for c in columns]).order_by(*order)
        if where is not None:
            query = query.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=list(columns))
        for col in ("lat", "lon"):
            if col in frame:
                frame[col] = frame[col].astype("float64")
        return frame

    def centres(self) -> pd.DataFrame:
        """The buurtwerken, one row each (columns of ``centres.csv``)."""
        return self._frame(centres_table, CENTRE_COLUMNS)

    def projects(self) -> pd.DataFrame:
        """The projects and practice examples (columns of ``projects.csv``)."""
        return self._frame(projects_table, PROJECT_COLUMNS)

    def initiatives(self, include_inactive: bool = False) -> pd.DataFrame:
        """The initiatives (columns of ``initiatives.csv``), active ones unless asked otherwise."""
        where = None if include_inactive else initiatives_table.c.status == "active"
        return self._frame(initiatives_table, INITIATIVE_COLUMNS, where)

    def translations(self) -> pd.DataFrame:
        """Translated initiative content: ``id, language, field, text``."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(translations_table)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=list(TRANSLATION_COLUMNS))

    def load_errors(self) -> list[RowError]:
        """The rows rejected at the last load, with file, line and field."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(load_errors_table).order_by(load_errors_table.c.n)).mappings().all()
        return [RowError(r["source"], r["line"], r["field"], r["message"], r["value"]) for r in rows]

    def data_version(self) -> int:
        """A number that grows with every change of the data: the key for caches."""
        with self.engine.connect() as conn:
            return self._data_version(conn)

    # -- geocode cache (the protocol of geo.geocode.GeocodeCache) ---------------------------
    def get(self, key: str) -> list[Any] | None:
        """Cached places for a normalised geocoding query, or None."""
        with self.engine.connect() as conn:
            text = conn.execute(
                sa.select(geocode_cache_table.c.places).where(geocode_cache_table.c.key == key[:256])
            ).scalar_one_or_none()
        return None if text is None else places_from_json(text)

    def put(self, key: str, places: list[Any]) -> None:
        """Remember the places found for a normalised geocoding query."""
        row = {"key": key[:256], "places": places_to_json(places), "created": dt.datetime.now(dt.UTC)}
        with self._lock, self.engine.begin() as conn:
            conn.execute(geocode_cache_table.delete().where(geocode_cache_table.c.key == row["key"]))
            conn.execute(geocode_cache_table.insert(), [row])

    # -- meta ----------------------------------------------------------------------------
    @staticmethod
    def _get_meta(conn: sa.Connection, key: str, default: str) -> str:
        value = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == key)).scalar_one_or_none()
        return default if value is None else value

    @staticmethod
    def _set_meta(conn: sa.Connection, key: str, value: str) -> None:
        conn.execute(meta_table.delete().where(meta_table.c.key == key))
        conn.execute(meta_table.insert(), [{"key": key, "value": value}])

    def _data_version(self, conn: sa.Connection) -> int:
        return int(self._get_meta(conn, "data_version", "0"))
