"""Figures per buurtwerk area, for the five together and for the city: counts, densities, the
project matrix, per-wijk indicators, and the sentences and source lines that go with them.

Pure functions of the (filtered) initiatives and a :class:`Geography` made once per data version.
A figure that cannot be computed (no residents figure, no boundaries) is ``None``, shown as
"no figure", never as 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from babel.numbers import format_decimal, format_percent

from geo.boundaries import to_geojson
from solidarity.i18n import N_, _, get_language, ngettext
from solidarity.model import CATEGORIES, SOLIDARITY_LABELS, SOLIDARITY_TYPES, split_list
from solidarity.views import category_label
from solidarity.wijkdata import WijkFigures

#: Identifiers of the two comparison rows (never a buurtwerk id: those are slugs of names).
FIVE = "_five"
CITY = "_city"

#: The solidarity types in the order of the headline: direct, both, indirect.
TYPE_ORDER: tuple[str, ...] = ("direct", "both", "indirect")

#: Per-wijk indicators of the choropleth: key -> translatable label.
INDICATORS: dict[str, str] = {
    "per_10k": N_("Initiatives per 10,000 residents"),
    "young_share": N_("Share of children and young people (0-19)"),
    "ranking": N_("Score of the city's wijkenranking"),
}


@dataclass(frozen=True)
class AreaGeo:
    """One area of the figures: a buurtwerk's neighbourhood, the five together or the city."""

    id: str
    name: str  # e.g. "Kiel"; for the comparisons an English msgid, translated by :attr:`label`
    centre_name: str  # e.g. "Buurtwerk De Stek"; empty for the comparisons
    wijkcodes: tuple[str, ...]
    residents: int | None
    km2: float | None
    geometry: Any = None  # shapely geometry in lon/lat, None without boundaries

    @property
    def label(self) -> str:
        """The area's name in the current language (the geography is shared by every session)."""
        return _(self.name) if self.id in (FIVE, CITY) else self.name


@dataclass(frozen=True)
class Geography:
    """The areas of the figures and the wijken, made once per data version."""

    areas: Mapping[str, AreaGeo]
    five: AreaGeo
    city: AreaGeo
    wijken: Mapping[str, Any] = field(default_factory=dict)  # wijkcode -> lon/lat geometry
    wijk_names: Mapping[str, str] = field(default_factory=dict)
    figures: WijkFigures = field(default_factory=WijkFigures)
    #: The wijken as a (simplified) GeoJSON FeatureCollection with ``wijkcode`` and ``wijknaam``.
    wijken_geojson: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_geometry(self) -> bool:
        """True when the boundaries are known (densities per km², choropleth, gaps)."""
        return bool(self.wijken)

    def all_areas(self) -> list[AreaGeo]:
        """The buurtwerk areas, then the five together, then the city."""
        return [*self.areas.values(), self.five, self.city]

    def get(self, area_id: str) -> AreaGeo | None:
        """An area by id (a buurtwerk id, :data:`FIVE` or :data:`CITY`)."""
        return {FIVE: self.five, CITY: self.city}.get(area_id) or self.areas.get(area_id)


def build_geography(centres: pd.DataFrame, boundaries: Any | None, figures: WijkFigures) -> Geography:
    """The areas of the buurtwerken, the five together and the city, with residents and km².

    Parameters
    ----------
    centres
        The buurtwerk rows (``id``, ``name``, ``wijk``, ``wijkcodes``).
    boundaries
        A :class:`geo.boundaries.Boundaries`, or None: then no km² and no geometries, but the
        residents still come from the wijk figures.
    figures
        The wijk figures.

    Notes
    -----
    An area's residents are the sum of its wijken's; None when one of them has no figure. The
    city's residents are the sum of every wijk with a figure (as the source's own city total).
    """
    from geo.grid import area_km2  # deferred: pyproj loads its projection database

    areas: dict[str, AreaGeo] = {}
    geometries: list[Any] = []
    five_codes: list[str] = []
    for row in centres.itertuples(index=False):
        codes = tuple(split_list(row.wijkcodes))
        geometry = boundaries.area(codes) if boundaries is not None and codes else None
        if geometry is not None:
            geometries.append(geometry)
        five_codes.extend(codes)
        areas[row.id] = AreaGeo(
            id=row.id,
            name=row.wijk or row.name,
            centre_name=row.name,
            wijkcodes=codes,
            residents=figures.residents(codes) if codes else None,
            km2=area_km2(geometry) if geometry is not None else None,
            geometry=geometry,
        )
    five_geometry = boundaries.area(five_codes) if boundaries is not None and five_codes else None
    known = [f.total for f in figures.by_code.values() if f.total is not None]
    wijken: dict[str, Any] = {}
    names: dict[str, str] = {}
    city_geometry = None
    if boundaries is not None:
        wijken = {wijk.code: wijk.geometry for wijk in boundaries.wijken}
        names = {wijk.code: wijk.name for wijk in boundaries.wijken}
        city_geometry = boundaries.area(list(wijken))
    else:
        names = {code: f.name for code, f in figures.by_code.items()}
    five = AreaGeo(
        FIVE, N_("The five buurtwerken"), "", tuple(five_codes),
        figures.residents(five_codes) if five_codes else None,
        area_km2(five_geometry) if five_geometry is not None else None, five_geometry,
    )  # fmt: skip
    city = AreaGeo(
        CITY, N_("City of Antwerp"), "", tuple(sorted(wijken or figures.by_code)),
        sum(known) if known else None, area_km2(city_geometry) if city_geometry is not None else None, city_geometry,
    )  # fmt: skip
    wijken_json: dict[str, Any] = {}
    if wijken:

        props = {code: {"wijkcode": code, "wijknaam": names.get(code, code)} for code in wijken}
        wijken_json = to_geojson(wijken, props, tolerance=0.0001)  # about 7 m: finer than a pixel of a city map
    return Geography(areas, five, city, wijken, names, figures, wijken_json)


def area_of(initiatives: pd.DataFrame) -> pd.Series:
    """The buurtwerk area each initiative counts in: its ``centre_id``, else the area its point
    lies in (``area_centre``, when known), else ``""``."""
    centre = initiatives["centre_id"].fillna("").astype(str)
    if "area_centre" not in initiatives:
        return centre
    placed = initiatives["area_centre"].fillna("").astype(str)
    return centre.where(centre != "", placed)


@dataclass(frozen=True)
class AreaCount:
    """The counts of one area for the current filters, and its densities."""

    area: AreaGeo
    total: int
    by_type: Mapping[str, int]
    by_category: Mapping[str, int]
    by_project: Mapping[str, int]

    @property
    def id(self) -> str:
        """The area's id."""
        return self.area.id

    @property
    def per_10k(self) -> float | None:
        """Initiatives per 10,000 residents, or None without a residents figure."""
        residents = self.area.residents
        return None if not residents else self.total / residents * 10_000

    @property
    def per_km2(self) -> float | None:
        """Initiatives per km², or None without the boundaries."""
        return None if not self.area.km2 else self.total / self.area.km2


def area_counts(
    initiatives: pd.DataFrame, geography: Geography, projects: pd.DataFrame, area_ids: Iterable[str] | None = None
) -> list[AreaCount]:
    """Counts by type, category and project per buurtwerk area, the five together and the city.

    Parameters
    ----------
    initiatives
        The initiatives of the current filters (apply the buurtwerk filter through ``area_ids``,
        not through the frame, or the comparisons lose their rows).
    geography
        From :func:`build_geography`.
    projects
        The project rows (their order is the order of ``by_project``).
    area_ids
        The buurtwerk areas to list (default: all); the five together and the city always follow.

    Returns
    -------
    list[AreaCount]
        One per chosen area, then :data:`FIVE`, then :data:`CITY`.

    Notes
    -----
    One pass over the rows with counters (a slide of the presentation asks for this many times).
    """

    areas = area_of(initiatives).tolist()
    by_type = Counter(zip(areas, initiatives["solidarity_type"].tolist(), strict=True))
    by_category = Counter(zip(areas, initiatives["category"].tolist(), strict=True))
    by_project = Counter(
        (area, project) for area, value in zip(areas, initiatives["projects"].tolist(), strict=True)
        for project in split_list(value)
    )
    totals = Counter(areas)
    project_ids = list(projects["id"])
    chosen = list(geography.areas) if area_ids is None else [a for a in area_ids if a in geography.areas]

    def summed(counter: Counter, keys: Iterable[str], members: Iterable[str]) -> dict[str, int]:
        members = list(members)
        return {key: sum(counter.get((m, key), 0) for m in members) for key in keys}

    def count(area: AreaGeo, members: Iterable[str]) -> AreaCount:
        members = list(members)
        return AreaCount(
            area=area,
            total=sum(totals.get(m, 0) for m in members),
            by_type=summed(by_type, TYPE_ORDER, members),
            by_category=summed(by_category, CATEGORIES, members),
            by_project=summed(by_project, project_ids, members),
        )

    result = [count(geography.areas[a], [a]) for a in chosen]
    result.append(count(geography.five, geography.areas))
    result.append(count(geography.city, totals))  # every area key, "" (outside the five) included
    return result


@dataclass(frozen=True)
class MatrixCell:
    """How many initiatives of one project lie in one buurtwerk area, and whether a source links them."""

    project: str
    project_name: str
    area: str
    area_label: str
    count: int
    linked: bool


def project_matrix(initiatives: pd.DataFrame, geography: Geography, projects: pd.DataFrame) -> list[MatrixCell]:
    """The project × buurtwerk matrix: one cell per project (in ``projects``' order) and area,
    then the five together and the city as comparisons.

    ``count`` counts the initiatives of the current filters linked to the project in the area;
    ``linked`` is True when ``projects.csv`` names the buurtwerk for the project (an empty list
    there names none; never for the comparisons).
    """
    areas = area_of(initiatives)
    exploded = initiatives["projects"].map(split_list).explode().dropna()
    pairs = pd.DataFrame({"project": exploded.to_numpy(), "area": areas.reindex(exploded.index).to_numpy()})
    counts = pairs.groupby(["project", "area"]).size().to_dict() if len(pairs) else {}
    in_five = pairs[pairs["area"].isin(set(geography.areas))] if len(pairs) else pairs
    five = in_five.groupby("project").size().to_dict() if len(in_five) else {}
    city = pairs.groupby("project").size().to_dict() if len(pairs) else {}
    cells = []
    for row in projects.itertuples(index=False):
        linked = set(split_list(row.centres))
        for area in geography.areas.values():
            cells.append(
                MatrixCell(row.id, row.name, area.id, area.label, int(counts.get((row.id, area.id), 0)), area.id in linked)
            )
        cells.append(MatrixCell(row.id, row.name, FIVE, geography.five.label, int(five.get(row.id, 0)), False))
        cells.append(MatrixCell(row.id, row.name, CITY, geography.city.label, int(city.get(row.id, 0)), False))
    return cells


@dataclass(frozen=True)
class WijkIndicator:
    """The choropleth's figures for one wijk; ``None`` = no figure."""

    code: str
    name: str
    initiatives: int
    residents: int | None
    per_10k: float | None
    young_share: float | None
    ranking: float | None

    def value(self, indicator: str) -> float | None:
        """The value of one of :data:`INDICATORS`."""
        return {"per_10k": self.per_10k, "young_share": self.young_share, "ranking": self.ranking}[indicator]


#: Below this many residents a wijk's rates (per 10,000 residents, share aged 0-19) are not given:
#: the port and the airport have about a hundred residents, where one initiative would read as 85.
MIN_RESIDENTS_FOR_RATE = 1_000


def wijk_indicators(initiatives: pd.DataFrame, geography: Geography) -> list[WijkIndicator]:
    """Per wijk of the boundaries: initiatives (by the wijk their point lies in), residents,
    initiatives per 10,000 residents, share aged 0-19, and the wijkenranking score.

    Initiatives whose point only stands for a district (approximate, no buurtwerk) are not
    counted in a wijk. Rates of wijken with fewer than :data:`MIN_RESIDENTS_FOR_RATE` residents
    are None ("no figure"). Empty without the boundaries.
    """
    if not geography.has_geometry:
        return []
    placed = initiatives
    if "location_precision" in initiatives:
        unplaced = (initiatives["location_precision"] == "approximate") & (initiatives["centre_id"] == "")
        placed = initiatives[~unplaced.to_numpy()]
    counts = placed["wijkcode"].value_counts() if "wijkcode" in placed else pd.Series(dtype=int)
    result = []
    for code in sorted(geography.wijken):
        figure = geography.figures.get(code)
        n = int(counts.get(code, 0))
        residents = figure.total if figure else None
        rated = residents is not None and residents >= MIN_RESIDENTS_FOR_RATE
        result.append(
            WijkIndicator(
                code=code,
                name=geography.wijk_names.get(code, code),
                initiatives=n,
                residents=residents,
                per_10k=n / residents * 10_000 if rated else None,
                young_share=figure.young_share if figure and rated else None,
                ranking=figure.ranking if figure else None,
            )
        )
    return result


# -- words -------------------------------------------------------------------------------


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """A number in the current language's way (``1.234,5`` in Dutch); "no figure" for None."""
    if value is None:
        return _("no figure")

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(float(value), decimals), format=pattern, locale=get_language())


def fmt_percent(share: float | None) -> str:
    """A share (0..1) as a whole percentage in the current language; "no figure" for None."""
    if share is None:
        return _("no figure")

    return format_percent(share, format="#,##0%", locale=get_language())


def headline(count: AreaCount) -> str:
    """The caption sentence of an area: "Kiel: 9 initiatives, 7 of them direct solidarity, ..."."""
    n = count.total
    if n == 0:
        return _("{area}: no initiative matches these filters.").format(area=count.area.label)
    return ngettext(
        "{area}: {n} initiative, {direct} of them direct solidarity, {both} both direct and indirect, {indirect} indirect.",
        "{area}: {n} initiatives, {direct} of them direct solidarity, {both} both direct and indirect, {indirect} indirect.",
        n,
    ).format(
        area=count.area.label,
        n=fmt_number(n),
        direct=fmt_number(count.by_type["direct"]),
        both=fmt_number(count.by_type["both"]),
        indirect=fmt_number(count.by_type["indirect"]),
    )


def density_sentence(count: AreaCount) -> str:
    """"Kiel: 4.4 initiatives per 10,000 residents and 3.1 per km²." ("no figure" where unknown)."""
    return _("{area}: {per_10k} initiatives per 10,000 residents, {per_km2} per km².").format(
        area=count.area.label, per_10k=fmt_number(count.per_10k, 1), per_km2=fmt_number(count.per_km2, 1)
    )


def type_label(kind: str) -> str:
    """The label of a solidarity type in the headline's words."""

    return _(SOLIDARITY_LABELS[kind]) if kind in SOLIDARITY_TYPES else kind


def source_line(kind: str, period: str = "", filters: str = "") -> str:
    """The one-line source, period and method under a figure.

    ``kind``: ``counts``, ``density``, ``matrix``, ``choropleth`` or ``gaps``.
    """
    initiatives = _("Source: the map's initiatives (active, each with its own source)")
    filtered = f" · {filters}" if filters else ""
    residents = _("residents: Stad Antwerpen, Stad in Cijfers, {period}").format(period=period or _("no figure"))
    lines = {
        "counts": initiatives + filtered + " · "
        + _("method: counted in the buurtwerk it belongs to, or in the neighbourhood its point lies in; "
            "the city counts every initiative"),
        "density": initiatives + filtered + " · " + residents + " · "
        + _("areas: Stad Antwerpen open data (wijken), measured in Lambert 72 · "
            "method: initiatives ÷ residents × 10,000, initiatives ÷ km²"),
        "matrix": initiatives + filtered + " · "
        + _("method: initiatives linked to a project, per buurtwerk; marked: a source links the project to the buurtwerk"),
        "choropleth": initiatives + filtered + " · " + residents + " · "
        + _("wijken: Stad Antwerpen open data · method: per wijk the point lies in; grey: no figure "
            "(also for rates of wijken with fewer than 1,000 residents)"),
        "gaps": initiatives + filtered + " · " + residents + " · "
        + _("method: 100 m grid in Lambert 72; walking = straight line × 1.3 at 4.5 km/h; "
            "each wijk's residents spread evenly over its part of the area"),
    }
    return lines[kind]


def filter_summary(state: Any, centre_labels: Mapping[str, str], project_names: Mapping[str, str]) -> str:
    """The active filter in words, for slides, captions and exports ("No filter: ..." when none)."""

    if state.is_empty():
        return _("No filter: all active initiatives")
    parts = []
    if state.types:
        parts.append(" / ".join(type_label(t) for t in state.types))
    if state.centres:
        parts.append(", ".join(centre_labels.get(c, c) for c in state.centres))
    if state.projects:
        parts.append(", ".join(project_names.get(p, p) for p in state.projects))
    if state.categories:
        parts.append(", ".join(category_label(c) for c in state.categories))
    if state.text:
        parts.append(_("search “{text}”").format(text=state.text))
    return _("Filter: {filters}").format(filters=" · ".join(parts))


def counts_table(counts: Sequence[AreaCount]) -> pd.DataFrame:
    """The figures of the areas as a table for the screen: translated headers, "no figure" where unknown."""
    return pd.DataFrame(
        {
            _("Area"): [c.area.label for c in counts],
            _("Buurtwerk"): [c.area.centre_name for c in counts],
            _("Initiatives"): [c.total for c in counts],
            type_label("direct"): [c.by_type["direct"] for c in counts],
            type_label("both"): [c.by_type["both"] for c in counts],
            type_label("indirect"): [c.by_type["indirect"] for c in counts],
            _("Residents"): [fmt_number(c.area.residents) for c in counts],
            _("Per 10,000 residents"): [fmt_number(c.per_10k, 1) for c in counts],
            _("Area (km²)"): [fmt_number(c.area.km2, 2) for c in counts],
            _("Per km²"): [fmt_number(c.per_km2, 1) for c in counts],
        }
    )

