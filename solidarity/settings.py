"""All settings in one place, read from the environment (or Streamlit secrets passed in).

Every setting is documented in the README ("Configuration"); a test fails when one is not.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from geo.geocode import NominatimConfig
from geo.opendata import DEFAULT_BASE_URL, PortalConfig

PROJECT_DIR = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line naming it."""


@dataclass(frozen=True)
class Settings:
    """The app's configuration. Build it with :func:`load_settings`."""

    #: SQLAlchemy URL of the store. Default: an SQLite file under ``data/`` (git-ignored).
    DATABASE_URL: str = f"sqlite:///{PROJECT_DIR / 'data' / 'solidarity.sqlite3'}"
    #: Directory with reference geodata (wijken GeoJSON, street register, postcode points).
    GEODATA_DIR: str = ""
    #: Directory where ``make geodata`` stores the downloaded official open data.
    GEODATA_CACHE_DIR: str = str(PROJECT_DIR / ".geodata-cache")
    #: Directory with the seed CSV files loaded into an empty store.
    SEED_DIR: str = str(PROJECT_DIR / "data")
    #: Base URL of the city's ArcGIS REST services (open-data portal).
    OPENDATA_BASE_URL: str = DEFAULT_BASE_URL
    #: Seconds to wait for the open-data portal.
    OPENDATA_TIMEOUT: float = 20.0
    #: ``nominatim`` (online, with offline fallback) or ``offline`` (gazetteer only).
    GEOCODER: str = "nominatim"
    #: Host of the Nominatim service.
    NOMINATIM_DOMAIN: str = "nominatim.openstreetmap.org"
    #: User agent sent to Nominatim (its usage policy asks for a real one with contact).
    NOMINATIM_USER_AGENT: str = "solidariteitskaart-antwerpen/0.1 (+https://github.com/solidariteitskaart/antwerpen)"
    #: Seconds before a geocoding request gives up (no retries).
    GEOCODER_TIMEOUT: float = 2.0
    #: Days an answer of the online address search is kept (the normalised query is what residents typed).
    GEOCODE_CACHE_DAYS: float = 30.0
    #: Tile URL template for the background map; ``none`` for no background tiles.
    TILES_URL: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    #: Attribution shown with the tiles.
    TILES_ATTRIBUTION: str = "&copy; OpenStreetMap contributors"
    #: ``make serve``: the port the proxy listens on (HTTPS when TLS is set).
    SERVE_PORT: int = 8080
    #: ``make serve``: the address the proxy listens on; ``0.0.0.0`` to be reached from other machines.
    SERVE_ADDRESS: str = "127.0.0.1"
    #: ``make serve``: how many app processes share the load behind the proxy.
    APP_PROCESSES: int = 2
    #: Other origins allowed to show the app in a frame (CSP ``frame-ancestors``; the app itself always may).
    FRAME_ANCESTORS: str = ""
    #: ``make serve`` with TLS: certificate chain (PEM), e.g. certbot's ``fullchain.pem``.
    TLS_CERTIFICATE: str = ""
    #: ``make serve`` with TLS: the certificate's private key (PEM).
    TLS_CERTIFICATE_KEY: str = ""
    #: ``make serve`` with TLS: a plain-HTTP port that redirects to HTTPS and answers ACME challenges (0: none).
    SERVE_HTTP_PORT: int = 0
    #: Folder served at ``/.well-known/acme-challenge/`` on ``SERVE_HTTP_PORT`` (certbot ``--webroot``).
    ACME_WEBROOT: str = str(PROJECT_DIR / ".serve" / "acme")

    @property
    def geodata_paths(self) -> list[Path]:
        """Directories configured for geodata, in order: ``GEODATA_DIR`` then the download cache."""
        return [Path(d) for d in (self.GEODATA_DIR, self.GEODATA_CACHE_DIR) if d]

    @property
    def geodata_dirs(self) -> list[Path]:
        """The :attr:`geodata_paths` that exist."""
        return [d for d in self.geodata_paths if d.is_dir()]

    def portal(self) -> PortalConfig:
        """Where ``make geodata`` downloads from and to."""
        return PortalConfig(
            cache_dir=Path(self.GEODATA_CACHE_DIR),
            base_url=self.OPENDATA_BASE_URL,
            timeout=float(self.OPENDATA_TIMEOUT),
            geodata_dirs=tuple(self.geodata_paths),
        )

    def nominatim(self) -> NominatimConfig | None:
        """The online geocoder's configuration, or ``None`` when ``GEOCODER`` is ``offline``."""
        if str(self.GEOCODER).strip().lower() == "offline":
            return None
        return NominatimConfig(
            domain=self.NOMINATIM_DOMAIN, user_agent=self.NOMINATIM_USER_AGENT, timeout=float(self.GEOCODER_TIMEOUT)
        )


def setting_names() -> list[str]:
    """Names of all settings."""
    return [f.name for f in fields(Settings)]


def load_settings(secrets: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default ``os.environ``), then ``secrets``, then the defaults."""
    environ = os.environ if environ is None else environ
    secrets = secrets or {}
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = environ.get(f.name)
        if raw is None and f.name in secrets:
            raw = secrets[f.name]
        if raw is None or raw == "":
            continue
        if f.type in ("float", float):
            try:
                values[f.name] = float(raw)
            except (TypeError, ValueError):
                raise SettingsError(f"{f.name} must be a number of seconds, not {str(raw)[:40]!r}") from None
        elif f.type in ("int", int):
            try:
                values[f.name] = int(str(raw).strip())
            except (TypeError, ValueError):
                raise SettingsError(f"{f.name} must be a whole number, not {str(raw)[:40]!r}") from None
        else:
            values[f.name] = str(raw)
    if str(values.get("TILES_URL", "")).lower() in ("none", "off"):
        values["TILES_URL"] = ""
    return Settings(**values)


def secrets_files() -> list[Path]:
    """The ``secrets.toml`` files Streamlit reads, in its order (the later wins)."""
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def read_secrets(paths: Iterable[Path] | None = None) -> dict[str, object]:
    """The keys of the secrets files that exist; :class:`SettingsError` for one that is not valid TOML
    (never a silent fallback to the defaults)."""
    values: dict[str, object] = {}
    for path in secrets_files() if paths is None else paths:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path} cannot be read: {exc}") from None
        try:
            values.update(tomllib.loads(text))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path} is not valid TOML: {exc}") from None
    return values
