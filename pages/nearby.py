"""Near me: residents find solidarity initiatives close to an address, on a phone, in their language."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from solidarity.cards import centre_card, result_card
from solidarity.i18n import _, get_language, ngettext
from solidarity.mapbuilder import TileSettings, build_nearby_map
from solidarity.nearby import find_nearby, format_distance, nearest_centre, position_of
from ui import nav, nearby, resources

config = resources.settings()
catalog = resources.catalog()
language = get_language()
query = nearby.NEARBY.load()

st.title(_("What is near me?"))
st.markdown(_("Find help or a place to help: food, housing, work, digital help, meeting people, social rights."))
with st.expander(_("Direct and indirect solidarity: what is the difference?"), icon=":material/help:"):
    st.markdown(
        "- " + _("**Direct solidarity**: people help each other, share and work together.") + "\n"
        "- " + _("**Indirect solidarity**: what we pay for together: social services, social security, social housing.")
    )

nearby.search_form()
nearby.location_button()
nearby.filters(query)

with st.spinner(_("Searching...")):
    position = position_of(query, resources.geocoder().geocode)
nearby.NEARBY.publish(query)  # the URL says what is shown: a search can be shared or printed
nearby.position_messages(query, position)

point = position.point
results = find_nearby(catalog.initiatives, *point, query) if point else None
centre = nearest_centre(catalog.centres, *point) if point else None

report_url = nav.page_href("suggest", initiatief="")
results_col, map_col = st.columns([1, 1], gap="medium")
with results_col:
    if point is not None:
        if centre is not None:
            st.html(centre_card(centre, language, point))
        radius = format_distance(query.radius_m, language)
        st.subheader(ngettext("{n} initiative within {radius} on foot", "{n} initiatives within {radius} on foot",
                              len(results.hits)).format(n=len(results.hits), radius=radius))  # fmt: skip
        if not results.hits and not results.unknown_hours:
            st.info(_("Nothing found nearby. Choose a larger distance or fewer filters."), icon=":material/search_off:")
        elif not results.hits:
            st.info(_("Nothing nearby is open now as far as we know."), icon=":material/schedule:")
        for hit in results.hits:
            st.html(result_card(hit, language, point, report_url=report_url))
        if results.unknown_hours:
            st.subheader(_("Opening hours unknown"))
            st.caption(_("These places may be open now: their opening hours are not known. Contact them first."))
            for hit in results.unknown_hours:
                st.html(result_card(hit, language, point, report_url=report_url))

with map_col:
    lat, lon = point or (51.2165, 4.4200)
    hits = (results.hits + results.unknown_hours) if results else []
    fmap = build_nearby_map(lat, lon, query.radius_m if point else 0, hits, centre, position.label,
                            tiles=TileSettings(config.TILES_URL, config.TILES_ATTRIBUTION))  # fmt: skip
    clicked = st_folium(fmap, height=420, use_container_width=True, returned_objects=["last_clicked"], key="nb_map",
                        render=False)  # fmt: skip
    nearby.take_map_click(clicked)
    st.caption(_("Tap the map to search around another point. Walking times are estimates."))
