"""Great-circle distances, nearest-point queries and walking estimates, vectorised with numpy."""

from __future__ import annotations

import math
from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Mean earth radius in metres (IUGG), as used by the haversine formula here.
EARTH_RADIUS_M = 6_371_008.8

#: Walking routes through a city are longer than the straight line; this factor is a common
#: urban estimate (1.2-1.4), not a route computation.
DETOUR_FACTOR = 1.3

#: Walking speed used for time estimates, in km/h.
WALKING_SPEED_KMH = 4.5

_FloatArray = NDArray[np.float64]
_IndexArray = NDArray[np.intp]


def _as_float_array(values: ArrayLike) -> _FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64).reshape(-1)


def _check_pair(lats: _FloatArray, lons: _FloatArray) -> None:
    if lats.shape != lons.shape:
        raise ValueError(f"lats and lons differ in length ({lats.size} and {lons.size})")


def haversine_m(lat: float, lon: float, lats: ArrayLike, lons: ArrayLike) -> _FloatArray:
    """Great-circle distance from one point to many, in metres.

    Parameters
    ----------
    lat, lon
        The reference point, in degrees.
    lats, lons
        The other points, in degrees (array-likes of equal length).

    Returns
    -------
    numpy.ndarray
        ``float64`` distances in metres, one per point (``nan`` where a coordinate is ``nan``).

    Notes
    -----
    Spherical model with radius :data:`EARTH_RADIUS_M`; at city scale this is within a few
    tenths of a percent of the ellipsoidal (geodesic) distance.
    """
    lats_arr = _as_float_array(lats)
    lons_arr = _as_float_array(lons)
    _check_pair(lats_arr, lons_arr)
    phi1 = math.radians(lat)
    phi2 = np.radians(lats_arr)
    half_dphi = (phi2 - phi1) * 0.5
    half_dlam = (np.radians(lons_arr) - math.radians(lon)) * 0.5
    a = np.sin(half_dphi) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(half_dlam) ** 2
    np.clip(a, 0.0, 1.0, out=a)
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def _hav_threshold(max_m: float) -> float:
    """The haversine term ``a`` at distance ``max_m`` (``a`` grows monotonically with distance)."""
    half_angle = min(max(max_m, 0.0) / (2.0 * EARTH_RADIUS_M), math.pi / 2)
    return math.sin(half_angle) ** 2


def _hav_to_m(a: _FloatArray) -> _FloatArray:
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _select(key: _FloatArray, k: int | None, max_key: float | None) -> _IndexArray:
    """Indices of the ``k`` smallest finite ``key`` values (at most ``max_key``), in order.

    Ties are broken by index, so the result is deterministic.
    """
    n = key.size
    if n == 0 or (k is not None and k <= 0):
        return np.empty(0, dtype=np.intp)
    if max_key is not None:
        candidates = np.flatnonzero(key <= max_key)  # nan compares False: dropped here
        if k is not None and candidates.size > k:
            part = np.argpartition(key[candidates], k - 1)[:k]
            candidates = candidates[part]
    elif k is not None and k < n:
        candidates = np.argpartition(key, k - 1)[:k]  # nan sorts last
    else:
        candidates = np.arange(n, dtype=np.intp)
    chosen = key[candidates]
    finite = np.isfinite(chosen)
    if not finite.all():
        candidates, chosen = candidates[finite], chosen[finite]
    order = np.lexsort((candidates, chosen))
    return candidates[order].astype(np.intp, copy=False)


def nearest(
    lat: float,
    lon: float,
    lats: ArrayLike,
    lons: ArrayLike,
    k: int | None = 10,
    max_m: float | None = None,
) -> tuple[_IndexArray, _FloatArray]:
    """The ``k`` points nearest to ``(lat, lon)``, nearest first.

    For repeated queries over the same points build a :class:`PointIndex` once instead.

    Parameters
    ----------
    lat, lon
        The reference point, in degrees.
    lats, lons
        The candidate points, in degrees.
    k
        How many points at most; ``None`` for all (within ``max_m``). ``k`` larger than the
        number of points returns them all; ``k <= 0`` returns none.
    max_m
        Only points at most this many metres away; ``None`` for no limit.

    Returns
    -------
    indices, distances
        Positions in ``lats``/``lons`` and their distances in metres, sorted by distance
        (ties by position). Points with a ``nan`` coordinate are never returned.
    """
    distances = haversine_m(lat, lon, lats, lons)
    chosen = _select(distances, k, max_m)
    return chosen, distances[chosen]


def walking_distance_m(straight_m: float) -> float:
    """Estimated walking distance for a straight-line distance, in metres.

    This is an estimate: the straight line times :data:`DETOUR_FACTOR` (1.3), the usual
    ratio between street-network and straight-line distance in a city. No route is computed,
    so rivers, docks, the ring road and missing crossings can make the real walk longer.

    Parameters
    ----------
    straight_m
        Straight-line (great-circle) distance in metres; a numpy array works element-wise.

    Returns
    -------
    float
        The estimated walking distance in metres.
    """
    return straight_m * DETOUR_FACTOR


@overload
def walking_minutes(m: float) -> int: ...


@overload
def walking_minutes(m: NDArray[np.floating]) -> NDArray[np.int64]: ...


def walking_minutes(m: float | NDArray[np.floating]) -> int | NDArray[np.int64]:
    """Minutes to walk ``m`` metres at :data:`WALKING_SPEED_KMH` (4.5 km/h).

    Parameters
    ----------
    m
        Walking distance in metres (e.g. from :func:`walking_distance_m`), a number or an array.

    Returns
    -------
    int or numpy.ndarray
        Whole minutes, rounded up, at least 1.
    """
    metres_per_minute = WALKING_SPEED_KMH * 1000.0 / 60.0
    if isinstance(m, np.ndarray):
        return np.maximum(np.ceil(m / metres_per_minute), 1).astype(np.int64)
    return max(1, math.ceil(float(m) / metres_per_minute))


class PointIndex:
    """Points prepared once for fast repeated nearest-point queries.

    Building stores the coordinates as contiguous ``float64`` and precomputes, per point, the
    sine and cosine of half its latitude and longitude and the cosine of its latitude. A query
    then needs no trigonometry per point: the haversine term is built from angle-difference
    identities with multiplications and additions only, ``np.argpartition`` picks the ``k``
    smallest, and distances (``arcsin``) are computed for those ``k`` alone.

    Parameters
    ----------
    lats, lons
        Point coordinates in degrees, of equal length. ``nan`` points are kept (so positions
        match the input) but never returned.

    Examples
    --------
    >>> index = PointIndex([51.2211, 51.2172], [4.3997, 4.4212])
    >>> idx, dist = index.query(51.2194, 4.4025, k=1)
    >>> int(idx[0])
    0
    """

    __slots__ = ("lats", "lons", "lat_rad", "lon_rad", "cos_lat", "_sin_hlat", "_cos_hlat", "_sin_hlon", "_cos_hlon")

    def __init__(self, lats: ArrayLike, lons: ArrayLike) -> None:
        self.lats = _as_float_array(lats).copy()
        self.lons = _as_float_array(lons).copy()
        _check_pair(self.lats, self.lons)
        self.lat_rad = np.radians(self.lats)
        self.lon_rad = np.radians(self.lons)
        self.cos_lat = np.cos(self.lat_rad)
        self._sin_hlat = np.sin(self.lat_rad * 0.5)
        self._cos_hlat = np.cos(self.lat_rad * 0.5)
        self._sin_hlon = np.sin(self.lon_rad * 0.5)
        self._cos_hlon = np.cos(self.lon_rad * 0.5)
        for array in (
            self.lats,
            self.lons,
            self.lat_rad,
            self.lon_rad,
            self.cos_lat,
            self._sin_hlat,
            self._cos_hlat,
            self._sin_hlon,
            self._cos_hlon,
        ):
            array.flags.writeable = False

    def __len__(self) -> int:
        return int(self.lats.size)

    def hav(self, lat: float, lon: float) -> _FloatArray:
        """The haversine term ``a = sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2)`` for every point.

        ``a`` grows monotonically with distance (``d = 2R·arcsin(√a)``), so it ranks points
        without computing their distances. The returned array is new (safe to keep).
        """
        phi = math.radians(lat)
        lam = math.radians(lon)
        s1, c1 = math.sin(phi * 0.5), math.cos(phi * 0.5)
        t1, d1 = math.sin(lam * 0.5), math.cos(lam * 0.5)
        # sin(Δφ/2) = sin(φ₂/2)cos(φ₁/2) - cos(φ₂/2)sin(φ₁/2), likewise for Δλ; fresh arrays
        # per call (no shared scratch buffers) keep a shared index safe across threads.
        a = self._sin_hlat * c1
        b = self._cos_hlat * s1
        np.subtract(a, b, out=a)
        np.multiply(a, a, out=a)
        result = self._sin_hlon * d1
        np.multiply(self._cos_hlon, t1, out=b)
        np.subtract(result, b, out=result)
        np.multiply(result, result, out=result)
        np.multiply(result, self.cos_lat, out=result)
        result *= math.cos(phi)
        result += a
        return result

    def distances(self, lat: float, lon: float) -> _FloatArray:
        """Distance in metres from ``(lat, lon)`` to every point, in input order."""
        return _hav_to_m(self.hav(lat, lon))

    def query(
        self, lat: float, lon: float, k: int | None = 10, max_m: float | None = None
    ) -> tuple[_IndexArray, _FloatArray]:
        """The ``k`` points nearest to ``(lat, lon)``, nearest first.

        The index is read-only after construction, so one index may be shared between threads
        (e.g. Streamlit sessions).

        Parameters
        ----------
        lat, lon
            The reference point, in degrees.
        k
            How many points at most; ``None`` for all (within ``max_m``). ``k`` larger than
            the number of points returns them all; ``k <= 0`` returns none.
        max_m
            Only points at most this many metres away; ``None`` for no limit.

        Returns
        -------
        indices, distances
            Positions in the input arrays and distances in metres, sorted by distance (ties by
            position), as :func:`nearest` returns them.
        """
        if self.lats.size == 0 or (k is not None and k <= 0):
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
        key = self.hav(lat, lon)
        chosen = _select(key, k, None if max_m is None else _hav_threshold(max_m))
        distances = _hav_to_m(key[chosen])
        if max_m is not None:  # guard the last ulp of the threshold conversion
            keep = distances <= max_m
            if not keep.all():
                chosen, distances = chosen[keep], distances[keep]
        return chosen, distances
