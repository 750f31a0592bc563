"""Near me: residents find solidarity initiatives close to an address, on a phone, in their language."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from streamlit_folium import st_folium
from streamlit_js_eval import get_geolocation

from geo.area import in_antwerp
from geo.geocode import REASON_EMPTY
from solidarity import hours
from solidarity.i18n import LANGUAGES, _, get_language, isolate, ngettext
from solidarity.mapbuilder import TileSettings, build_nearby_map
from solidarity.model import CATEGORIES, SOLIDARITY_LABELS, WHEELCHAIR_LABELS
from solidarity.nearby import (
    RADII,
    REASON_TEXTS,
    NearbyQuery,
    contact_links,
    find_nearby,
    format_distance,
    languages_of,
    localized,
    nearest_centre,
    result_text,
    route_url,
    settle,
)
from solidarity.safety import md
from solidarity.views import category_label
from ui import resources
from ui.common import LANG_PARAM, all_query_params, init_language, sync_query_params

init_language()  # idempotent: app.py sets it too; keeps the page right when run on its own
config = resources.settings()
catalog = resources.catalog()
language = get_language()

SOURCE_LABELS = {
    "address": _("address"),
    "street": _("street"),
    "postcode": _("postcode"),
    "wijk": _("neighbourhood"),
    "centre": _("buurtwerk"),
    "initiative": _("initiative"),
    "coordinates": _("coordinates"),
    "location": _("your location"),
    "click": _("a point you chose on the map"),
}

if "nb_query" not in st.session_state:
    initial = NearbyQuery.from_query_params(all_query_params())
    st.session_state["nb_query"] = initial
    st.session_state["nb_text"] = initial.text
    st.session_state["nb_radius"] = initial.radius_m
    st.session_state["nb_types"] = list(initial.types)
    st.session_state["nb_categories"] = list(initial.categories)
    st.session_state["nb_open"] = initial.open_now
    st.session_state["nb_origin"] = "coordinates" if initial.has_point else ""
query: NearbyQuery = st.session_state["nb_query"]


def update(**changes: object) -> None:
    """Replace the current query by one with ``changes``."""
    st.session_state["nb_query"] = replace(st.session_state["nb_query"], **changes)


def submit_text() -> None:
    """A new text search: forget any chosen point or place."""
    update(text=st.session_state["nb_text"].strip()[:200], lat=None, lon=None, place="")
    st.session_state["nb_origin"] = ""
    st.session_state["nb_submitted"] = True


st.title(_("What is near me?"))
st.markdown(
    _("Find help or a place to help: food, housing, work, digital help, meeting people, social rights.")
)
with st.expander(_("Direct and indirect solidarity: what is the difference?"), icon=":material/help:"):
    st.markdown(
        "- " + _("**Direct solidarity**: people help each other, share and work together.") + "\n"
        "- " + _("**Indirect solidarity**: what we pay for together: social services, social security, social housing.")
    )

with st.form("nb_form", border=False, enter_to_submit=True):
    st.text_input(
        _("Address, street, postcode or neighbourhood"),
        key="nb_text",
        max_chars=200,
        placeholder=_("For example: Turnhoutsebaan, 2060 or Kiel"),
    )
    st.form_submit_button(_("Search"), icon=":material/search:", type="primary", on_click=submit_text, width="stretch")

if st.button(_("Use my location"), icon=":material/my_location:", width="stretch"):
    st.session_state["nb_locating"] = True
if st.session_state.get("nb_locating"):
    position = get_geolocation(component_key="nb_geolocation")
    if position is not None:
        st.session_state["nb_locating"] = False
        coords = position.get("coords") if isinstance(position, dict) else None
        if coords and coords.get("latitude") is not None:
            lat, lon = float(coords["latitude"]), float(coords["longitude"])
            if in_antwerp(lat, lon):
                update(lat=lat, lon=lon, text="", place="")
                st.session_state["nb_origin"] = "location"
            else:
                st.warning(_("Your location is outside Antwerp. Type an address in Antwerp instead."))
        else:
            st.warning(_("Your location is not available. Type an address instead."))

with st.expander(_("Distance and filters"), icon=":material/tune:", expanded=bool(query.types or query.categories or query.open_now)):
    st.segmented_control(
        _("Within"), RADII, key="nb_radius", format_func=lambda r: format_distance(r, language), width="stretch",
        on_change=lambda: update(radius_m=int(st.session_state["nb_radius"] or query.radius_m)),
    )
    st.pills(
        _("Solidarity"), ["direct", "indirect"], selection_mode="multi", key="nb_types", wrap=True,
        format_func=lambda t: _(SOLIDARITY_LABELS[t]),
        on_change=lambda: update(types=tuple(st.session_state["nb_types"])),
    )
    st.pills(
        _("Category"), list(CATEGORIES), selection_mode="multi", key="nb_categories", wrap=True,
        format_func=category_label, on_change=lambda: update(categories=tuple(st.session_state["nb_categories"])),
    )
    st.toggle(_("Open now"), key="nb_open", on_change=lambda: update(open_now=bool(st.session_state["nb_open"])))

query = st.session_state["nb_query"]

# -- where: a point, or a text to geocode ----------------------------------------------------
point: tuple[float, float] | None = None
origin = st.session_state.get("nb_origin", "")
place_label = ""
if query.has_point:
    point = (query.lat, query.lon)
    place_label = _("Your place")
    origin = origin or "coordinates"
elif query.text:
    with st.spinner(_("Searching...")):
        result = resources.geocoder().geocode(query.text)
    found, result = settle(result, query.place)
    if found is not None:
        point, place_label, origin = (found.lat, found.lon), found.label, found.kind
        if result.status == "choose":
            st.caption(result_text(result))
    elif result.status == "choose":
        st.info(result_text(result) or _("Several places match. Which one do you mean?"), icon=":material/list:")
        for n, option in enumerate(result.places):
            st.button(md(option.label), key=f"nb_choice_{n}", on_click=update, kwargs={"place": option.label},
                      width="stretch")
    else:
        icon = ":material/location_off:" if result.status == "outside" else ":material/search_off:"
        st.warning(result_text(result) or _("No place found."), icon=icon)
        if result.suggestions:
            st.markdown(_("Did you mean:"))
            for n, suggestion in enumerate(result.suggestions):
                st.button(md(suggestion), key=f"nb_suggestion_{n}", width="stretch",
                          on_click=lambda s=suggestion: (st.session_state.update(nb_text=s), update(text=s, place="")))
    if result.online_error:
        st.caption(_("The online address search is not available right now; the offline list of streets was used."))

# Keep the URL in step: a search can be shared or printed.
sync_query_params(query.to_query_params() | {LANG_PARAM: language})

if point is None:
    if not query.text and st.session_state.pop("nb_submitted", False):
        st.warning(_(REASON_TEXTS[REASON_EMPTY]), icon=":material/edit:")
    elif not query.text:
        st.caption(_("Type where you are, use your location, or tap the map."))
    lat, lon = 51.2165, 4.4200
else:
    lat, lon = point
    st.success(
        _("Position from {source}: {place}").format(source=SOURCE_LABELS.get(origin, origin), place=md(place_label)),
        icon=":material/location_on:",
    )

hits = find_nearby(catalog.initiatives, lat, lon, query) if point else []
centre = nearest_centre(catalog.centres, lat, lon) if point else None

results_col, map_col = st.columns([1, 1], gap="medium")
with results_col:
    if centre is not None:
        with st.container(border=True):
            st.markdown(
                ":material/home: **" + _("Nearest buurtwerk") + f": {md(centre.name)}**  \n"
                + f"{isolate(format_distance(centre.walking_m, language))} · "
                + ngettext("{n} minute walk", "{n} minutes walk", centre.minutes).format(n=centre.minutes)
                + (f"  \n{md(centre.row.get('address'))}" if centre.row.get("address") else "")
                + ("  \n_" + _("Approximate location") + "_" if centre.row.get("location_precision") == "approximate" else "")
            )
            st.link_button(_("Route on foot"), route_url(lat, lon, centre.lat, centre.lon), icon=":material/directions_walk:")
    if point is not None:
        st.subheader(ngettext("{n} initiative within {radius}", "{n} initiatives within {radius}", len(hits)).format(
            n=len(hits), radius=format_distance(query.radius_m, language)))
        if not hits:
            st.info(_("Nothing found nearby. Choose a larger distance or fewer filters."), icon=":material/search_off:")
    for hit in hits:
        row = hit.row
        with st.container(border=True):
            open_state = hours.is_open_now(row.get("opening_hours"))
            lines = [
                f"**{hit.rank}. {md(hit.name)}**",
                f"{_(SOLIDARITY_LABELS.get(row['solidarity_type'], 'direct'))} · {md(category_label(row['category']))}",
                f"{isolate(format_distance(hit.walking_m, language))} · "
                + ngettext("{n} minute walk", "{n} minutes walk", hit.minutes).format(n=hit.minutes),
            ]
            description = localized(row, "description", language)
            if description:
                lines.append(md(description))
            if row.get("opening_hours"):
                lines.append(f"{md(hours.status_line(row['opening_hours']))}: {md(hours.describe(row['opening_hours'], language))}")
            else:
                lines.append(_("Opening hours unknown"))
            spoken = [LANGUAGES[c][0] if c in LANGUAGES else c for c in languages_of(row)]
            if spoken:
                lines.append(_("Languages: {languages}").format(languages=md(", ".join(spoken))))
            lines.append(_(WHEELCHAIR_LABELS.get(row.get("wheelchair", "unknown"), WHEELCHAIR_LABELS["unknown"])))
            if row.get("location_precision") == "approximate":
                lines.append("_" + _("Approximate location") + "_")
            links = contact_links(row)
            if "phone" in links:
                lines.append(_("Phone: {phone}").format(phone=md(links["phone"])))
            if "email" in links:
                lines.append(_("E-mail: {email}").format(email=md(links["email"])))
            if open_state is True:
                lines[0] += " · :green[" + _("open now") + "]"
            st.markdown("  \n".join(lines))
            buttons = st.container(horizontal=True)
            buttons.link_button(_("Route on foot"), route_url(lat, lon, hit.lat, hit.lon), icon=":material/directions_walk:")
            if "website" in links:
                buttons.link_button(_("Website"), links["website"], icon=":material/open_in_new:")

with map_col:
    fmap = build_nearby_map(
        lat, lon, query.radius_m if point else 0, hits, centre, place_label,
        tiles=TileSettings(config.TILES_URL, config.TILES_ATTRIBUTION),
    )
    clicked = st_folium(
        fmap, height=420, use_container_width=True, returned_objects=["last_clicked"], key="nb_map", render=False
    )
    last = (clicked or {}).get("last_clicked")
    if last and last != st.session_state.get("nb_last_click"):
        st.session_state["nb_last_click"] = last
        if in_antwerp(float(last["lat"]), float(last["lng"])):
            update(lat=float(last["lat"]), lon=float(last["lng"]), text="", place="")
            st.session_state["nb_origin"] = "click"
            st.rerun()
    st.caption(_("Tap the map to search around another point. Walking times are estimates."))
