"""Shared fixtures: the hand-made seed data, fresh stores on SQLite and PostgreSQL, the optional real geodata.

PostgreSQL: the store tests that take ``db_url`` run on both databases. The PostgreSQL cases
need ``TEST_DATABASE_URL`` (a database the tests may create schemas in; ``.ci/run`` starts
Debian's PostgreSQL and sets it); without it they are skipped, and the test header says so in
one line, unless ``REQUIRE_POSTGRES=1``: then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from harness.apptest import v2_navigation
from solidarity.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed"
PROJECT_DIR = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES", "") == "1"
_pg_problem: list[str | None] = []
#: Fixtures whose "postgresql" parameter puts a test on PostgreSQL (deselected without it).
PG_PARAMS = ("db_url", "store_db")


def postgres_problem() -> str | None:
    """Why the PostgreSQL cases cannot run (None when they can); checked once per process."""
    if not _pg_problem:
        if not PG_URL:
            _pg_problem.append("TEST_DATABASE_URL is not set")
        else:
            from solidarity.db import StoreError, make_engine, normalise_url

            try:
                make_engine(normalise_url(PG_URL)).dispose()
                _pg_problem.append(None)
            except StoreError as exc:
                _pg_problem.append(str(exc))
    return _pg_problem[0]


def pytest_report_header(config: pytest.Config) -> str:
    problem = postgres_problem()
    if problem is None:
        from solidarity.db import shown_url

        return f"PostgreSQL store tests: on ({shown_url(PG_URL)})"
    if REQUIRE_POSTGRES:
        return f"PostgreSQL store tests: FAILING (REQUIRE_POSTGRES=1): {problem}"
    return f"PostgreSQL store tests: not run (deselected): {problem}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL (and without REQUIRE_POSTGRES=1) its cases are deselected, so the run
    says it in one line (the header) instead of one skip per test."""
    if REQUIRE_POSTGRES or postgres_problem() is None:
        return
    chosen, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = (callspec is not None and "postgresql" in (callspec.params.get(name) for name in PG_PARAMS)) or (
            "pg_schemas" in getattr(item, "fixturenames", ()) and "db_url" not in getattr(item, "fixturenames", ())
        )
        (dropped if on_postgres else chosen).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = chosen


def need_postgres() -> None:
    """Skip (or fail, with REQUIRE_POSTGRES=1) a test when PostgreSQL is not available."""
    problem = postgres_problem()
    if problem is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required (REQUIRE_POSTGRES=1) but {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL store tests skipped: {problem}")


class PgSchemas:
    """Fresh schemas in the test database; URLs that put one first on the search path."""

    def __init__(self) -> None:
        import sqlalchemy as sa

        from solidarity.db import normalise_url

        self.url = normalise_url(PG_URL)
        self.engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def new(self) -> str:
        import sqlalchemy as sa

        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.engine.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        self.names.append(name)
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}options=-csearch_path%3D{name}"

    def drop_all(self) -> None:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        self.engine.dispose()


@pytest.fixture
def pg_schemas() -> Iterator[PgSchemas]:
    """Make fresh PostgreSQL schemas (dropped after the test); needs PostgreSQL."""
    need_postgres()
    schemas = PgSchemas()
    yield schemas
    schemas.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database: an SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    schemas = request.getfixturevalue("pg_schemas")
    yield schemas.new()


@pytest.fixture
def seed_dir() -> Path:
    """The small hand-made seed files (with deliberately bad and hostile rows)."""
    return SEED


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A new SQLite store seeded from the fixture seed files."""
    instance = Store(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    instance.ensure_seeded(SEED)
    return instance


@pytest.fixture
def any_store(db_url: str) -> Iterator[Store]:
    """A new store seeded from the fixture seed files, on SQLite and on PostgreSQL."""
    instance = Store(db_url)
    instance.ensure_seeded(SEED)
    yield instance
    instance.close()


@pytest.fixture
def geodata_dir() -> Path:
    """The real Antwerp geodata (GEODATA_DIR); skips the test when it is not there."""
    value = os.environ.get("GEODATA_DIR", "")
    path = Path(value) if value else None
    if path is None or not (path / "antwerpen_wijken_stad.geojson").is_file():
        pytest.skip("GEODATA_DIR with the Antwerp geodata is not set")
    return path


@pytest.fixture(autouse=True)
def app_navigation():
    """Every AppTest run starts like a session of the server: app.py, then the page (harness.apptest)."""
    with v2_navigation():
        yield


@pytest.fixture
def page_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database per test, no network, no tiles, no geodata unless GEODATA_DIR is set."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite3'}")
    monkeypatch.setenv("SEED_DIR", str(PROJECT_DIR / "data"))
    monkeypatch.setenv("GEOCODER", "offline")
    monkeypatch.setenv("TILES_URL", "none")
    monkeypatch.setenv("GEODATA_CACHE_DIR", str(tmp_path / "no-cache"))
    st.cache_data.clear()
    st.cache_resource.clear()
    return tmp_path
