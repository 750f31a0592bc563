"""Shared fixtures: the hand-made seed data, a fresh store, the optional real geodata."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.apptest import v2_navigation
from solidarity.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed"
PROJECT_DIR = Path(__file__).resolve().parent.parent


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
