"""Download buttons for the exports of the current filters (explore, figures and presentation pages).

Files are made when their button is clicked (``st.download_button`` with a callable), in the
language of the page, from the same :class:`solidarity.council.CouncilView` the page shows.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from solidarity import exports
from solidarity.assets import local_assets_present
from solidarity.charts import to_png
from solidarity.council import CouncilView, areas_pdf, build_view, presentation_pdf
from solidarity.filters import FilterState
from solidarity.i18n import _, get_language, set_language
from solidarity.mapbuilder import TileSettings, build_map
from solidarity.safety import md
from ui import resources
from ui.council import geography

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "html": "text/html",
    "pdf": "application/pdf",
    "png": "image/png",
}


def _lazy(make: Callable[[], bytes | str]) -> Callable[[], bytes | str]:
    """``make`` run later (on click, in another thread) in this run's language."""
    language = get_language()

    def run() -> bytes | str:
        set_language(language)
        return make()

    return run


def _button(label: str, data: Callable[[], bytes | str], file_name: str, key: str, icon: str, disabled: bool = False,
            help: str | None = None) -> None:  # noqa: A002 - Streamlit's name
    ext = file_name.rsplit(".", 1)[-1]
    st.download_button(
        label, _lazy(data), file_name=file_name, mime=MIME[ext], key=key, icon=icon, on_click="ignore",
        disabled=disabled, help=help,
    )


def _map_html(view: CouncilView) -> str:
    config = resources.settings()
    catalog = view.catalog
    fmap = build_map(view.shown, catalog.centres, catalog.projects, areas=catalog.areas,
                     tiles=TileSettings(config.TILES_URL, config.TILES_ATTRIBUTION), fit=True)
    title = _("Solidarity map of Antwerp") + " — " + view.filters
    return exports.standalone_map_html(fmap, view.attribution(), title)


def _fonts_missing() -> str | None:
    try:
        exports.find_fonts()
    except exports.ExportUnavailableError as exc:
        return str(exc)
    return None


def table_downloads(view: CouncilView, key: str) -> None:
    """CSV, Excel, GeoJSON and the standalone HTML map of the shown initiatives."""
    shown, credits, filters, day = view.shown, view.attribution(), view.filters, view.day
    with st.container(horizontal=True, gap="small"):
        _button(_("CSV"), lambda: exports.to_csv(shown), view.filename("csv"), f"{key}_csv", ":material/table_view:")
        _button(_("Excel"), lambda: exports.to_xlsx(shown, credits, filters, day), view.filename("xlsx"), f"{key}_xlsx",
                ":material/grid_on:")
        _button(_("GeoJSON"), lambda: exports.to_geojson(shown, credits, filters, day), view.filename("geojson"),
                f"{key}_geojson", ":material/data_object:")
        assets = local_assets_present()
        _button(_("Map (HTML, works offline)"), lambda: _map_html(view), view.filename("html", *_view_words(view), "kaart"),
                f"{key}_html", ":material/map:", disabled=not assets,
                help=None if assets else _("The map assets are not installed (run `make assets`)."))


def _view_words(view: CouncilView) -> list[str]:
    return exports.view_parts(view.state, view.centre_slugs())


def report_downloads(view: CouncilView, key: str, charts: dict[str, tuple[str, object]] | None = None) -> None:
    """The PDF of the areas (one page each), the presentation PDF and each chart as PNG.

    ``charts``: a stable id (used in the key and the file name) -> (label, Altair chart).
    """

    missing = _fonts_missing()
    with st.container(horizontal=True, gap="small"):
        _button(_("PDF: one page per neighbourhood"), lambda: areas_pdf(view), view.filename("pdf", *_view_words(view), "wijken"),
                f"{key}_pdf_areas", ":material/picture_as_pdf:", disabled=bool(missing) or not view.area_ids, help=missing)
        _button(_("PDF: the presentation"), lambda: presentation_pdf(view), view.filename("pdf", *_view_words(view), "presentatie"),
                f"{key}_pdf_slides", ":material/slideshow:", disabled=bool(missing), help=missing)
        for chart_id, (label, chart) in (charts or {}).items():
            _button(_("Chart “{name}” (PNG)").format(name=label), lambda c=chart: to_png(c),
                    view.filename("png", *_view_words(view), chart_id), f"{key}_png_{chart_id}", ":material/image:")
    if missing:
        st.caption(md(missing))


def download_block(state: FilterState, key: str = "explore") -> None:
    """The exports of the explore map's current filters: a small block for the explore page.

    Call it on the explore page with the page's :class:`~solidarity.filters.FilterState`, e.g.
    ``ui.exports.download_block(state)``; the files hold the initiatives the map shows, in the
    order of its list.
    """

    view = build_view(resources.catalog(), state, geography(), None)
    with st.expander(_("Download these initiatives"), icon=":material/download:"):
        st.caption(md(view.filters))
        table_downloads(view, key)
