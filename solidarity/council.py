"""The council view: the figures of the current filters, the slides of the presentation, and the
pages of the PDFs, put together from :mod:`figures`, :mod:`gaps`, :mod:`charts` and :mod:`exports`.

Pages call :func:`build_view` once per run and render what it returns; exports are made from
the same view, so a file holds what the screen shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import pandas as pd

from geo.boundaries import to_geojson
from solidarity import charts
from solidarity.attribution import Attribution, attribution
from solidarity.exports import PdfPage, export_filename, render_pdf, slug, view_parts
from solidarity.figures import (
    CITY,
    FIVE,
    INDICATORS,
    AreaCount,
    Geography,
    area_counts,
    area_of,
    density_sentence,
    filter_summary,
    fmt_number,
    headline,
    source_line,
    type_label,
)
from solidarity.filters import FilterState, Vocabulary, apply_filters
from solidarity.gaps import ANY, MINUTES, GapAnalysis, category_words, gap_sentence, view_for
from solidarity.i18n import _, get_language, set_language
from solidarity.mapimage import SHAPES, MapLayers, render_map
from solidarity.model import CATEGORIES, CENTRE_COLOUR, TYPE_STYLES, split_list
from solidarity.pagestate import last_value
from solidarity.views import category_label

#: The walking time the slides and PDFs use.
SLIDE_MINUTES = 10


@dataclass(frozen=True)
class CouncilView:
    """Everything the council pages show for one filter state."""

    catalog: Any
    state: FilterState
    geography: Geography
    gaps: GapAnalysis | None
    shown: pd.DataFrame  # the filtered initiatives, as on the explore map (and in the exports)
    unscoped: pd.DataFrame  # the same filters without the buurtwerk filter (the comparisons need it)
    counts: list[AreaCount]
    filters: str
    day: dt.date

    @cached_property
    def project_rows(self) -> dict[str, pd.DataFrame]:
        """Project id -> the unscoped initiatives linked to it (split once per view, not per slide)."""
        exploded = self.unscoped["projects"].map(split_list).explode().dropna()
        return {project: self.unscoped.loc[sorted(set(index))] for project, index in exploded.groupby(exploded).groups.items()}

    @property
    def period(self) -> str:
        """The period of the wijk figures."""
        return self.geography.figures.period

    @property
    def gap_view(self) -> str:
        """The gap analysis view of the type filter (``all``, ``direct``, ``indirect``)."""
        return view_for(self.state.types)

    @property
    def area_ids(self) -> list[str]:
        """The buurtwerk areas of the view: the filtered ones, or all five."""
        return [c.id for c in self.counts if c.id not in (FIVE, CITY)]

    def count(self, area_id: str) -> AreaCount | None:
        """The counts of one area (or of :data:`FIVE` / :data:`CITY`)."""
        return next((c for c in self.counts if c.id == area_id), None)

    def attribution(self, initiatives: pd.DataFrame | None = None) -> Attribution:
        """The credits of this view (with the sources of ``initiatives``, default: the shown ones)."""
        return attribution(self.period, self.shown if initiatives is None else initiatives)

    def filename(self, ext: str, *extra: str) -> str:
        """An export's file name: the filters (or ``extra``) and the date."""
        return export_filename(list(extra) or view_parts(self.state, self.centre_slugs()), ext, self.day)

    def centre_slugs(self) -> dict[str, str]:
        """Buurtwerk id -> its neighbourhood's name (``de-stek`` -> ``Kiel``)."""
        return {a.id: a.label for a in self.geography.areas.values()}

    def in_area(self, area_id: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """The initiatives (of ``frame``, default the unscoped ones) that count in ``area_id``."""
        frame = self.unscoped if frame is None else frame
        if area_id == CITY:
            return frame
        areas = area_of(frame)
        if area_id == FIVE:
            return frame[areas.isin(set(self.geography.areas)).to_numpy()]
        return frame[(areas == area_id).to_numpy()]

    def areas_geojson(self, area_ids: Sequence[str] | None = None) -> dict:
        """The buurtwerk areas as GeoJSON (empty without the boundaries)."""

        chosen = self.area_ids if area_ids is None else area_ids
        shapes = {a: self.geography.areas[a].geometry for a in chosen if a in self.geography.areas}
        return to_geojson({k: v for k, v in shapes.items() if v is not None}, tolerance=0.0001)

    def gap_sentences(self, area_id: str, categories: Sequence[str] = (ANY,), minutes: int = SLIDE_MINUTES) -> list[str]:
        """The gap sentences of an area (empty without the gap analysis)."""
        if self.gaps is None or area_id not in self.gaps.grids:
            return []
        label = self.geography.areas[area_id].label
        return [gap_sentence(self.gaps.share(area_id, c, self.gap_view, minutes), label) for c in categories]


def map_layers(view: CouncilView, area_ids: Sequence[str] | None, points: pd.DataFrame, centres: pd.DataFrame,
               beyond: bool = False) -> MapLayers:
    """The layers of a map picture: the areas (default: the view's), the gap cells when asked, the points."""
    chosen = view.area_ids if area_ids is None else list(area_ids)
    areas = [view.geography.areas[a].geometry for a in chosen if a in view.geography.areas]
    cells = list(view.gaps.beyond_geometries(chosen, ANY, view.gap_view, SLIDE_MINUTES).values()) if beyond and view.gaps else []
    return MapLayers(tuple(g for g in areas if g is not None), tuple(cells), points, centres)


def map_legend(with_gaps: bool = False) -> tuple[tuple[str, str, str], ...]:
    """The legend of a map picture, in the current language."""

    items = [(type_label(t), TYPE_STYLES[t]["colour"], SHAPES[t]) for t in ("direct", "both", "indirect")]
    items.append((_("Buurtwerk"), CENTRE_COLOUR, "square"))
    if with_gaps:
        items.append((_("Farther than {minutes} minutes from {what}").format(minutes=SLIDE_MINUTES, what=category_words(ANY)),
                      "#E69F00", "box"))
    return tuple(items)


def build_view(
    catalog: Any, state: FilterState, geography: Geography, gaps: GapAnalysis | None, day: dt.date | None = None
) -> CouncilView:
    """The figures of ``state``: counts per chosen area (all five without a buurtwerk filter), the
    five together and the city, computed on the filters without the buurtwerk filter."""
    unscoped = apply_filters(catalog.initiatives, replace(state, centres=(), selected=""))
    shown = apply_filters(catalog.initiatives, replace(state, selected=""))
    counts = area_counts(unscoped, geography, catalog.projects, state.centres or None)
    centre_labels = {a.id: a.label for a in geography.areas.values()}
    filters = filter_summary(state, centre_labels, catalog.project_names())
    return CouncilView(catalog, state, geography, gaps, shown, unscoped, counts, filters, day or dt.date.today())


# -- slides ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slide:
    """One slide: a stable, readable id (its link ``?slide=<id>``), its kind and what it is about."""

    id: str
    kind: str  # overview, balance, gaps, area, project
    ref: str = ""  # the buurtwerk or project id


def deck(catalog: Any) -> list[Slide]:
    """The slides in order: the five on one map, direct and indirect per neighbourhood, the gaps,
    one per buurtwerk (id: its neighbourhood, e.g. ``kiel``), one per project (``project-woonlab``)."""
    slides = [Slide("overzicht", "overview"), Slide("solidariteit", "balance"), Slide("gaten", "gaps")]
    slides += [Slide(slug(row.wijk or row.name), "area", row.id) for row in catalog.centres.itertuples(index=False)]
    slides += [
        Slide("project-" + slug(row.id), "project", row.id)
        for row in catalog.projects.itertuples(index=False)
        if row.kind == "project"
    ]
    return slides


def slide_index(slides: Sequence[Slide], slide_id: str) -> int:
    """The position of ``slide_id`` (0, the first slide, for an unknown or missing id)."""
    return next((i for i, s in enumerate(slides) if s.id == (slide_id or "").strip().lower()), 0)


@dataclass(frozen=True)
class SlideContent:
    """What a slide shows: a title, sentences, a chart (Altair) and whether nothing matched."""

    title: str
    sentences: tuple[str, ...]
    chart: Any | None
    empty: bool = False
    note: str = ""  # e.g. why a part is missing (no boundaries)
    source: str = ""
    layers: MapLayers | None = None  # the map as layers, drawn as a picture for the PDF


def slide_content(slide: Slide, view: CouncilView, chart_height: int = 400, tooltips: bool = True,
                  maps: bool = True) -> SlideContent:
    """The content of one slide for the current view (filters); ``tooltips=False`` for images;
    ``maps=False`` leaves out the screen's map charts (the PDF draws its maps from ``layers``)."""
    catalog, geo = view.catalog, view.geography
    no_areas = "" if geo.has_geometry else _("The neighbourhood areas are not shown: no neighbourhood boundaries were found.")
    if slide.kind == "overview":
        five, city = view.count(FIVE), view.count(CITY)
        return SlideContent(
            _("The five buurtwerken and the initiatives around them"),
            tuple(headline(c) for c in (five, city) if c),
            (charts.area_map_chart(view.areas_geojson(), view.in_area(CITY), catalog.centres, title=" ", height=chart_height, tooltips=tooltips) if maps else None),
            empty=city is None or city.total == 0,
            note=no_areas,
            source=source_line("counts", filters=view.filters),
            layers=map_layers(view, None, view.in_area(CITY), catalog.centres),
        )
    if slide.kind == "balance":
        counts = view.counts
        return SlideContent(
            _("Direct and indirect solidarity per neighbourhood"),
            tuple(headline(c) for c in counts if c.id not in (CITY,)),
            charts.type_balance_chart(counts, title=" "),
            empty=all(c.total == 0 for c in counts),
            source=source_line("counts", filters=view.filters),
        )
    if slide.kind == "gaps":
        if view.gaps is None:
            return SlideContent(_("Where people are far from an initiative"), (), None, note=no_areas or _("The gap analysis is not available."))
        sentences = tuple(s for a in view.area_ids for s in view.gap_sentences(a))
        beyond = view.gaps.beyond_geojson(view.area_ids, ANY, view.gap_view, SLIDE_MINUTES)
        return SlideContent(
            _("Where people are far from an initiative"),
            sentences,
            (charts.area_map_chart(view.areas_geojson(), view.in_area(CITY), catalog.centres, beyond, title=" ",
                                  subtitle=_("Orange: more than {minutes} minutes' walk from any initiative of these filters.").format(minutes=SLIDE_MINUTES),
                                  height=chart_height, tooltips=tooltips) if maps else None),
            empty=len(view.unscoped) == 0,
            source=source_line("gaps", view.period, view.filters),
            layers=map_layers(view, None, view.in_area(CITY), catalog.centres, beyond=True),
        )
    if slide.kind == "area":
        area = geo.areas[slide.ref]
        count = area_counts(view.unscoped, geo, catalog.projects, [slide.ref])[0]
        beyond = view.gaps.beyond_geojson([slide.ref], ANY, view.gap_view, SLIDE_MINUTES) if view.gaps else None
        return SlideContent(
            f"{area.label} — {area.centre_name}",
            (headline(count), density_sentence(count), *view.gap_sentences(slide.ref)),
            (charts.area_map_chart(view.areas_geojson([slide.ref]), view.in_area(slide.ref), catalog.centres[catalog.centres["id"] == slide.ref],
                                  beyond, title=" ", height=chart_height, tooltips=tooltips) if maps else None),
            empty=count.total == 0,
            note=no_areas,
            source=source_line("density", view.period, view.filters),
            layers=map_layers(view, [slide.ref], view.in_area(slide.ref), catalog.centres[catalog.centres["id"] == slide.ref],
                              beyond=True),
        )
    project = catalog.projects[catalog.projects["id"] == slide.ref].iloc[0]
    linked = view.project_rows.get(slide.ref, view.unscoped.iloc[0:0])
    per_area = area_counts(linked, geo, catalog.projects)
    sentences = [str(project["description"])] if project["description"] else []
    sentences += [headline(c) for c in per_area if c.id != CITY and c.total]
    if not linked.empty:
        sentences.append(headline(per_area[-1]))
    return SlideContent(
        str(project["name"]),
        tuple(sentences),
        (charts.area_map_chart(view.areas_geojson(), linked, catalog.centres, title=" ", height=chart_height, tooltips=tooltips) if maps else None),
        empty=linked.empty,
        note=no_areas,
        source=source_line("matrix", filters=view.filters),
        layers=map_layers(view, None, linked, catalog.centres),
    )


# -- PDFs ----------------------------------------------------------------------------------


def area_pdf_page(view: CouncilView, area_id: str, map_png: Any = None) -> PdfPage:
    """The one-page report of a buurtwerk area: figures, a map, the gaps and the sources."""
    geo = view.geography
    area = geo.areas[area_id]
    count = area_counts(view.unscoped, geo, view.catalog.projects, [area_id])[0]
    rows = view.in_area(area_id)
    if map_png is None:
        centre = view.catalog.centres[view.catalog.centres["id"] == area_id]
        map_png = render_map(map_layers(view, [area_id], rows, centre, beyond=True), width=1400, height=760)
    table = [
        (_("Initiatives"), fmt_number(count.total)),
        *((type_label(t), fmt_number(count.by_type[t])) for t in ("direct", "both", "indirect")),
        (_("Residents ({period})").format(period=view.period or "–"), fmt_number(area.residents)),
        (_("Initiatives per 10,000 residents"), fmt_number(count.per_10k, 1)),
        (_("Initiatives per km²"), fmt_number(count.per_km2, 1)),
    ]
    top = sorted(((n, c) for c, n in count.by_category.items() if n), reverse=True)[:4]
    table += [(category_label(c), fmt_number(n)) for n, c in top]
    gaps = view.gap_sentences(area_id, [c for c in CATEGORIES if count.by_category.get(c)] or [ANY])
    credits = view.attribution(rows)
    return PdfPage(
        title=f"{area.label} — {area.centre_name}",
        subtitle=f"{view.filters} · {view.day.isoformat()}",
        sentences=(headline(count), density_sentence(count), *view.gap_sentences(area_id), *gaps),
        image_png=map_png,
        table=tuple(table),
        footer=credits.text() + " · " + source_line("density", view.period),
        sources=credits.initiative_sources,
        legend=map_legend(with_gaps=view.gaps is not None),
    )


def areas_pdf(view: CouncilView, area_ids: Sequence[str] | None = None) -> bytes:
    """The PDF of the areas: one page per buurtwerk area (default: the areas of the view)."""
    chosen = list(area_ids or view.area_ids)
    pages = [area_pdf_page(view, a) for a in chosen]
    return render_pdf(pages, _("Solidarity map of Antwerp") + " — " + ", ".join(view.geography.areas[a].label for a in chosen))


def presentation_pdf(view: CouncilView, slides: Sequence[Slide] | None = None) -> bytes:
    """The whole presentation as one PDF to hand out: one landscape page per slide."""
    slides = list(slides or deck(view.catalog))


    contents = [slide_content(slide, view, chart_height=430, tooltips=False, maps=False) for slide in slides]
    language = get_language()

    def image(content: SlideContent) -> bytes | None:
        set_language(language)
        if content.layers is not None:
            return render_map(content.layers, width=1200, height=800)  # about 175 dpi on the page
        return charts.to_png(content.chart, scale=1.5, width=820) if content.chart is not None else None

    # Pillow and vl-convert draw outside the GIL: two images at a time on two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        images = list(pool.map(image, contents))
    pages = []
    for number, (content, png) in enumerate(zip(contents, images, strict=True), start=1):
        sentences = content.sentences if not content.empty else (_("No initiative matches these filters."),)
        pages.append(
            PdfPage(
                title=content.title,
                subtitle=f"{view.filters} · {number} / {len(slides)} · {view.day.isoformat()}",
                sentences=tuple(sentences[:2]) + ("",) + tuple(sentences[2:]),
                image_png=png,
                footer=view.attribution().text() + (" · " + content.source if content.source else ""),
                legend=map_legend(with_gaps=bool(content.layers and content.layers.beyond)) if content.layers else (),
            )
        )
    return render_pdf(pages, _("Solidarity map of Antwerp") + " — " + _("Presentation"), landscape=True)


# -- the council pages' state in the URL ----------------------------------------------------------

PARAM_INDICATOR = "indicator"
PARAM_MINUTES = "minuten"
PARAM_GAP_KIND = "soort"
PARAM_SLIDE = "slide"
DEFAULT_INDICATOR = "per_10k"
DEFAULT_MINUTES = 10



@dataclass(frozen=True)
class FiguresView:
    """The figures page: the explore filters (shared), the map's indicator, the gap analysis's time and kind."""

    filters: FilterState = field(default_factory=FilterState)
    indicator: str = DEFAULT_INDICATOR
    minutes: int = DEFAULT_MINUTES
    kind: str = ANY  # a category, or ANY

    def to_query_params(self) -> dict[str, list[str] | str]:
        params = self.filters.to_query_params()
        if self.indicator != DEFAULT_INDICATOR:
            params[PARAM_INDICATOR] = self.indicator
        if self.minutes != DEFAULT_MINUTES:
            params[PARAM_MINUTES] = str(self.minutes)
        if self.kind != ANY:
            params[PARAM_GAP_KIND] = self.kind
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, object], vocab: Vocabulary) -> FiguresView:
        """Read the view from URL parameters; unknown values fall back to the defaults."""
        minutes = last_value(params, PARAM_MINUTES)
        indicator, kind = last_value(params, PARAM_INDICATOR), last_value(params, PARAM_GAP_KIND)
        return cls(
            filters=FilterState.from_query_params(params, vocab).with_selected(""),
            indicator=indicator if indicator in INDICATORS else DEFAULT_INDICATOR,
            minutes=int(minutes) if minutes.isdigit() and int(minutes) in MINUTES else DEFAULT_MINUTES,
            kind=kind if kind in CATEGORIES else ANY,
        )


@dataclass(frozen=True)
class SlideView:
    """The presentation: the explore filters (shared) and the slide shown."""

    filters: FilterState = field(default_factory=FilterState)
    slide: str = ""  # a slide id of :func:`deck`; "" the first

    def to_query_params(self) -> dict[str, list[str] | str]:
        params = self.filters.to_query_params()
        if self.slide:
            params[PARAM_SLIDE] = self.slide
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, object], vocab: Vocabulary, slide_ids: Sequence[str]) -> SlideView:
        """Read the view from URL parameters; an unknown slide opens the first."""
        slide = last_value(params, PARAM_SLIDE).lower()
        return cls(FilterState.from_query_params(params, vocab).with_selected(""), slide if slide in slide_ids else "")
