"""The residents' page: its state (the query) <-> widgets, the browser's location, a map click, messages."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from geo.area import in_antwerp
from geo.geocode import REASON_EMPTY, REASON_STREET_ONLY
from solidarity.i18n import _, get_language
from solidarity.model import CATEGORIES, SOLIDARITY_LABELS
from solidarity.nearby import (
    RADII,
    REASON_TEXTS,
    NearbyQuery,
    Position,
    format_distance,
    result_text,
    search_placeholder,
)
from solidarity.safety import md
from solidarity.views import category_label
from ui.state import Binding, PageState

NEARBY: PageState[NearbyQuery] = PageState(
    "nearby",
    parse=NearbyQuery.from_query_params,
    to_params=lambda query: query.to_query_params(),
    bindings=(
        Binding("nb_text", read=lambda q: q.text, write=lambda q, value: q.searching(str(value or ""))),
        Binding(
            "nb_radius", read=lambda q: q.radius_m,
            write=lambda q, value: replace(q, radius_m=int(value) if value in RADII else q.radius_m),
        ),  # fmt: skip
        Binding("nb_types", read=lambda q: list(q.types), write=lambda q, value: replace(q, types=tuple(value or ()))),
        Binding(
            "nb_categories", read=lambda q: list(q.categories),
            write=lambda q, value: replace(q, categories=tuple(value or ())),
        ),  # fmt: skip
        Binding("nb_open", read=lambda q: q.open_now, write=lambda q, value: replace(q, open_now=bool(value))),
    ),
)

_SUBMITTED = "nb:submitted"  # a search was submitted in the last run (for "type something" on an empty one)
_LOCATING = "nb:locating"  # waiting for the browser's location
_LAST_CLICK = "nb:last_click"  # the map point already taken (st_folium repeats it on every rerun)


def _on(key: str) -> dict:
    return {"key": key, "on_change": NEARBY.changed, "args": (key,)}


def submit_search() -> None:
    """The search form's submit: the typed text becomes the query (no point, no earlier choice)."""
    NEARBY.changed("nb_text")
    st.session_state[_SUBMITTED] = True


def search_form() -> None:
    """The search box and its button (Enter submits)."""
    with st.form("nb_form", border=False, enter_to_submit=True):
        st.text_input(
            _("Address, street, postcode or neighbourhood"), key="nb_text", max_chars=200,
            placeholder=search_placeholder(),
        )  # fmt: skip
        st.form_submit_button(
            _("Search"), icon=":material/search:", type="primary", on_click=submit_search, width="stretch"
        )


def location_button() -> None:
    """ "Use my location": asks the browser once; the position (rounded to about 100 m) becomes the query."""
    if st.button(_("Use my location"), icon=":material/my_location:", width="stretch"):
        st.session_state[_LOCATING] = True
    if not st.session_state.get(_LOCATING):
        return
    # deferred: a component must be declared inside the running server, not when app.py is imported by it
    from streamlit_js_eval import get_geolocation  # deferred: see above

    position = get_geolocation(component_key="nb_geolocation")
    if position is None:
        return  # the browser has not answered yet
    st.session_state[_LOCATING] = False
    coords = position.get("coords") if isinstance(position, dict) else None
    try:
        lat, lon = float(coords["latitude"]), float(coords["longitude"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        st.warning(_("Your location is not available. Type an address instead."), icon=":material/location_off:")
        return
    if not in_antwerp(lat, lon):
        st.warning(_("Your location is outside Antwerp. Type an address in Antwerp instead."), icon=":material/location_off:")
        return
    NEARBY.set(NEARBY.get().at_point(lat, lon, "location"))
    st.rerun()


def filters(query: NearbyQuery) -> None:
    """Distance, solidarity type, category, open now."""
    language = get_language()
    with st.expander(
        _("Distance and filters"), icon=":material/tune:", expanded=bool(query.types or query.categories or query.open_now)
    ):
        st.segmented_control(
            _("Within (on foot)"), RADII, format_func=lambda r: format_distance(r, language), width="stretch",
            **_on("nb_radius"),
        )  # fmt: skip
        st.pills(
            _("Solidarity"), ["direct", "indirect"], selection_mode="multi", wrap=True,
            format_func=lambda t: _(SOLIDARITY_LABELS[t]), **_on("nb_types"),
        )  # fmt: skip
        st.pills(
            _("Category"), list(CATEGORIES), selection_mode="multi", wrap=True, format_func=category_label,
            **_on("nb_categories"),
        )  # fmt: skip
        st.toggle(_("Open now"), **_on("nb_open"))


def choose(label: str) -> None:
    """One of several matching places was chosen."""
    NEARBY.set(replace(NEARBY.get(), place=label))


def try_suggestion(text: str) -> None:
    """A "did you mean" suggestion was chosen: search it."""
    NEARBY.set(NEARBY.get().searching(text))


def position_messages(query: NearbyQuery, position: Position) -> None:
    """What the search found or why it found nothing: choices, suggestions, notes, the position."""
    result = position.result
    if query.bad_point:
        st.warning(
            _("The position in this link cannot be used (it is not a point in Antwerp). Type an address instead."),
            icon=":material/location_off:",
        )
    if position.point is None and result is not None:
        if result.status == "choose":
            st.info(result_text(result) or _("Several places match. Which one do you mean?"), icon=":material/list:")
            for n, option in enumerate(result.places):
                st.button(md(option.label), key=f"nb_choice_{n}", on_click=choose, args=(option.label,), width="stretch")
        else:
            icon = ":material/location_off:" if result.status == "outside" else ":material/search_off:"
            st.warning(result_text(result) or _("No place found."), icon=icon)
            if result.suggestions:
                st.markdown(_("Did you mean:"))
                for n, suggestion in enumerate(result.suggestions):
                    st.button(md(suggestion), key=f"nb_suggestion_{n}", width="stretch", on_click=try_suggestion,
                              args=(suggestion,))  # fmt: skip
    elif position.point is None:
        if st.session_state.pop(_SUBMITTED, False):
            st.warning(_(REASON_TEXTS[REASON_EMPTY]), icon=":material/edit:")
        else:
            st.caption(_("Type where you are, use your location, or tap the map."))
    else:
        st.session_state.pop(_SUBMITTED, None)
        label = position.label or _("Your place")
        st.success(
            _("Position from {source}: {place}").format(source=position.source_label(), place=md(label)),
            icon=":material/location_on:",
        )
        if result is not None and result.reason and (note := result_text(result)):
            st.caption(note)  # e.g. the house number could not be looked up
        if position.ignored_number:
            st.caption(_(REASON_TEXTS[REASON_STREET_ONLY]))
    if result is not None and result.online_error:
        st.caption(_("The online address search is not available right now; the offline list of streets was used."))


def take_map_click(clicked: dict | None) -> None:
    """A tap on the residents' map: a new point to search around (inside Antwerp only)."""
    last = (clicked or {}).get("last_clicked")
    if not last or last == st.session_state.get(_LAST_CLICK):
        return
    st.session_state[_LAST_CLICK] = last
    try:
        lat, lon = float(last["lat"]), float(last["lng"])
    except (KeyError, TypeError, ValueError):
        return
    if in_antwerp(lat, lon):
        NEARBY.set(NEARBY.get().at_point(lat, lon, "click"))
        st.rerun()
