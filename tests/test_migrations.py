"""Migrations: a store of the pre-migration app upgrades in place with every row kept; the models
(``solidarity.schema``) and the migrations agree; the database checks the vocabularies; two
processes migrating at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from geo.geocode import KeyValueGeocodeCache
from solidarity import migrate, schema
from solidarity.db import make_engine, normalise_url
from solidarity.store import Store
from tests import legacy_store
from tests.spawning import SPAWN, plain_main


def old_frames(url: str) -> dict[str, list[dict]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = {t: [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1")).mappings()]
               for t in ("centres", "projects", "initiatives", "translations", "load_errors")}  # fmt: skip
    engine.dispose()
    return out


def test_old_store_upgrades_in_place_keeping_every_row(db_url: str, seed_dir: Path) -> None:
    counts = legacy_store.build(db_url, seed_dir)
    before = old_frames(db_url)
    assert migrate.current(make_engine(normalise_url(db_url))) is None

    store = Store(db_url)
    assert migrate.current(store.engine) == migrate.head()
    assert store.ensure_seeded(seed_dir) is None  # holds data: never re-seeded
    initiatives = store.initiatives(include_inactive=True)
    assert len(initiatives) == counts["initiatives"]
    old = {r["id"]: r for r in before["initiatives"]}
    for row in initiatives.to_dict("records"):
        assert row == {k: v for k, v in old[row["id"]].items()}, row["id"]  # every column, projects from the links
    assert store.initiatives().set_index("id").loc["i3", "projects"] == "p-rechten;p-tuin"
    for name in ("centres", "projects"):
        frame = getattr(store, name)()
        assert frame.to_dict("records") == [{k: v for k, v in r.items() if k != "seq"}
                                            for r in sorted(before[name], key=lambda r: r["seq"])]  # fmt: skip
    assert len(store.translations()) == counts["translations"]
    assert len(store.load_errors()) == counts["load_errors"] > 0
    assert store.data_version() == 3
    cache = KeyValueGeocodeCache(store, max_age=None)
    assert cache.get(legacy_store.GEOCODE_ROW["key"])[0].label == "Schijfstraat 105, 2020 Antwerpen"
    # The upgraded store takes edits like a new one.
    record = store.record("initiatives", "i1")
    assert record.version == 1
    store.update("initiatives", "i1", {"name": "Na de migratie"}, version=1, who="test")
    assert store.initiatives().set_index("id").loc["i1", "name"] == "Na de migratie"
    assert store.data_version() == 4


def test_old_sqlite_store_is_backed_up_before_migrating(tmp_path: Path, seed_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    legacy_store.build(url, seed_dir)
    Store(url)
    copies = list(tmp_path.glob("old.sqlite3.before-migration-*"))
    assert len(copies) == 1
    engine = sa.create_engine(f"sqlite:///{copies[0]}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM initiatives")).scalar_one() == 6
        assert "alembic_version" not in sa.inspect(conn).get_table_names()
    Store(url)  # up to date: no second copy
    assert len(list(tmp_path.glob("old.sqlite3.before-migration-*"))) == 1


@pytest.mark.parametrize("origin", ["new", "old"])
def test_models_and_migrations_agree(db_url: str, seed_dir: Path, origin: str) -> None:
    if origin == "old":
        legacy_store.build(db_url, seed_dir)
    store = Store(db_url)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, schema.metadata)
    assert diff == [], diff


def test_compare_metadata_notices_a_model_change(db_url: str) -> None:
    """The check above can fail: a column in the models and not in the migrations is a diff."""
    store = Store(db_url)
    changed = sa.MetaData()
    for table in schema.metadata.sorted_tables:
        table.to_metadata(changed)
    sa.Table("cache", changed, sa.Column("extra", sa.Text), extend_existing=True)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), changed)
    assert any(d[0] == "add_column" and d[3].name == "extra" for d in diff), diff


VIOLATIONS = [
    ("initiatives", "solidarity_type", "solidair"),
    ("initiatives", "status", "closed"),
    ("initiatives", "location_precision", "roughly"),
    ("initiatives", "wheelchair", "maybe"),
    ("initiatives", "centre_id", "no-such-centre"),
    ("centres", "location_precision", "nowhere"),
    ("projects", "kind", "idea"),
]


@pytest.mark.parametrize("origin", ["new", "old"])
@pytest.mark.parametrize(("table", "column", "value"), VIOLATIONS)
def test_database_checks_the_vocabularies(db_url: str, seed_dir: Path, origin: str, table: str, column: str,
                                          value: str) -> None:  # fmt: skip
    if origin == "old":
        legacy_store.build(db_url, seed_dir)
        store = Store(db_url)
    else:
        store = Store(db_url)
        store.ensure_seeded(seed_dir)
    row_id = {"initiatives": "i1", "centres": "c-kiel", "projects": "p-tuin"}[table]
    t = schema.TABLES[table]
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == row_id).values({column: value}))
    with store.engine.begin() as conn:  # and a good value passes
        good = {"solidarity_type": "both", "status": "inactive", "location_precision": "exact", "wheelchair": "yes",
                "centre_id": "c-noord", "kind": "practice"}[column]  # fmt: skip
        conn.execute(t.update().where(t.c.id == row_id).values({column: good}))


def _migrate_in_process(url: str, queue: multiprocessing.Queue) -> None:
    try:
        engine = make_engine(normalise_url(url))
        queue.put(("ok", migrate.upgrade(engine, backup=False)))
    except Exception as exc:  # reported to the test
        queue.put(("error", repr(exc)))


def test_two_processes_migrating_at_once(db_url: str, seed_dir: Path) -> None:
    legacy_store.build(db_url, seed_dir)
    queue = SPAWN.Queue()
    processes = [SPAWN.Process(target=_migrate_in_process, args=(db_url, queue)) for _ in range(3)]
    with plain_main():
        for p in processes:
            p.start()
    results = [queue.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    assert all(status == "ok" for status, _ in results), results
    applied = sorted(tuple(revisions) for _, revisions in results)
    assert applied == [(), (), ("0001", "0002", "0003")] or applied == [(), (), ("0002", "0003")], applied
    store = Store(db_url)
    assert len(store.initiatives(include_inactive=True)) == 6


def test_unknown_tables_are_not_touched(db_url: str) -> None:
    engine = make_engine(normalise_url(db_url))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE initiatives (id VARCHAR(10) PRIMARY KEY, other TEXT)"))
    with pytest.raises(migrate.SchemaError, match="not touching it"):
        migrate.upgrade(engine)
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) == {"initiatives"}


def test_the_app_on_an_old_store_shows_the_same_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``make run`` on a store file of the pre-migration app: upgraded, the same map as a fresh seed."""
    import json
    import re

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    data = Path(__file__).resolve().parent.parent / "data"

    def points(url: str) -> list:
        monkeypatch.setenv("DATABASE_URL", url)
        st.cache_resource.clear()
        at = AppTest.from_file(str(data.parent / "app.py"), default_timeout=60)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        (element,) = [el for el in at.get("component_instance") if el.proto.component_name == "streamlit_folium.st_folium"]
        return json.loads(re.search(r"var data = (\[.*?\]);\n", json.loads(element.proto.json_args)["script"], re.S).group(1))

    monkeypatch.setenv("SEED_DIR", str(data))
    monkeypatch.setenv("GEOCODER", "offline")
    monkeypatch.setenv("TILES_URL", "none")
    monkeypatch.setenv("GEODATA_CACHE_DIR", str(tmp_path / "no-cache"))
    old = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    legacy_store.build(old, data)
    upgraded = points(old)
    assert migrate.current(make_engine(normalise_url(old))) == migrate.head()
    assert upgraded == points(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert len(upgraded) > 20
