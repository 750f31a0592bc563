"""Antwerp's wijken (neighbourhoods) as shapes: loading, unions per buurtwerk, point lookup, GeoJSON."""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

logger = logging.getLogger(__name__)

#: File name of the city's "wijken" layer, in ``GEODATA_DIR`` or the download cache.
WIJKEN_FILENAME = "antwerpen_wijken_stad.geojson"

#: Grid (degrees) that :func:`to_geojson` snaps coordinates to: 5 decimals, about 1 m.
GEOJSON_GRID = 1e-5

_AREAL_TYPES = ("Polygon", "MultiPolygon")


class BoundaryError(ValueError):
    """A wijken file that cannot be read or does not hold usable wijken."""


@dataclass(frozen=True)
class Wijk:
    """One wijk: its code (e.g. ``ANT20``), its name and its (valid, areal) geometry in lon/lat."""

    code: str
    name: str
    geometry: BaseGeometry


def _areal(geometry: BaseGeometry) -> BaseGeometry:
    """Make ``geometry`` valid and keep only its polygonal parts (may be empty)."""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
        if not geometry.is_valid:  # pragma: no cover - make_valid output is valid in GEOS >= 3.8
            geometry = geometry.buffer(0)
    if geometry.geom_type in _AREAL_TYPES:
        return geometry
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type in _AREAL_TYPES]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def wijken_from_geojson(data: Any, source: str = "GeoJSON") -> list[Wijk]:
    """Parse the wijken of a GeoJSON FeatureCollection with ``wijkcode``/``wijknaam`` properties.

    Parameters
    ----------
    data : Any
        The decoded JSON document (the schema of the city's open-data layer "wijken").
    source : str
        Name of the document, used in error messages.

    Returns
    -------
    list[Wijk]
        The wijken sorted by code; names stripped; geometries made valid. Features without a
        ``wijkcode`` are skipped (logged); features with the same code are merged.

    Raises
    ------
    BoundaryError
        When ``data`` is not a FeatureCollection, a wijk has no areal geometry, the
        coordinates are not WGS84 lon/lat, or no feature has a ``wijkcode``.
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryError(f"{source}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise BoundaryError(f"{source}: the FeatureCollection has no list of features")
    names: dict[str, str] = {}
    parts: dict[str, list[BaseGeometry]] = {}
    skipped = 0
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        code = str(props.get("wijkcode") or "").strip()
        if not code:
            skipped += 1
            continue
        raw = feature.get("geometry")
        if not isinstance(raw, dict) or raw.get("type") not in _AREAL_TYPES:
            kind = raw.get("type") if isinstance(raw, dict) else "no geometry"
            raise BoundaryError(f"{source}: wijk {code} (feature {number}) has {kind}, not a (Multi)Polygon")
        try:
            geometry = _areal(shape(raw))
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
            raise BoundaryError(f"{source}: wijk {code} (feature {number}) has a broken geometry: {exc}") from exc
        if geometry.is_empty:
            raise BoundaryError(f"{source}: wijk {code} (feature {number}) has an empty geometry")
        min_x, min_y, max_x, max_y = geometry.bounds
        if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
            raise BoundaryError(f"{source}: wijk {code} is not in WGS84 lon/lat (bounds {geometry.bounds})")
        name = str(props.get("wijknaam") or "").strip()
        names[code] = names.get(code) or name or code
        parts.setdefault(code, []).append(geometry)
    if skipped:
        logger.warning("%s: skipped %d feature(s) without a wijkcode", source, skipped)
    if not parts:
        raise BoundaryError(f"{source}: no feature with a wijkcode property")
    return [
        Wijk(code, names[code], geoms[0] if len(geoms) == 1 else _areal(shapely.union_all(geoms)))
        for code, geoms in sorted(parts.items())
    ]


def load_wijken(path: str | os.PathLike[str]) -> list[Wijk]:
    """Read the wijken from a GeoJSON file.

    Parameters
    ----------
    path : str or os.PathLike
        A GeoJSON FeatureCollection with properties ``wijkcode`` and ``wijknaam``.

    Returns
    -------
    list[Wijk]
        The wijken sorted by code (see :func:`wijken_from_geojson`).

    Raises
    ------
    BoundaryError
        When the file cannot be read, is not JSON, or holds no usable wijken.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise BoundaryError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    except (ValueError, RecursionError) as exc:
        raise BoundaryError(f"{path}: not valid JSON ({exc})") from exc
    return wijken_from_geojson(data, source=str(path))


def find_wijken_file(dirs: Iterable[Path | str]) -> Path | None:
    """The first wijken file in ``dirs`` (the app passes ``GEODATA_DIR``, then the download cache).

    Parameters
    ----------
    dirs : iterable of Path or str
        Directories to search, in order; empty strings and missing directories are skipped.

    Returns
    -------
    Path or None
        The path of ``antwerpen_wijken_stad.geojson``, or ``None`` when no directory has it.
    """
    for directory in dirs:
        if not directory:
            continue
        candidate = Path(directory) / WIJKEN_FILENAME
        if candidate.is_file():
            return candidate
    return None


def _codes(wijkcodes: str | Iterable[str]) -> tuple[str, ...]:
    """Distinct, trimmed, sorted codes from a list or a ``;``-separated string."""
    items = wijkcodes.split(";") if isinstance(wijkcodes, str) else wijkcodes
    return tuple(sorted({str(code).strip() for code in items if str(code).strip()}))


class Boundaries:
    """The wijken of Antwerp with fast point lookup and cached unions.

    Parameters
    ----------
    wijken : Iterable[Wijk]
        The wijken, e.g. from :func:`load_wijken`. Codes must be distinct.
    """

    def __init__(self, wijken: Iterable[Wijk]) -> None:
        self._wijken: tuple[Wijk, ...] = tuple(sorted(wijken, key=lambda wijk: wijk.code))
        if not self._wijken:
            raise BoundaryError("no wijken given")
        self._by_code: dict[str, Wijk] = {wijk.code: wijk for wijk in self._wijken}
        if len(self._by_code) != len(self._wijken):
            raise BoundaryError("duplicate wijkcodes")
        self._codes = np.array([wijk.code for wijk in self._wijken], dtype=object)
        self._geometries = np.array([wijk.geometry for wijk in self._wijken], dtype=object)
        for geometry in self._geometries:
            shapely.prepare(geometry)
        self._bounds = shapely.bounds(self._geometries)
        self._tree = shapely.STRtree(self._geometries)
        self._areas: dict[tuple[str, ...], BaseGeometry | None] = {}
        self._lock = threading.Lock()

    @property
    def wijken(self) -> tuple[Wijk, ...]:
        """The wijken, sorted by code."""
        return self._wijken

    @property
    def codes(self) -> list[str]:
        """All wijkcodes, sorted."""
        return [wijk.code for wijk in self._wijken]

    def __len__(self) -> int:
        return len(self._wijken)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Wijk | None:
        """The wijk with ``code``, or ``None``."""
        return self._by_code.get(code)

    def name(self, code: str) -> str | None:
        """The name of the wijk with ``code`` (e.g. ``"Antwerpen - Stuivenberg"``), or ``None``."""
        wijk = self._by_code.get(code)
        return wijk.name if wijk else None

    def unknown(self, wijkcodes: str | Iterable[str]) -> list[str]:
        """The codes in ``wijkcodes`` (list or ``;``-separated string) that are not known wijken."""
        return [code for code in _codes(wijkcodes) if code not in self._by_code]

    def area(self, wijkcodes: str | Iterable[str]) -> BaseGeometry | None:
        """The union of the given wijken (cached).

        Parameters
        ----------
        wijkcodes : list[str] or str
            Wijkcodes, as a list or a ``;``-separated string. Unknown codes are ignored (logged).

        Returns
        -------
        shapely geometry or None
            A (Multi)Polygon in lon/lat, or ``None`` when none of the codes is known.
        """
        key = _codes(wijkcodes)
        if key in self._areas:
            return self._areas[key]
        known = [self._by_code[code].geometry for code in key if code in self._by_code]
        if len(known) < len(key):
            logger.warning("unknown wijkcodes ignored: %s", ", ".join(self.unknown(key)))
        result = _areal(shapely.union_all(known)) if known else None
        if result is not None and result.is_empty:
            result = None
        with self._lock:
            self._areas[key] = result
        return result

    def centre_areas(self, centres: Iterable[Mapping[str, Any]]) -> dict[str, BaseGeometry]:
        """The working area of each buurtwerk centre: the union of its ``wijkcodes``.

        Parameters
        ----------
        centres : list[dict]
            Centre rows with ``id`` and ``wijkcodes`` (a ``;``-separated string or a list).

        Returns
        -------
        dict[str, shapely geometry]
            ``{centre_id: geometry}`` for the centres with at least one known wijkcode.
        """
        areas: dict[str, BaseGeometry] = {}
        for centre in centres:
            centre_id = str(centre.get("id") or "").strip()
            geometry = self.area(centre.get("wijkcodes") or "")
            if centre_id and geometry is not None:
                areas[centre_id] = geometry
        return areas

    def wijken_along(self, line: BaseGeometry, min_length: float = 0.0002, min_share: float = 0.1) -> list[str]:
        """The wijken a line (e.g. a street's segments) runs through, longest stretch first.

        Parameters
        ----------
        line : shapely geometry
            A (Multi)LineString in lon/lat.
        min_length : float
            A wijk counts when the line runs at least this far inside it (degrees; 0.0002 is
            about 15-20 m) ...
        min_share : float
            ... or for at least this share of the line's length. A line that only touches a
            wijk (e.g. a street ending at its border) does not count.

        Returns
        -------
        list[str]
            Wijkcodes; for a line of zero length, the wijk of its centre (or none).
        """
        if line.is_empty:
            return []
        total = line.length
        if total == 0:
            centre = line.centroid
            found = self.wijk_of(centre.y, centre.x)
            return [found[0]] if found else []
        candidates = self._tree.query(line, predicate="intersects")
        lengths = shapely.length(shapely.intersection(line, self._geometries[candidates]))
        ranked = sorted(
            (
                (-float(length), self._wijken[index].code)
                for index, length in zip(candidates.tolist(), lengths.tolist(), strict=True)
                if length > 0 and (length >= min_length or length >= min_share * total)
            )
        )
        return [code for _, code in ranked]

    def wijk_of(self, lat: float, lon: float) -> tuple[str, str] | None:
        """The wijk that contains a point.

        Parameters
        ----------
        lat, lon : float
            WGS84 latitude and longitude.

        Returns
        -------
        tuple[str, str] or None
            ``(wijkcode, wijknaam)``, or ``None`` outside every wijk (or for missing coordinates).
            A point on the border of two wijken belongs to the one with the smaller code.
        """
        try:
            x, y = float(lon), float(lat)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        # bounding-box candidates from the STRtree, then an exact test on the prepared polygons
        for index in sorted(self._tree.query(shapely.Point(x, y)).tolist()):
            if shapely.intersects_xy(self._geometries[index], x, y):
                wijk = self._wijken[index]
                return wijk.code, wijk.name
        return None

    def wijk_codes_of(self, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray) -> list[str | None]:
        """The wijkcode of many points at once (vectorised, same answers as :meth:`wijk_of`).

        Parameters
        ----------
        lats, lons : sequence of float
            WGS84 latitudes and longitudes of equal length; ``None``/NaN give ``None``.

        Returns
        -------
        list[str or None]
            One wijkcode (or ``None``) per point. 10,000 points take a few milliseconds.
        """
        lat_arr = np.asarray(lats, dtype=float).reshape(-1)
        lon_arr = np.asarray(lons, dtype=float).reshape(-1)
        if lat_arr.shape != lon_arr.shape:
            raise ValueError("lats and lons must have the same length")
        found = np.full(lat_arr.size, len(self._wijken), dtype=np.int64)
        valid = np.flatnonzero(np.isfinite(lat_arr) & np.isfinite(lon_arr))
        xs, ys = lon_arr[valid], lat_arr[valid]
        # A few dozen wijken: a bounding-box mask per wijk, then prepared point-in-polygon on the
        # points inside it. Going from the largest code down lets the smallest code win on borders.
        for index in range(len(self._wijken) - 1, -1, -1):
            min_x, min_y, max_x, max_y = self._bounds[index]
            inside = np.flatnonzero((xs >= min_x) & (xs <= max_x) & (ys >= min_y) & (ys <= max_y))
            if inside.size:
                hit = shapely.intersects_xy(self._geometries[index], xs[inside], ys[inside])
                found[valid[inside[hit]]] = index
        codes = np.append(self._codes, None)
        return codes[found].tolist()

    def wijken_geojson(
        self, codes: Iterable[str] | None = None, properties: Mapping[str, Mapping[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The wijken as a small GeoJSON FeatureCollection with ``wijkcode`` and ``wijknaam``.

        Parameters
        ----------
        codes : iterable of str, optional
            Only these wijken (default: all).
        properties : dict[str, dict], optional
            Extra properties per wijkcode.

        Returns
        -------
        dict
            See :func:`to_geojson`; feature ids are the wijkcodes.
        """
        selected = self.codes if codes is None else [code for code in _codes(codes) if code in self._by_code]
        extra = properties or {}
        return to_geojson(
            {code: self._by_code[code].geometry for code in selected},
            {
                code: {"wijkcode": code, "wijknaam": self._by_code[code].name, **extra.get(code, {})}
                for code in selected
            },
        )

    @staticmethod
    def to_geojson(
        geometries: Mapping[str, BaseGeometry | None],
        properties: Mapping[str, Mapping[str, Any]] | None = None,
        tolerance: float = 0.0,
    ) -> dict[str, Any]:
        """Same as the module function :func:`to_geojson`."""
        return to_geojson(geometries, properties, tolerance)


def _round_coords(coords: Any, digits: int) -> Any:
    """Round nested coordinate lists/tuples to ``digits`` decimals."""
    if coords and isinstance(coords[0], int | float):
        return [round(float(value), digits) for value in coords]
    return [_round_coords(item, digits) for item in coords]


def to_geojson(
    geometries: Mapping[str, BaseGeometry | None],
    properties: Mapping[str, Mapping[str, Any]] | None = None,
    tolerance: float = 0.0,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of named geometries, with coordinates rounded to 5 decimals.

    Parameters
    ----------
    geometries : dict[str, shapely geometry]
        Geometries by id (e.g. from :meth:`Boundaries.centre_areas`); ``None``/empty are skipped.
    properties : dict[str, dict], optional
        Properties per id; each feature also gets ``"id"``.
    tolerance : float
        Optional topology-preserving simplification in degrees before rounding (0 = none;
        0.00005 is about 4 m).

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``; each feature has ``id`` = the key.
        Coordinates are snapped to a 1e-5 degree grid (valid output) and rounded.
    """
    properties = properties or {}
    digits = round(-math.log10(GEOJSON_GRID))
    features = []
    for key, geometry in geometries.items():
        if geometry is None or geometry.is_empty:
            continue
        if tolerance > 0:
            geometry = geometry.simplify(tolerance, preserve_topology=True)
        geometry = shapely.set_precision(geometry, GEOJSON_GRID)
        if geometry.is_empty:
            continue
        geo = dict(mapping(geometry))
        if "coordinates" in geo:
            geo["coordinates"] = _round_coords(geo["coordinates"], digits)
        else:  # GeometryCollection
            geo["geometries"] = [
                {"type": part["type"], "coordinates": _round_coords(part["coordinates"], digits)}
                for part in (dict(mapping(g)) for g in shapely.get_parts(geometry))
            ]
        features.append(
            {"type": "Feature", "id": key, "properties": {"id": key, **properties.get(key, {})}, "geometry": geo}
        )
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> Boundaries:
    """Load and index a wijken file; keyed by path and file version."""
    return Boundaries(load_wijken(path))


def load_boundaries(dirs: Iterable[Path | str]) -> Boundaries | None:
    """The wijken from the first wijken file in ``dirs``, or ``None``.

    Parameters
    ----------
    dirs : iterable of Path or str
        The geodata directories, in order (the app passes ``GEODATA_DIR``, then ``GEODATA_CACHE_DIR``).

    Returns
    -------
    Boundaries or None
        ``None`` when no file is found or it is broken (a warning is logged; never raises).
        Results are cached per file version.
    """
    dirs = [d for d in dirs if d]
    path = find_wijken_file(dirs)
    if path is None:
        searched = ", ".join(str(d) for d in dirs) or "no directory"
        _warn_once(
            f"no {WIJKEN_FILENAME} in the geodata directories ({searched}): neighbourhood areas are "
            "not shown (run `make geodata` or set GEODATA_DIR)"
        )
        return None
    try:
        stat = path.stat()
        return _load_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except (BoundaryError, OSError) as exc:
        _warn_once(f"neighbourhood areas are not shown: {exc}")
        return None


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    """Log ``message`` as a warning the first time only (the app asks on every rerun)."""
    if message not in _warned:
        _warned.add(message)
        logger.warning("%s", message)
