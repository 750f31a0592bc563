"""Process-wide resources, cached by what really varies (settings, data version, file paths)."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from solidarity.catalog import Catalog, build_catalog
from solidarity.settings import Settings, load_settings
from solidarity.store import LoadReport, Store

log = logging.getLogger(__name__)


def settings() -> Settings:
    """The settings: environment first, then ``.streamlit/secrets.toml``."""
    try:
        secrets = dict(st.secrets)
    except Exception:  # no secrets file: that is the normal case  # noqa: BLE001
        secrets = {}
    return load_settings(secrets=secrets)


@st.cache_resource(show_spinner=False)
def store(url: str, seed_dir: str) -> tuple[Store, LoadReport | None]:
    """The store for ``url``, seeded from ``seed_dir`` when empty (one per process)."""
    instance = Store(url)
    report = instance.ensure_seeded(Path(seed_dir))
    return instance, report


@st.cache_resource(show_spinner=False)
def boundaries(wijken_path: str, mtime: float):  # noqa: ANN201 - geo.boundaries.Boundaries | None
    """The wijk boundaries from ``wijken_path`` (re-read when the file changes)."""
    from geo.boundaries import Boundaries, BoundaryError, load_wijken

    try:
        return Boundaries(load_wijken(Path(wijken_path)))
    except (BoundaryError, OSError) as exc:
        log.warning("boundaries not loaded from %s: %s", wijken_path, exc)
        return None


def current_boundaries(config: Settings):  # noqa: ANN201
    """The boundaries found through the settings, or None."""
    from geo.boundaries import find_wijken_file

    path = find_wijken_file(config)
    if path is None:
        return None
    return boundaries(str(path), path.stat().st_mtime)


@st.cache_data(show_spinner=False, max_entries=8)
def _catalog(url: str, seed_dir: str, version: int, wijken_key: str) -> Catalog:
    config = settings()
    instance, _report = store(url, seed_dir)
    return build_catalog(instance, current_boundaries(config))


def catalog() -> Catalog:
    """The prepared data of the current data version (cached per version and boundary file)."""
    config = settings()
    instance, _report = store(config.DATABASE_URL, config.SEED_DIR)
    from geo.boundaries import find_wijken_file

    path = find_wijken_file(config)
    wijken_key = f"{path}:{path.stat().st_mtime}" if path else ""
    return _catalog(config.DATABASE_URL, config.SEED_DIR, instance.data_version(), wijken_key)
