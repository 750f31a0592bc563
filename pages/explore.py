"""Explore: the five buurtwerken and the solidarity initiatives on one map, with filters and a list."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from solidarity.explore import explore_model
from solidarity.i18n import _, ngettext
from solidarity.mapbuilder import TileSettings, build_map
from solidarity.views import share_url
from ui import explore, nav, resources
from ui.common import app_params, page_url, skip_link
from ui.exports import download_block

config = resources.settings()
catalog = resources.catalog()
view = explore.EXPLORE.load()
model = explore_model(catalog, view)
explore.EXPLORE.normalise(model.view)  # known values only, the page clamped: the widgets show it
explore.EXPLORE.publish(model.view)

st.title(_("Solidarity map of Antwerp"))
nav.page_link("nearby", label=_("What is in my neighbourhood?"), icon=":material/near_me:", primary=True)
st.markdown(
    _("**Direct solidarity**: people help each other, share and work together.")
    + "  \n"
    + _("**Indirect solidarity**: what we pay for together: social services, social security, social housing.")
)
if not catalog.has_areas:
    st.info(
        _("The neighbourhood areas are not shown: no neighbourhood boundaries were found. "
          "Run `make geodata` once while online, or set GEODATA_DIR to a folder with the wijken file."),
        icon=":material/info:",
    )  # fmt: skip
if catalog.load_errors:
    label = ngettext("{n} row could not be loaded", "{n} rows could not be loaded", len(catalog.load_errors))
    with st.expander(label.format(n=len(catalog.load_errors)), icon=":material/warning:"):
        st.dataframe(explore.load_error_rows(catalog.load_errors), hide_index=True)

filters_col, map_col = st.columns([1.2, 3], gap="medium")
# The map goes out before the filters (their values are in the state already): its frame and
# scripts load while the browser draws the rest.
with map_col:
    skip_link("sm-list", _("Skip the map: go to the list"))
    fmap = build_map(
        model.shown, catalog.centres, catalog.projects, areas=catalog.areas, selected=model.view.filters.selected,
        tiles=TileSettings(config.TILES_URL, config.TILES_ATTRIBUTION), fit=True,
        report_url=nav.page_href("suggest", initiatief=""),
    )  # fmt: skip
    # render=False: st_folium renders what it needs itself; a full render first would double the work.
    st_folium(fmap, height=560, use_container_width=True, returned_objects=[], key="explore_map", render=False)

with filters_col:
    explore.filter_widgets(model)

with map_col:
    st.header(_("List of the initiatives shown"), anchor="sm-list-heading")
    if not model.ids:
        st.info(_("No initiative matches these filters."), icon=":material/search_off:")
    else:
        explore.list_controls(model)
        st.html(explore.list_table(model))
        explore.pager(model)
    download_block(model.view.filters)
    with st.expander(_("Share this view"), icon=":material/link:"):
        st.caption(_("Copy this link: it opens the map with the same filters."))
        st.text(share_url(page_url(), model.view.to_query_params() | app_params()))
