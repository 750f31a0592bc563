"""Streamlit glue of the council pages: cached geography and gap analysis, the shared filters.

The page state is kept small and in functions (the filters live in the URL; a few widget keys),
so that it can move onto a shared page-state mechanism later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from solidarity.council import CouncilView, build_view
from solidarity.figures import Geography, build_geography
from solidarity.filters import FilterState, Vocabulary
from solidarity.gaps import GapAnalysis
from solidarity.i18n import _, get_language
from solidarity.model import SOLIDARITY_LABELS
from solidarity.safety import md
from solidarity.views import category_label, share_url
from ui import resources
from ui.common import LANG_PARAM, all_query_params, page_url, sync_query_params


def _keys() -> tuple[str, str, int, str, str]:
    """What the council caches depend on: the store, its data version, the boundary and figures files."""
    from geo.boundaries import find_wijken_file
    from solidarity.wijkdata import find_wijk_figures_file

    config = resources.settings()
    instance, _report = resources.store(config.DATABASE_URL, config.SEED_DIR)
    wijken = find_wijken_file(config)
    figures = find_wijk_figures_file(config)
    wijken_key = f"{wijken}:{wijken.stat().st_mtime_ns}" if wijken else ""
    figures_key = f"{figures}:{figures.stat().st_mtime_ns}" if figures else ""
    return config.DATABASE_URL, config.SEED_DIR, instance.data_version(), wijken_key, figures_key


@st.cache_resource(show_spinner=False, max_entries=4)
def _geography(url: str, seed_dir: str, version: int, wijken_key: str, figures_key: str) -> Geography:
    from solidarity.wijkdata import load_wijk_figures

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


def url_state(vocab: Vocabulary) -> FilterState:
    """The explore filters from the URL (unknown values dropped; no selected initiative)."""
    return replace(FilterState.from_query_params(all_query_params(), vocab), selected="")


def filter_bar(prefix: str, vocab: Vocabulary, centre_labels: dict[str, str]) -> FilterState:
    """Type, buurtwerk and category filters, started from the URL and written back to it.

    The widget keys are filled from the URL whenever they are missing (Streamlit drops them when a
    page without the widgets ran), so coming from the explore map shows its filters. The project
    and search filters of the URL are kept as they are (shown in the filter line).
    """
    start = url_state(vocab)
    defaults = {"types": list(start.types), "centres": list(start.centres), "categories": list(start.categories)}
    for name, value in defaults.items():
        st.session_state.setdefault(f"{prefix}_{name}", value)
    with st.container(horizontal=True, gap="medium"):
        st.pills(
            _("Solidarity"), ["direct", "indirect"], selection_mode="multi",
            format_func=lambda t: _(SOLIDARITY_LABELS[t]), key=f"{prefix}_types",
            help=_("Initiatives that are both direct and indirect match either choice."),
        )
        st.pills(
            _("Buurtwerk / neighbourhood"), list(vocab.centres), selection_mode="multi",
            format_func=lambda c: md(centre_labels.get(c, c)), key=f"{prefix}_centres",
        )
        st.multiselect(
            _("Category"), list(vocab.categories), format_func=category_label, key=f"{prefix}_categories",
            placeholder=_("All categories"), width=320,
        )
    state = replace(
        start,
        types=tuple(st.session_state[f"{prefix}_types"] or ()),
        centres=tuple(st.session_state[f"{prefix}_centres"] or ()),
        categories=tuple(st.session_state[f"{prefix}_categories"] or ()),
    )
    state = replace(FilterState.from_query_params(state.to_query_params(), vocab), selected="")
    write_url(state)
    return state


def write_url(state: FilterState, **extra: str) -> None:
    """Put the filters (and ``extra``, e.g. the slide) and the language into the URL."""
    sync_query_params(state.to_query_params() | extra | {LANG_PARAM: get_language()})


def explore_url(state: FilterState) -> str:
    """The link to the explore map with these filters."""
    parts = urlsplit(page_url())
    root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    return share_url(root, state.to_query_params() | {LANG_PARAM: get_language()})
