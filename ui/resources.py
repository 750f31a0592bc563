"""Process-wide resources, cached by what really varies (settings, data version, file paths)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import streamlit as st

from geo.boundaries import Boundaries, find_wijken_file, load_boundaries
from geo.gazetteer import Gazetteer
from geo.geocode import Geocoder, KeyValueGeocodeCache, SharedRateLimiter, make_nominatim
from solidarity.catalog import Catalog, build_catalog
from solidarity.i18n import N_, _
from solidarity.nearby import gazetteer_places
from solidarity.safety import md
from solidarity.settings import Settings, SettingsError, load_settings, read_secrets
from solidarity.store import LoadReport, Store, StoreError

log = logging.getLogger(__name__)

MSG_CANNOT_START = N_(
    "The map cannot be shown: a setting is wrong or the database cannot be reached. "
    "Whoever runs this app can fix it; the problem is:"
)


def stop(problem: str) -> None:
    """Stop the run with one clear line naming the setting (no traceback, no fallback)."""
    log.error("cannot start: %s", problem)
    st.error(_(MSG_CANNOT_START) + "  \n" + md(problem), icon=":material/error:")
    st.stop()


def settings() -> Settings:
    """The settings: environment first, then ``.streamlit/secrets.toml`` (a malformed file stops the app)."""
    try:
        return load_settings(secrets=read_secrets())
    except SettingsError as exc:
        stop(str(exc))
        raise  # st.stop() raised already; for type checkers


@st.cache_resource(show_spinner=False)
def _store(url: str, seed_dir: str) -> tuple[Store, LoadReport | None]:
    instance = Store(url)  # applies pending migrations (safe with several processes)
    report = instance.ensure_seeded(Path(seed_dir))
    return instance, report


def store(url: str, seed_dir: str) -> tuple[Store, LoadReport | None]:
    """The store for ``url``, migrated, seeded from ``seed_dir`` when empty (one per process).

    A wrong ``DATABASE_URL`` or an unreachable database stops the app with one line."""
    try:
        return _store(url, seed_dir)
    except StoreError as exc:
        stop(str(exc))
        raise


def current_boundaries(config: Settings) -> Boundaries | None:
    """The wijk boundaries found through the settings (cached per file version), or None."""
    return load_boundaries(config.geodata_paths)


@st.cache_resource(show_spinner=False, max_entries=2)
def _outlines(wijken_key: str) -> dict | None:
    found = current_boundaries(settings())
    if found is None:
        return None
    # About 10 m of simplification: a thin outline for orientation, a fraction of the file's size.
    return found.to_geojson({w.code: w.geometry for w in found.wijken}, tolerance=0.0001)


def wijk_outlines() -> dict | None:
    """The wijken's outlines as GeoJSON for the forms' small maps (cached per boundary file), or None."""
    path = find_wijken_file(settings().geodata_paths)
    return _outlines(f"{path}:{path.stat().st_mtime_ns}" if path else "")


# cache_resource, not cache_data: every session gets the same objects, without unpickling a
# copy on each rerun (10 ms at 10,000 initiatives). Pages and the core only read them (the list
# per language kept on the catalogue aside): filters return new frames; tests/test_pages.py
# checks that running the pages leaves the data unchanged.
@st.cache_resource(show_spinner=False, max_entries=8)
def _catalog(url: str, seed_dir: str, version: int, wijken_key: str, day: dt.date) -> Catalog:
    config = settings()
    instance, _report = store(url, seed_dir)
    return build_catalog(instance, current_boundaries(config), today=day)


def catalog() -> Catalog:
    """The prepared data of the current data version (cached per version and boundary file; read only)."""
    config = settings()
    instance, _report = store(config.DATABASE_URL, config.SEED_DIR)
    path = find_wijken_file(config.geodata_paths)
    wijken_key = f"{path}:{path.stat().st_mtime_ns}" if path else ""
    # The day is part of the key: an entry's freshness ("not checked for a year") changes with it.
    return _catalog(config.DATABASE_URL, config.SEED_DIR, instance.data_version(), wijken_key, dt.date.today())


@st.cache_resource(show_spinner=False, max_entries=4)
def _geocoder(url: str, seed_dir: str, version: int, geodata_key: str) -> Geocoder:
    config = settings()
    instance, _report = store(url, seed_dir)
    data = catalog()
    gazetteer = Gazetteer.from_sources(config.geodata_dirs, extra_places=gazetteer_places(data.centres, data.initiatives))
    # The answers and the one-request-a-second limit live in the store: shared by every app process.
    cache = KeyValueGeocodeCache(instance, dt.timedelta(days=float(config.GEOCODE_CACHE_DAYS)))
    return Geocoder(gazetteer, cache, make_nominatim(config.nominatim()), limiter=SharedRateLimiter(instance))


def geocoder() -> Geocoder:
    """The geocoder: offline gazetteer of the geodata and the project's own places, Nominatim online."""
    config = settings()
    instance, _report = store(config.DATABASE_URL, config.SEED_DIR)
    geodata_key = ";".join(
        f"{p}:{p.stat().st_mtime_ns}" for d in config.geodata_dirs for p in sorted(d.glob("antwerpen_*")) if p.is_file()
    )
    return _geocoder(config.DATABASE_URL, config.SEED_DIR, instance.data_version(), geodata_key + config.GEOCODER)
