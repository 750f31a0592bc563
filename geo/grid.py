"""A metric grid over an area in Belgian Lambert 72 (EPSG:31370) and distances from its cells to points."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

#: Belgian Lambert 72: metres on the ground, the city's own reference system.
LAMBERT72 = "EPSG:31370"
WGS84 = "EPSG:4326"

#: Side of a grid cell in metres.
CELL_M = 100.0

_Float = NDArray[np.float64]


@cache
def _transformer(source: str, target: str) -> Transformer:
    """A (thread-safe, cached) transformer; ``always_xy``: longitude first."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_lambert(lons: ArrayLike, lats: ArrayLike) -> tuple[_Float, _Float]:
    """WGS84 longitudes and latitudes (degrees) to Lambert 72 ``x, y`` (metres).

    Parameters
    ----------
    lons, lats
        Arrays of equal length.

    Returns
    -------
    x, y : numpy.ndarray
        ``float64`` coordinates in metres.
    """
    x, y = _transformer(WGS84, LAMBERT72).transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)


def to_lonlat(xs: ArrayLike, ys: ArrayLike) -> tuple[_Float, _Float]:
    """Lambert 72 ``x, y`` (metres) back to WGS84 longitudes and latitudes (degrees)."""
    lon, lat = _transformer(LAMBERT72, WGS84).transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return np.asarray(lon, dtype=float).reshape(-1), np.asarray(lat, dtype=float).reshape(-1)


def project(geometry: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in Lambert 72 metres."""
    return shapely.transform(geometry, lambda xy: np.column_stack(to_lambert(xy[:, 0], xy[:, 1])))


def unproject(geometry: BaseGeometry) -> BaseGeometry:
    """A Lambert 72 geometry back in lon/lat."""
    return shapely.transform(geometry, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))


def area_km2(geometry: BaseGeometry) -> float:
    """The area of a lon/lat geometry in square kilometres (measured in Lambert 72)."""
    return float(project(geometry).area) / 1e6


@dataclass(frozen=True)
class CellGrid:
    """The cells of a regular grid whose centres lie inside an area, in Lambert 72.

    Attributes
    ----------
    xs, ys
        Cell centres in metres (equal length, row-major order of the grid).
    size_m
        Side of a cell in metres.
    """

    xs: _Float
    ys: _Float
    size_m: float = CELL_M

    def __len__(self) -> int:
        return int(self.xs.size)

    @property
    def cell_km2(self) -> float:
        """The area of one cell in square kilometres."""
        return self.size_m * self.size_m / 1e6

    def boxes(self, mask: ArrayLike | None = None) -> NDArray[np.object_]:
        """The cells (all, or where ``mask``) as shapely squares in Lambert 72."""
        keep = np.ones(len(self), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        half = self.size_m / 2
        xs, ys = self.xs[keep], self.ys[keep]
        return shapely.box(xs - half, ys - half, xs + half, ys + half)

    def outline(self, mask: ArrayLike | None = None) -> BaseGeometry:
        """The union of the chosen cells, in lon/lat (empty when none is chosen)."""
        boxes = self.boxes(mask)
        if boxes.size == 0:
            return shapely.Polygon()
        return unproject(shapely.coverage_union_all(boxes))

    def owners(self, polygons: list[BaseGeometry]) -> NDArray[np.intp]:
        """For each cell, the index of the first Lambert 72 polygon holding its centre, or -1."""
        owner = np.full(len(self), -1, dtype=np.intp)
        for index in range(len(polygons) - 1, -1, -1):  # the first polygon wins on a shared border
            inside = shapely.contains_xy(polygons[index], self.xs, self.ys) | shapely.intersects_xy(
                polygons[index].boundary, self.xs, self.ys
            )
            owner[inside] = index
        return owner


def cell_grid(area: BaseGeometry, size_m: float = CELL_M) -> CellGrid:
    """The cells of a ``size_m`` grid, aligned on multiples of ``size_m``, whose centres lie in ``area``.

    Parameters
    ----------
    area
        A (Multi)Polygon in Lambert 72 metres (see :func:`project`).
    size_m
        Side of a cell in metres.

    Returns
    -------
    CellGrid
        Empty for an empty area. A cell whose centre lies on the border counts as inside.
    """
    if area.is_empty:
        return CellGrid(np.empty(0), np.empty(0), size_m)
    min_x, min_y, max_x, max_y = area.bounds
    start_x = np.floor(min_x / size_m) * size_m + size_m / 2
    start_y = np.floor(min_y / size_m) * size_m + size_m / 2
    xs = np.arange(start_x, max_x, size_m)
    ys = np.arange(start_y, max_y, size_m)
    grid_x, grid_y = np.meshgrid(xs, ys)
    flat_x, flat_y = grid_x.ravel(), grid_y.ravel()
    shapely.prepare(area)
    inside = shapely.contains_xy(area, flat_x, flat_y) | shapely.intersects_xy(area.boundary, flat_x, flat_y)
    return CellGrid(flat_x[inside].copy(), flat_y[inside].copy(), size_m)


def nearest_distances(xs: ArrayLike, ys: ArrayLike, point_xs: ArrayLike, point_ys: ArrayLike) -> _Float:
    """Straight-line distance (metres) from each cell centre to the nearest of the points.

    Parameters
    ----------
    xs, ys
        Cell centres in Lambert 72.
    point_xs, point_ys
        The points in Lambert 72 (NaN points are ignored).

    Returns
    -------
    numpy.ndarray
        One distance per cell; ``inf`` for every cell when there is no point.
    """
    cx, cy = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    px, py = np.asarray(point_xs, dtype=float), np.asarray(point_ys, dtype=float)
    finite = np.isfinite(px) & np.isfinite(py)
    px, py = px[finite], py[finite]
    if cx.size == 0:
        return np.empty(0)
    if px.size == 0:
        return np.full(cx.size, np.inf)
    tree = shapely.STRtree(shapely.points(px, py))
    (cell_index, _point_index), distances = tree.query_nearest(
        shapely.points(cx, cy), return_distance=True, all_matches=False
    )
    result = np.full(cx.size, np.inf)
    result[cell_index] = distances
    return result
