"""A store as the app wrote it before migrations: the tables of ``metadata.create_all`` and the
rows of the old ``load_seed`` (a frozen copy of that schema, to test the upgrade in place)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from solidarity.model import (
    CENTRE_COLUMNS,
    INITIATIVE_COLUMNS,
    PROJECT_COLUMNS,
    validate_centres,
    validate_initiatives,
    validate_projects,
    validate_translations,
)
from solidarity.store import read_csv_records, seed_hash

metadata = sa.MetaData()


def _text_columns(names: Any, floats: Any = ()) -> list[sa.Column]:
    floats = set(floats)
    return [
        sa.Column(name, sa.Float, nullable=False) if name in floats else sa.Column(name, sa.Text, nullable=False, default="")
        for name in names
        if name != "id"
    ]


centres = sa.Table("centres", metadata, sa.Column("id", sa.String(64), primary_key=True),
                   sa.Column("seq", sa.Integer, nullable=False, default=0), *_text_columns(CENTRE_COLUMNS, ("lat", "lon")))
projects = sa.Table("projects", metadata, sa.Column("id", sa.String(64), primary_key=True),
                    sa.Column("seq", sa.Integer, nullable=False, default=0), *_text_columns(PROJECT_COLUMNS))
initiatives = sa.Table("initiatives", metadata, sa.Column("id", sa.String(64), primary_key=True),
                       *_text_columns(INITIATIVE_COLUMNS, ("lat", "lon")))
translations = sa.Table("translations", metadata, sa.Column("id", sa.String(64), primary_key=True),
                        sa.Column("language", sa.String(16), primary_key=True),
                        sa.Column("field", sa.String(32), primary_key=True), sa.Column("text", sa.Text, nullable=False))
load_errors = sa.Table("load_errors", metadata, sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
                       sa.Column("source", sa.Text, nullable=False), sa.Column("line", sa.Integer, nullable=False),
                       sa.Column("field", sa.Text, nullable=False), sa.Column("message", sa.Text, nullable=False),
                       sa.Column("value", sa.Text, nullable=False, default=""))
geocode_cache = sa.Table("geocode_cache", metadata, sa.Column("key", sa.String(256), primary_key=True),
                         sa.Column("places", sa.Text, nullable=False), sa.Column("created", sa.DateTime, nullable=False))
meta = sa.Table("meta", metadata, sa.Column("key", sa.String(64), primary_key=True),
                sa.Column("value", sa.Text, nullable=False))  # fmt: skip

GEOCODE_ROW = {
    "key": "v1:schijfstraat 105 2020 antwerpen",
    "places": '[{"label":"Schijfstraat 105, 2020 Antwerpen","lat":51.19068,"lon":4.37308,"kind":"address",'
    '"postcode":"2020","source":"nominatim"}]',
    "created": dt.datetime(2026, 11, 20, 10, 30),
}


def build(url: str, seed_dir: Path) -> dict[str, int]:
    """Create the old schema at ``url`` and load ``seed_dir`` the old way; returns rows per table."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    metadata.create_all(engine)
    c = validate_centres(read_csv_records(seed_dir / "centres.csv"))
    p = validate_projects(read_csv_records(seed_dir / "projects.csv"))
    i = validate_initiatives(read_csv_records(seed_dir / "initiatives.csv"),
                             centre_ids={r["id"] for r in c.rows}, project_ids={r["id"] for r in p.rows})
    tr_file = seed_dir / "translations.csv"
    t = validate_translations(read_csv_records(tr_file) if tr_file.exists() else [], {r["id"] for r in i.rows},
                              {"en", "ar"})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(centres.insert(), [row | {"seq": n} for n, row in enumerate(c.rows)])
        conn.execute(projects.insert(), [row | {"seq": n} for n, row in enumerate(p.rows)])
        conn.execute(initiatives.insert(), i.rows)
        if t.rows:
            conn.execute(translations.insert(), t.rows)
        errors = c.errors + p.errors + i.errors + t.errors
        if errors:
            conn.execute(load_errors.insert(), [
                {"source": e.source, "line": e.line, "field": e.field, "message": e.message, "value": e.value}
                for e in errors
            ])  # fmt: skip
        conn.execute(geocode_cache.insert(), [GEOCODE_ROW])
        conn.execute(meta.insert(), [{"key": "seed_hash", "value": seed_hash(seed_dir)},
                                     {"key": "data_version", "value": "3"}, {"key": "origin", "value": "seed"}])  # fmt: skip
    engine.dispose()
    return {"centres": len(c.rows), "projects": len(p.rows), "initiatives": len(i.rows),
            "translations": len(t.rows), "load_errors": len(errors)}  # fmt: skip
