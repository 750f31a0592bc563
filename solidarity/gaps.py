"""Gap analysis: per buurtwerk area and category, the share of the area and of its residents
within 5, 10 and 15 minutes' walk of an active initiative, on a 100 m grid in Lambert 72.

The walking model is the residents' page's (:func:`geo.distance.walking_distance_m`,
:func:`geo.distance.walking_minutes`: the straight line × 1.3 at 4.5 km/h). Each wijk's residents
are spread evenly over its cells in the area. Made once per data version (the page caches it);
answering a question is then a few array operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.boundaries import to_geojson
from geo.distance import walking_distance_m, walking_minutes
from geo.grid import CELL_M, CellGrid, cell_grid, nearest_distances, project, to_lambert
from solidarity.figures import fmt_percent
from solidarity.i18n import _
from solidarity.model import CATEGORIES
from solidarity.views import category_label
from solidarity.wijkdata import WijkFigures

#: The walking times asked about, in minutes.
MINUTES: tuple[int, ...] = (5, 10, 15)
#: ``""`` = any category.
ANY = ""
#: Which initiatives count: every type, or direct (and both), or indirect (and both).
VIEWS: tuple[str, ...] = ("all", "direct", "indirect")
#: Minutes stored for a cell with no initiative of the kind anywhere.
NONE_REACHABLE = np.iinfo(np.int32).max


def view_for(types: Iterable[str]) -> str:
    """The view of a type filter: one type chosen -> that type (with *both*), else ``all``."""
    chosen = set(types)
    return next(iter(chosen)) if len(chosen) == 1 and chosen <= {"direct", "indirect"} else "all"


@dataclass(frozen=True)
class GapShare:
    """One answer: how much of an area lies within ``minutes`` of an initiative of ``category``."""

    area: str
    category: str
    view: str
    minutes: int
    cells: int
    cells_within: int
    area_share: float | None  # 0..1; None for an area without cells
    residents_share: float | None  # 0..1; None without residents figures

    @property
    def area_share_beyond(self) -> float | None:
        """The share of the area farther than ``minutes``."""
        return None if self.area_share is None else 1.0 - self.area_share

    @property
    def residents_share_beyond(self) -> float | None:
        """The share of the residents farther than ``minutes``."""
        return None if self.residents_share is None else 1.0 - self.residents_share


class GapAnalysis:
    """The grid of every buurtwerk area with the walking minutes to the nearest initiative.

    Parameters
    ----------
    areas
        Buurtwerk id -> its area (lon/lat geometry).
    wijken
        Wijkcode -> lon/lat geometry: the residents of a wijk are spread evenly over its cells.
    figures
        Residents per wijk.
    initiatives
        The active initiatives (``lat``, ``lon``, ``solidarity_type``, ``category``; with
        ``location_precision`` and ``centre_id``, points that only stand for a district are left out).
    size_m
        The grid's cell size in metres.
    """

    def __init__(
        self,
        areas: Mapping[str, object],
        wijken: Mapping[str, object],
        figures: WijkFigures,
        initiatives: pd.DataFrame,
        size_m: float = CELL_M,
    ) -> None:
        self.size_m = size_m
        self.grids: dict[str, CellGrid] = {}
        self.weights: dict[str, np.ndarray | None] = {}
        codes = list(wijken)
        projected_wijken = [project(wijken[code]) for code in codes]
        for area_id, geometry in areas.items():
            grid = cell_grid(project(geometry), size_m)
            self.grids[area_id] = grid
            self.weights[area_id] = self._weights(grid, codes, projected_wijken, figures)
        self._minutes = self._walking_minutes(initiatives)

    @staticmethod
    def _weights(grid: CellGrid, codes: list[str], polygons: list, figures: WijkFigures) -> np.ndarray | None:
        """Residents per cell: each wijk's residents spread evenly over its cells in the grid."""
        if not len(grid):
            return None
        owners = grid.owners(polygons)
        weights = np.zeros(len(grid))
        for index in np.unique(owners):
            if index < 0:
                continue  # a cell outside every wijk (should not happen for areas made of wijken)
            figure = figures.get(codes[index])
            if figure is None or figure.total is None:
                return None  # one wijk without a residents figure: no residents share
            cells = owners == index
            weights[cells] = figure.total / int(cells.sum())
        return weights if weights.sum() > 0 else None

    def _walking_minutes(self, initiatives: pd.DataFrame) -> dict[tuple[str, str], dict[str, np.ndarray]]:
        frame = initiatives
        if "location_precision" in frame and "centre_id" in frame:
            unplaced = (frame["location_precision"] == "approximate") & (frame["centre_id"] == "")
            frame = frame[~unplaced.to_numpy()]
        px, py = to_lambert(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
        types = frame["solidarity_type"].to_numpy(object)
        categories = frame["category"].to_numpy(object)
        area_ids = list(self.grids)
        all_x = np.concatenate([self.grids[a].xs for a in area_ids]) if area_ids else np.empty(0)
        all_y = np.concatenate([self.grids[a].ys for a in area_ids]) if area_ids else np.empty(0)
        bounds = np.cumsum([0] + [len(self.grids[a]) for a in area_ids])
        result: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        for view in VIEWS:
            type_mask = np.ones(len(frame), dtype=bool) if view == "all" else np.isin(types, [view, "both"])
            for category in (ANY, *CATEGORIES):
                mask = type_mask if category == ANY else type_mask & (categories == category)
                distances = nearest_distances(all_x, all_y, px[mask], py[mask])
                minutes = np.full(distances.size, NONE_REACHABLE, dtype=np.int64)
                finite = np.isfinite(distances)
                if finite.any():
                    minutes[finite] = walking_minutes(walking_distance_m(distances[finite]))
                result[(view, category)] = {a: minutes[bounds[i] : bounds[i + 1]] for i, a in enumerate(area_ids)}
        return result

    def minutes(self, area: str, category: str = ANY, view: str = "all") -> np.ndarray:
        """Walking minutes from each cell of ``area`` to the nearest initiative of the kind."""
        return self._minutes[(view, category)][area]

    def share(self, area: str, category: str = ANY, view: str = "all", minutes: int = 10) -> GapShare:
        """How much of ``area`` (cells and residents) lies within ``minutes`` of an initiative."""
        walk = self.minutes(area, category, view)
        within = walk <= minutes
        weights = self.weights.get(area)
        cells = int(walk.size)
        return GapShare(
            area=area,
            category=category,
            view=view,
            minutes=minutes,
            cells=cells,
            cells_within=int(within.sum()),
            area_share=float(within.mean()) if cells else None,
            residents_share=float(weights[within].sum() / weights.sum()) if weights is not None else None,
        )

    def shares(self, areas: Iterable[str] | None = None, categories: Iterable[str] | None = None,
               view: str = "all", minutes: int = 10) -> list[GapShare]:
        """:meth:`share` for every area and category asked (default: all, any category first)."""
        area_ids = list(self.grids) if areas is None else [a for a in areas if a in self.grids]
        chosen = [ANY, *CATEGORIES] if categories is None else list(categories)
        return [self.share(a, c, view, minutes) for a in area_ids for c in chosen]

    def beyond_geometries(self, areas: Iterable[str] | None = None, category: str = ANY, view: str = "all",
                          minutes: int = 10) -> dict[str, object]:
        """The cells farther than ``minutes``, merged per area (lon/lat geometries; areas without such cells left out)."""
        area_ids = list(self.grids) if areas is None else [a for a in areas if a in self.grids]
        shapes = {}
        for area in area_ids:
            beyond = self.minutes(area, category, view) > minutes
            outline = self.grids[area].outline(beyond)
            if not outline.is_empty:
                shapes[area] = outline
        return shapes

    def beyond_geojson(self, areas: Iterable[str] | None = None, category: str = ANY, view: str = "all",
                       minutes: int = 10) -> dict:
        """The cells farther than ``minutes`` as a GeoJSON FeatureCollection (one feature per area)."""

        shapes = self.beyond_geometries(areas, category, view, minutes)
        props = {a: {"area": a, "minutes": minutes, "category": category, "view": view} for a in shapes}
        return to_geojson(shapes, props)

    def cells_total(self) -> int:
        """All cells of all areas."""
        return sum(len(grid) for grid in self.grids.values())


def category_words(category: str) -> str:
    """The category as the sentence uses it ("any initiative" for :data:`ANY`)."""

    return _("any initiative") if category == ANY else _("any {category} initiative").format(
        category=category_label(category).lower()
    )


def gap_sentence(share: GapShare, area_label: str) -> str:
    """"38% of Kiel's residents live more than 10 minutes' walk from any food initiative."

    Falls back on the share of the area when the residents' figure is missing.
    """

    if share.cells == 0:
        return _("{area}: no grid cells (no area known).").format(area=area_label)
    if share.residents_share is not None:
        return _("{share} of {area}'s residents live more than {minutes} minutes' walk from {what}.").format(
            share=fmt_percent(share.residents_share_beyond), area=area_label, minutes=share.minutes,
            what=category_words(share.category),
        )
    return _("{share} of {area}'s area lies more than {minutes} minutes' walk from {what} (no residents figure).").format(
        share=fmt_percent(share.area_share_beyond), area=area_label, minutes=share.minutes,
        what=category_words(share.category),
    )


def gaps_table(shares: Iterable[GapShare], area_labels: Mapping[str, str]) -> pd.DataFrame:
    """The shares for the screen: per area and kind, the residents and the area within the walk."""

    rows = list(shares)
    minutes = rows[0].minutes if rows else 10
    return pd.DataFrame(
        {
            _("Area"): [area_labels.get(s.area, s.area) for s in rows],
            _("Kind of initiative"): [category_words(s.category) for s in rows],
            _("Residents within {minutes} minutes' walk").format(minutes=minutes): [fmt_percent(s.residents_share) for s in rows],
            _("Area within {minutes} minutes' walk").format(minutes=minutes): [fmt_percent(s.area_share) for s in rows],
        }
    )
