"""Figures: per buurtwerk area, the five together and the city; the project matrix; a map per wijk;
the gap analysis; exports. Follows the explore filters through the URL."""

from __future__ import annotations

import streamlit as st

from solidarity import charts
from solidarity.figures import (
    CITY,
    counts_table,
    density_sentence,
    headline,
    project_matrix,
    source_line,
    wijk_indicators,
)
from solidarity.gaps import ANY, category_words, gap_sentence, gaps_table
from solidarity.i18n import _
from solidarity.model import CATEGORIES
from solidarity.safety import md
from ui import council, nav, resources
from ui.exports import report_downloads, table_downloads

catalog = resources.catalog()
geo = council.geography()
gaps = council.gap_analysis()
centre_labels = {a.id: a.label for a in geo.areas.values()}
figures = council.FIGURES.load()
council.FIGURES.publish(figures)
state = figures.filters

st.title(_("Figures per neighbourhood"))
council.filter_bar(catalog.vocabulary, centre_labels)
view = council.view(state)
with st.container(horizontal=True, vertical_alignment="center"):
    st.markdown("**" + md(view.filters) + "**")
    nav.page_link("explore", label=_("Open these filters on the map"), icon=":material/map:")
if not geo.has_geometry:
    st.info(
        _("Without neighbourhood boundaries the figures count initiatives by their buurtwerk only: no "
          "densities per km², no map per wijk and no gap analysis. Run `make geodata` once while online, "
          "or set GEODATA_DIR to a folder with the wijken file."),
        icon=":material/info:",
    )
if len(view.unscoped) == 0:
    st.info(_("No initiative matches these filters."), icon=":material/search_off:")

st.header(_("Direct and indirect solidarity"))
for count in view.counts:
    st.markdown("- " + md(headline(count)))
balance = charts.type_balance_chart(view.counts)
st.altair_chart(balance, width="stretch")
st.caption(md(source_line("counts", filters=view.filters)))

st.header(_("Initiatives per 10,000 residents and per km²"))
for count in view.counts:
    st.markdown("- " + md(density_sentence(count)))
st.dataframe(counts_table(view.counts), hide_index=True)
st.caption(md(source_line("density", view.period, view.filters)))

st.header(_("What the initiatives do"))
categories_chart = charts.category_chart(view.counts)
st.altair_chart(categories_chart, width="stretch")
st.caption(md(source_line("counts", filters=view.filters)))

st.header(_("Projects and buurtwerken"))
matrix = charts.matrix_chart(project_matrix(view.unscoped, geo, catalog.projects))
st.altair_chart(matrix, width="stretch")
st.caption(md(source_line("matrix", filters=view.filters)))

chosen_charts = {
    "balans": (_("Direct and indirect solidarity"), balance),
    "categorieen": (_("What the initiatives do"), categories_chart),
    "projecten": (_("Projects and buurtwerken"), matrix),
}
if geo.has_geometry:
    st.header(_("A map per wijk"))
    council.indicator_picker()
    indicator = figures.indicator
    choropleth = charts.choropleth_chart(
        geo.wijken_geojson,
        wijk_indicators(view.unscoped, geo), indicator, view.period, geo.figures.source or _("no figure"),
        highlight=view.areas_geojson(),
    )
    st.vega_lite_chart(spec=choropleth, width="stretch")
    st.caption(md(source_line("choropleth", view.period, view.filters)))
    chosen_charts["wijkkaart"] = (_("A map per wijk"), choropleth)

if gaps is not None:
    st.header(_("Where people are far from an initiative"))
    st.markdown(
        _("Walking time is estimated as on the residents' page: the straight line × 1.3 at 4.5 km/h. "
          "Each wijk's residents are spread evenly over its part of the area (a 100 m grid).")
    )
    council.gap_pickers()
    minutes, category = figures.minutes, figures.kind
    shares = gaps.shares(view.area_ids, [ANY, *CATEGORIES], view.gap_view, minutes)
    for share in (s for s in shares if s.category == category):
        st.markdown("- " + md(gap_sentence(share, geo.areas[share.area].label)))
    gap_heat = charts.gap_chart(shares, centre_labels)
    st.altair_chart(gap_heat, width="stretch")
    with st.expander(_("Residents and area within reach, as a table"), icon=":material/table_view:"):
        st.dataframe(gaps_table(shares, centre_labels), hide_index=True)
    gap_map = charts.area_map_chart(
        view.areas_geojson(), view.in_area(CITY), catalog.centres,
        gaps.beyond_geojson(view.area_ids, category, view.gap_view, minutes),
        title=_("Farther than {minutes} minutes from {what}").format(minutes=minutes, what=category_words(category)),
        subtitle=_("Orange: more than {minutes} minutes' walk from {what}.").format(minutes=minutes, what=category_words(category)),
    )
    st.altair_chart(gap_map, width="stretch")
    st.caption(md(source_line("gaps", view.period, view.filters)))
    chosen_charts["witte-vlekken"] = (_("Where people are far from an initiative"), gap_heat)
    chosen_charts["kaart-witte-vlekken"] = (_("gap map"), gap_map)

st.header(_("Download"))
st.caption(md(view.filters))
table_downloads(view, "fig")
report_downloads(view, "fig", chosen_charts)
st.caption(md(view.attribution().text()))
