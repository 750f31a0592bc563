"""Download the city's open geodata (wijken, street register) into the cache: ``make geodata``."""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import os
import re
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.boundaries import (
    WIJKEN_FILENAME,
    Boundaries,
    BoundaryError,
    Wijk,
    find_wijken_file,
    load_wijken,
    wijken_from_geojson,
)

#: ArcGIS REST layer of the wijken (relative to ``OPENDATA_BASE_URL``).
WIJKEN_LAYER = "P_Portal/portal_publiek2/MapServer/97"
#: ArcGIS REST layer of the street register ("straatas", all districts).
STREETS_LAYER = "P_Portal/portal_publiek9/MapServer/905"
WIJKEN_LABEL = "wijken layer (MapServer/97)"
STREETS_LABEL = "street layer (MapServer/905)"
#: Output file names in ``GEODATA_CACHE_DIR``.
STREETS_FILENAME = "antwerpen_straten.json"
POSTCODES_FILENAME = "antwerpen_postcodes_centroids.csv"

USER_AGENT = (
    "solidariteitskaart-antwerpen/0.1 geodata-download "
    "(+https://github.com/solidariteitskaart/antwerpen; python-requests/" + requests.__version__ + ")"
)
#: Features asked per request of the street layer.
DEFAULT_PAGE_SIZE = 1000
#: Safety stop for a server that ignores ``resultOffset``.
MAX_PAGES = 500

#: Candidate field names of the street layer, tried in order (then case-insensitively).
NAME_FIELDS = ("straatnaam", "STRAATNAAM", "naam", "NAAM", "straatnm", "STRAATNM", "straat", "STRAAT")
POSTCODE_FIELDS = (
    "postcode", "POSTCODE", "postcode_links", "postcodelinks", "POSTCODE_LINKS", "POSTCODELINKS",
    "postcode_rechts", "postcoderechts", "POSTCODE_RECHTS", "POSTCODERECHTS", "postcodel", "postcoder",
)  # fmt: skip
ID_FIELDS = ("id", "ID", "straatnaamid", "STRAATNAAMID", "straatnmid", "STRAATNMID", "OBJECTID", "objectid")

#: Antwerp postcodes: postcode -> (plaatsnaam, district).
ANTWERP_POSTCODES: dict[str, tuple[str, str]] = {
    "2000": ("Antwerpen", "Antwerpen"),
    "2018": ("Antwerpen", "Antwerpen"),
    "2020": ("Antwerpen", "Antwerpen"),
    "2030": ("Antwerpen", "Antwerpen"),
    "2040": ("Berendrecht-Zandvliet-Lillo", "Berendrecht-Zandvliet-Lillo"),
    "2050": ("Antwerpen", "Antwerpen"),
    "2060": ("Antwerpen", "Antwerpen"),
    "2100": ("Deurne", "Deurne"),
    "2140": ("Borgerhout", "Borgerhout"),
    "2150": ("Borsbeek", "Borsbeek"),
    "2170": ("Merksem", "Merksem"),
    "2180": ("Ekeren", "Ekeren"),
    "2600": ("Berchem", "Berchem"),
    "2610": ("Wilrijk", "Wilrijk"),
    "2660": ("Hoboken", "Hoboken"),
}

STREET_FIELDS = ["id", "naam", "postcode", "wijken", "kader [minLon, minLat, maxLon, maxLat]"]
POSTCODE_COLUMNS = ["postcode", "plaatsnaam", "district", "lat", "lon", "method"]


#: The city's ArcGIS REST services (the open-data portal).
DEFAULT_BASE_URL = "https://geodata.antwerpen.be/arcgissql/rest/services"


@dataclass(frozen=True)
class PortalConfig:
    """Where the open data comes from and goes to (the app builds it from its settings).

    Attributes
    ----------
    base_url : str
        Base URL of the ArcGIS REST services.
    timeout : float
        Seconds to wait for each answer.
    cache_dir : Path
        Where the downloaded files are written.
    geodata_dirs : tuple of Path
        Directories searched for an existing wijken file (the reference geodata, then the cache).
    """

    cache_dir: Path
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 20.0
    geodata_dirs: tuple[Path, ...] = ()


class OpenDataError(RuntimeError):
    """The portal answered, but not with usable data."""


def _base_query(**extra: Any) -> dict[str, Any]:
    return {"where": "1=1", "outFields": "*", "outSR": "4326", "f": "geojson", **extra}


def layer_url(config: PortalConfig, layer: str) -> str:
    """The ``query`` URL of an ArcGIS layer under ``config.base_url``."""
    return f"{config.base_url.rstrip('/')}/{layer}/query"


def query_layer(
    session: requests.Session, url: str, params: Mapping[str, Any], timeout: float, label: str = "layer"
) -> dict[str, Any]:
    """One ArcGIS query answered as GeoJSON.

    Parameters
    ----------
    session : requests.Session
        The HTTP session (with the User-Agent set).
    url : str
        The layer's ``query`` URL.
    params : Mapping
        Query parameters.
    timeout : float
        Seconds to wait for the connection and for each read.
    label : str
        Name of the layer in error messages.

    Returns
    -------
    dict
        The decoded FeatureCollection.

    Raises
    ------
    OpenDataError
        On an HTTP error status, a body that is not JSON, an ArcGIS ``{"error": ...}`` answer
        or JSON that is not a FeatureCollection.
    requests.RequestException
        When the portal cannot be reached or does not answer in time.
    """
    response = session.get(url, params=dict(params), timeout=timeout)
    if response.status_code != 200:
        raise OpenDataError(f"{label}: HTTP {response.status_code} {response.reason or ''}".strip())
    try:
        data = response.json()
    except ValueError as exc:
        raise OpenDataError(f"{label}: the answer is not JSON") from exc
    if isinstance(data, dict) and "error" in data:
        error = data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])}
        details = "; ".join(str(item) for item in error.get("details") or [] if item)
        message = " ".join(str(part) for part in (error.get("code"), error.get("message")) if part)
        raise OpenDataError(f"{label}: error {message or 'without message'}{f' ({details})' if details else ''}")
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise OpenDataError(f"{label}: the answer is not a GeoJSON FeatureCollection")
    return data


def _exceeded(page: Mapping[str, Any]) -> bool:
    """Whether an ArcGIS GeoJSON page says more features are available."""
    props = page.get("properties")
    return bool(page.get("exceededTransferLimit")) or (
        isinstance(props, dict) and bool(props.get("exceededTransferLimit"))
    )


def fetch_wijken(session: requests.Session, config: PortalConfig) -> tuple[dict[str, Any], list[Wijk]]:
    """Download and validate the wijken layer.

    Parameters
    ----------
    session : requests.Session
        The HTTP session.
    config : PortalConfig
        ``OPENDATA_BASE_URL`` and ``OPENDATA_TIMEOUT``.

    Returns
    -------
    tuple[dict, list[Wijk]]
        The FeatureCollection as received and the parsed wijken.

    Raises
    ------
    OpenDataError
        When the answer is unusable (including: no feature with a ``wijkcode``).
    """
    url = layer_url(config, WIJKEN_LAYER)
    data = query_layer(session, url, _base_query(), config.timeout, label=WIJKEN_LABEL)
    try:
        wijken = wijken_from_geojson(data, source=WIJKEN_LABEL)
    except BoundaryError as exc:
        raise OpenDataError(str(exc)) from exc
    return data, wijken


def fetch_street_features(
    session: requests.Session,
    config: PortalConfig,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> list[dict[str, Any]]:
    """Download all features of the street layer, page by page.

    Parameters
    ----------
    session : requests.Session
        The HTTP session.
    config : PortalConfig
        ``OPENDATA_BASE_URL`` and ``OPENDATA_TIMEOUT``.
    page_size : int
        ``resultRecordCount`` asked per request. Paging goes on while the portal says
        ``exceededTransferLimit`` or returns a full page, and stops at an empty page.

    Returns
    -------
    list[dict]
        The GeoJSON features of all pages.
    """
    url = layer_url(config, STREETS_LAYER)
    features: list[dict[str, Any]] = []
    offset = 0
    previous_first: str | None = None
    for _ in range(MAX_PAGES):
        params = _base_query(resultOffset=offset, resultRecordCount=page_size)
        page = query_layer(session, url, params, config.timeout, label=f"{STREETS_LABEL}, offset {offset}")
        batch = [item for item in page["features"] if isinstance(item, dict)]
        if not batch:
            break
        first = json.dumps(batch[0], sort_keys=True)
        if first == previous_first:
            raise OpenDataError(f"{STREETS_LABEL}: resultOffset is ignored (the same page came twice)")
        previous_first = first
        features.extend(batch)
        offset += len(page["features"])
        if not (_exceeded(page) or len(page["features"]) >= page_size):
            break
    else:
        raise OpenDataError(f"{STREETS_LABEL}: no end after {MAX_PAGES} pages")
    return features


def _pick(props: Mapping[str, Any], names: Iterable[str]) -> Any:
    """The first non-empty value among ``names`` (exact names first, then case-insensitive)."""
    names = list(names)
    for name in names:
        value = props.get(name)
        if value is not None and str(value).strip() != "":
            return value
    lowered = {str(key).lower(): value for key, value in props.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None and str(value).strip() != "":
            return value
    return None


def _postcode(value: Any) -> str:
    """A four-digit postcode from ``2000``, ``2000.0``, ``"2000 "`` or ``"B-2000"``; else ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", str(value))
    return match.group(1) if match else ""


def _identifier(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _id_key(value: str) -> tuple[int, int, str]:
    return (0, int(value), value) if value.isdigit() else (1, 0, value)


@dataclass
class _Street:
    ids: set[str] = field(default_factory=set)
    lines: list[BaseGeometry] = field(default_factory=list)


@dataclass
class StreetTable:
    """Streets aggregated from the register's segments, in the schema of ``antwerpen_straten.json``."""

    #: ``[id, naam, postcode, [wijkcodes], [minLon, minLat, maxLon, maxLat]]`` sorted by name, postcode.
    streets: list[list[Any]]
    #: Segments used / skipped (no name or no line geometry).
    segments: int
    skipped: int
    #: Property names seen in the layer (to diagnose an unknown schema).
    fields: list[str]


def aggregate_streets(features: Iterable[Mapping[str, Any]], boundaries: Boundaries | None = None) -> StreetTable:
    """Aggregate street segments per (name, postcode).

    Parameters
    ----------
    features : iterable of GeoJSON features
        Segments of the street register; field names are mapped defensively
        (:data:`NAME_FIELDS`, :data:`POSTCODE_FIELDS`, :data:`ID_FIELDS`).
    boundaries : Boundaries, optional
        The wijken; each street gets the wijken its segments run through
        (:meth:`Boundaries.wijken_along`), else ``[]``.

    Returns
    -------
    StreetTable
        One row per street with the union of the segments' bounding boxes (5 decimals) and
        the smallest id seen.
    """
    streets: dict[tuple[str, str], _Street] = {}
    seen_fields: set[str] = set()
    used = skipped = 0
    for feature in features:
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        seen_fields.update(str(key) for key in props)
        name = " ".join(str(_pick(props, NAME_FIELDS) or "").split())
        raw = feature.get("geometry")
        geometry = None
        if name and isinstance(raw, dict) and raw.get("type") in ("LineString", "MultiLineString"):
            try:
                geometry = shape(raw)
            except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.ShapelyError):
                geometry = None
        if geometry is None or geometry.is_empty:
            skipped += 1
            continue
        street = streets.setdefault((name, _postcode(_pick(props, POSTCODE_FIELDS))), _Street())
        identifier = _identifier(_pick(props, ID_FIELDS))
        if identifier:
            street.ids.add(identifier)
        street.lines.append(geometry)
        used += 1
    rows: list[list[Any]] = []
    for (name, postcode), street in sorted(streets.items(), key=lambda item: (item[0][0].casefold(), item[0])):
        lines = shapely.union_all(street.lines) if len(street.lines) > 1 else street.lines[0]
        min_x, min_y, max_x, max_y = shapely.total_bounds(street.lines).tolist()
        bbox = [round(min_x, 5), round(min_y, 5), round(max_x, 5), round(max_y, 5)]
        wijken = boundaries.wijken_along(lines) if boundaries is not None else []
        identifier = min(street.ids, key=_id_key) if street.ids else ""
        rows.append([identifier, name, postcode, wijken, bbox])
    return StreetTable(rows, used, skipped, sorted(seen_fields))


def streets_document(table: StreetTable, config: PortalConfig, retrieved_on: _dt.date | None = None) -> dict[str, Any]:
    """The ``antwerpen_straten.json`` document (same schema as ``antwerpen_district_straten.json``).

    Parameters
    ----------
    table : StreetTable
        The aggregated streets.
    config : PortalConfig
        For the source URL.
    retrieved_on : datetime.date, optional
        Download date (default: today).

    Returns
    -------
    dict
        ``{"schemaVersion": 1, "metadata": {...}, "streets": [...]}``.
    """
    return {
        "schemaVersion": 1,
        "metadata": {
            "title": "Straatnamen van de stad Antwerpen (alle districten)",
            "source": "Stad Antwerpen, straatas (wegenregister), geodata.antwerpen.be",
            "sourceUrl": f"{config.base_url.rstrip('/')}/{STREETS_LAYER}",
            "license": "Open data stad Antwerpen, gratis hergebruik met bronvermelding (Vlaamse open data licentie)",
            "retrievedOn": (retrieved_on or _dt.date.today()).isoformat(),
            "fields": list(STREET_FIELDS),
        },
        "streets": table.streets,
    }


def postcode_centroids(streets: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """A representative point per Antwerp postcode: the median of its streets' bounding-box centres.

    Parameters
    ----------
    streets : iterable of street rows
        ``[id, naam, postcode, wijkcodes, [minLon, minLat, maxLon, maxLat]]``.

    Returns
    -------
    list[dict]
        Rows with :data:`POSTCODE_COLUMNS`, sorted by postcode; only the postcodes of
        :data:`ANTWERP_POSTCODES` that have streets.
    """
    centres: dict[str, list[tuple[float, float]]] = {}
    for row in streets:
        postcode, (min_x, min_y, max_x, max_y) = row[2], row[4]
        if postcode in ANTWERP_POSTCODES:
            centres.setdefault(postcode, []).append(((min_y + max_y) / 2, (min_x + max_x) / 2))
    result = []
    for postcode in sorted(centres):
        points = centres[postcode]
        plaatsnaam, district = ANTWERP_POSTCODES[postcode]
        result.append(
            {
                "postcode": postcode,
                "plaatsnaam": plaatsnaam,
                "district": district,
                "lat": round(statistics.median(lat for lat, _ in points), 5),
                "lon": round(statistics.median(lon for _, lon in points), 5),
                "method": f"median of centres of {len(points)} street bounding boxes with this postcode "
                f"({STREETS_FILENAME}, stad Antwerpen straatas)",
            }
        )
    return result


def write_atomic(path: Path, text: str, check: Callable[[Path], object] | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and ``os.replace``.

    Parameters
    ----------
    path : Path
        The target file; its directory is created when missing.
    text : str
        The content (UTF-8).
    check : callable, optional
        Called with the temporary file before it replaces ``path``; an exception keeps the old file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed on failure
        "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    temp = Path(handle.name)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if check is not None:
            check(temp)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=POSTCODE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def download_wijken(session: requests.Session, config: PortalConfig) -> tuple[Path, Boundaries]:
    """Download the wijken into ``GEODATA_CACHE_DIR/antwerpen_wijken_stad.geojson``.

    Parameters
    ----------
    session : requests.Session
        The HTTP session.
    config : PortalConfig
        Portal URL, timeout and cache directory.

    Returns
    -------
    tuple[Path, Boundaries]
        The written file and the wijken in it.
    """
    data, wijken = fetch_wijken(session, config)
    path = Path(config.cache_dir) / WIJKEN_FILENAME

    def check(temp: Path) -> None:
        try:
            load_wijken(temp)
        except BoundaryError as exc:  # pragma: no cover - same parser as fetch_wijken
            raise OpenDataError(str(exc)) from exc

    write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")), check)
    return path, Boundaries(wijken)


def download_streets(
    session: requests.Session,
    config: PortalConfig,
    boundaries: Boundaries | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> tuple[Path, Path, StreetTable]:
    """Download the street register and write the streets and postcode points to the cache.

    Parameters
    ----------
    session : requests.Session
        The HTTP session.
    config : PortalConfig
        Portal URL, timeout and cache directory.
    boundaries : Boundaries, optional
        Wijken used to fill each street's wijkcodes.
    page_size : int
        Features per request.

    Returns
    -------
    tuple[Path, Path, StreetTable]
        The streets file, the postcodes file and the aggregated streets.
    """
    features = fetch_street_features(session, config, page_size=page_size)
    table = aggregate_streets(features, boundaries)
    if not table.streets:
        seen = ", ".join(table.fields[:20]) or "none"
        raise OpenDataError(
            f"{STREETS_LABEL}: {len(features)} features but no usable street "
            f"(name field or line geometry missing; fields seen: {seen})"
        )
    cache = Path(config.cache_dir)
    streets_path, postcodes_path = cache / STREETS_FILENAME, cache / POSTCODES_FILENAME
    document = streets_document(table, config)
    write_atomic(streets_path, json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    write_atomic(postcodes_path, _csv_text(postcode_centroids(table.streets)))
    return streets_path, postcodes_path, table


def _no_answer_reason(exc: requests.RequestException, config: PortalConfig) -> str:
    host = urlsplit(config.base_url).netloc or config.base_url
    if isinstance(exc, requests.Timeout):
        return f"no answer from {host} within {config.timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect to {host}"
    return f"{type(exc).__name__} from {host}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m solidarity.geodata",
        description="Download Antwerp's wijken and street register from the city's open-data portal "
        "into GEODATA_CACHE_DIR.",
    )
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when the cache already has the wijken file (or, with --only streets, the streets "
        "file); never fail (exit 0)",
    )
    parser.add_argument("--only", choices=("wijken", "streets"), help="download only this layer")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None, config: PortalConfig) -> int:
    """Run the download (the ``make geodata`` command).

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``): ``[--if-missing] [--only wijken|streets]``.
    config : PortalConfig
        Where to download from and to (``python -m solidarity.geodata`` builds it from the settings).

    Returns
    -------
    int
        0 on success (and always with ``--if-missing``), 1 when the download failed. The cache
        is only replaced by validated data.
    """
    args = _parser().parse_args(argv)
    cache = Path(config.cache_dir)
    parts = [args.only] if args.only else ["wijken", "streets"]
    failed = 0 if args.if_missing else 1
    if args.if_missing:
        # Fetch only the parts whose file is not cached yet (`make run` calls this every start).
        files = {"wijken": WIJKEN_FILENAME, "streets": STREETS_FILENAME}
        parts = [part for part in parts if not (cache / files[part]).is_file()]
        if not parts:
            return 0
    boundaries: Boundaries | None = None
    labels = {"wijken": "wijken", "streets": "streets and postcodes"}
    current = parts[0]
    try:
        with requests.Session() as session:
            session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/geo+json, application/json"})
            if "wijken" in parts:
                current = "wijken"
                path, boundaries = download_wijken(session, config)
                print(f"geodata: {len(boundaries)} wijken written to {path}")
            if "streets" in parts:
                current = "streets"
                if boundaries is None:
                    wijken_file = find_wijken_file(config.geodata_dirs or (config.cache_dir,))
                    try:
                        boundaries = Boundaries(load_wijken(wijken_file)) if wijken_file else None
                    except BoundaryError as exc:
                        print(f"geodata: streets get no wijkcodes: {exc}", file=sys.stderr)
                streets_path, postcodes_path, table = download_streets(
                    session, config, boundaries, page_size=max(1, args.page_size)
                )
                note = "" if boundaries is not None else " (no wijken file: wijkcodes left empty)"
                print(
                    f"geodata: {len(table.streets)} streets from {table.segments} segments written to "
                    f"{streets_path}{note}; postcode points in {postcodes_path.name}"
                )
    except requests.RequestException as exc:
        consequence = (
            f"the cached {labels[current]} were left as they were"
            if current == "streets" or find_wijken_file(config.geodata_dirs or (config.cache_dir,))
            else "the app runs without neighbourhood areas"
        )
        print(
            f"geodata: the open-data portal did not answer ({_no_answer_reason(exc, config)}); "
            f"{consequence}. Run `make geodata` again when online.",
            file=sys.stderr,
        )
        return failed
    except OpenDataError as exc:
        print(
            f"geodata: unusable answer from the open-data portal ({exc}); the cached {labels[current]} "
            "were left as they were. "
            "Run `make geodata` again later.",
            file=sys.stderr,
        )
        return failed
    except OSError as exc:
        print(f"geodata: cannot write to the cache directory {cache} ({exc}).", file=sys.stderr)
        return failed
    return 0
