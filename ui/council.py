"""Streamlit glue of the council pages: cached geography and gap analysis, the pages' state and widgets.

The figures page (:data:`FIGURES`) and the presentation (:data:`SLIDES`) keep their state like
the other pages (``ui.state.PageState``) and share the map's filters with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from geo.boundaries import find_wijken_file
from solidarity import charts
from solidarity.council import (
    DEFAULT_INDICATOR,
    CouncilView,
    FiguresView,
    Slide,
    SlideView,
    build_view,
    deck,
)
from solidarity.figures import INDICATORS, Geography, build_geography
from solidarity.filters import FilterState, Vocabulary
from solidarity.gaps import ANY, MINUTES, GapAnalysis, category_words
from solidarity.i18n import _, get_language
from solidarity.model import CATEGORIES, SOLIDARITY_LABELS
from solidarity.safety import md
from solidarity.views import category_label
from solidarity.wijkdata import find_wijk_figures_file, load_wijk_figures
from ui import resources
from ui.state import Binding, PageState


def _keys() -> tuple[str, str, int, str, str]:
    """What the council caches depend on: the store, its data version, the boundary and figures files."""
    config = resources.settings()
    instance, _report = resources.store(config.DATABASE_URL, config.SEED_DIR)
    wijken = find_wijken_file(config.geodata_paths)
    figures = find_wijk_figures_file(config)
    wijken_key = f"{wijken}:{wijken.stat().st_mtime_ns}" if wijken else ""
    figures_key = f"{figures}:{figures.stat().st_mtime_ns}" if figures else ""
    return config.DATABASE_URL, config.SEED_DIR, instance.data_version(), wijken_key, figures_key


@st.cache_resource(show_spinner=False, max_entries=4)
def _geography(url: str, seed_dir: str, version: int, wijken_key: str, figures_key: str) -> Geography:
    config = resources.settings()
    catalog = resources.catalog()
    return build_geography(catalog.centres, resources.current_boundaries(config), load_wijk_figures(config))


def geography() -> Geography:
    """The areas, residents and wijken of the current data version (shared, read only)."""
    return _geography(*_keys())


@st.cache_resource(show_spinner=False, max_entries=4)
def _gap_analysis(url: str, seed_dir: str, version: int, wijken_key: str, figures_key: str) -> GapAnalysis | None:
    geo = _geography(url, seed_dir, version, wijken_key, figures_key)
    if not geo.has_geometry:
        return None
    areas = {a.id: a.geometry for a in geo.areas.values() if a.geometry is not None}
    return GapAnalysis(areas, geo.wijken, geo.figures, resources.catalog().initiatives)


def gap_analysis() -> GapAnalysis | None:
    """The gap analysis of the current data version (computed once, shared), or None without boundaries."""
    return _gap_analysis(*_keys())


@st.cache_resource(show_spinner=False, max_entries=32)
def _view(keys: tuple, state: FilterState, language: str, day: dt.date) -> CouncilView:
    return build_view(resources.catalog(), state, geography(), gap_analysis(), day)


def view(state: FilterState) -> CouncilView:
    """The council view of ``state`` (counts, filtered frames, filter line), shared per data version,
    filter state, language and day: stepping through slides with the same filters reuses it."""
    return _view(_keys(), state, get_language(), dt.date.today())


def _vocab() -> Vocabulary:
    return resources.catalog().vocabulary


def _filter(prefix: str, name: str) -> Binding:
    return Binding(
        f"{prefix}_{name}",
        read=lambda view: list(getattr(view.filters, name)),
        write=lambda view, value: replace(view, filters=replace(view.filters, **{name: tuple(value or ())})),
    )


FIGURES: PageState[FiguresView] = PageState(
    "figures",
    parse=lambda params: FiguresView.from_query_params(params, _vocab()),
    to_params=lambda view: view.to_query_params(),
    bindings=(
        _filter("fig", "types"),
        _filter("fig", "centres"),
        _filter("fig", "categories"),
        Binding("fig_indicator", read=lambda v: v.indicator,
                write=lambda v, value: replace(v, indicator=value or DEFAULT_INDICATOR)),
        Binding("fig_minutes", read=lambda v: v.minutes, write=lambda v, value: replace(v, minutes=int(value or 10))),
        Binding("fig_gap_category", read=lambda v: v.kind, write=lambda v, value: replace(v, kind=value or ANY)),
    ),  # fmt: skip
    with_filters=lambda view, filters: replace(view, filters=filters.with_selected("")),
    default=FiguresView,
)


def slide_ids() -> list[str]:
    """The ids of the slides of the current data."""
    return [slide.id for slide in deck(resources.catalog())]


SLIDES: PageState[SlideView] = PageState(
    "slides",
    parse=lambda params: SlideView.from_query_params(params, _vocab(), slide_ids()),
    to_params=lambda view: view.to_query_params(),
    bindings=(Binding("slide_pick", read=lambda v: v.slide or slide_ids()[0], write=lambda v, value: replace(v, slide=value or "")),),
    with_filters=lambda view, filters: replace(view, filters=filters.with_selected("")),
    default=SlideView,
)


def _on(key: str) -> dict:
    return {"key": key, "on_change": FIGURES.changed, "args": (key,)}


def filter_bar(vocab: Vocabulary, centre_labels: dict[str, str]) -> None:
    """Type, buurtwerk and category filters of the figures page (the map's filters: shared with it).

    The project and search filters of the URL are kept as they are (shown in the filter line)."""
    with st.container(horizontal=True, gap="medium"):
        st.pills(
            _("Solidarity"), ["direct", "indirect"], selection_mode="multi",
            format_func=lambda t: _(SOLIDARITY_LABELS[t]),
            help=_("Initiatives that are both direct and indirect match either choice."), **_on("fig_types"),
        )  # fmt: skip
        st.pills(
            _("Buurtwerk / neighbourhood"), list(vocab.centres), selection_mode="multi",
            format_func=lambda c: md(centre_labels.get(c, c)), **_on("fig_centres"),
        )  # fmt: skip
        st.multiselect(
            _("Category"), list(vocab.categories), format_func=category_label, placeholder=_("All categories"),
            width=320, **_on("fig_categories"),
        )  # fmt: skip


def indicator_picker() -> None:
    """The indicator of the map per wijk."""
    st.segmented_control(_("Indicator"), list(INDICATORS), format_func=charts.indicator_label, **_on("fig_indicator"))


def gap_pickers() -> None:
    """The walking time and the kind of initiative of the gap analysis."""
    with st.container(horizontal=True, gap="medium"):
        st.segmented_control(
            _("Walking time"), list(MINUTES), format_func=lambda m: _("{minutes} minutes").format(minutes=m),
            **_on("fig_minutes"),
        )  # fmt: skip
        st.selectbox(_("Kind of initiative"), [ANY, *CATEGORIES], format_func=category_words, width=320,
                     **_on("fig_gap_category"))  # fmt: skip


def go_to(slide_id: str) -> None:
    """Button callback: show ``slide_id`` (the URL changes, so the slide can be shared)."""
    SLIDES.set(replace(SLIDES.get(), slide=slide_id))


def slide_picker(slides: list[Slide]) -> None:
    """A list of every slide (the current one chosen)."""
    st.segmented_control(
        _("Go to a slide"), [s.id for s in slides], key="slide_pick", on_change=SLIDES.changed, args=("slide_pick",),
    )
