"""The residents' "Meld een initiatief" page (``/meld``): its state, the form, the point, the spam checks.

The checks and the limits are in :mod:`solidarity.suggestions`; the suggestion is kept by the
store for the team's moderation queue, never shown publicly before an editor approves it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import streamlit as st

from geo.area import in_antwerp
from solidarity import suggestions as sugg
from solidarity.i18n import _
from solidarity.pagestate import Params, last_value
from solidarity.safety import md
from solidarity.store import RateLimited
from solidarity.teamviews import lookup_address
from ui import resources
from ui.common import form_map, in_language
from ui.state import PageState

SHOWN_AT = "sg:shown_at"  # when the form was first shown (the minimum time to fill in)
SESSION_MARK = "sg:token"  # a random token of the browser session (only its hash reaches the store)
POINT = "sg:point"
ERRORS = "sg:errors"
RESULT = "sg:result"
LAST_CLICK = "sg:last_click"
HONEYPOT = "sg_homepage"


@dataclass(frozen=True)
class SuggestView:
    """What ``/meld`` is about: a new initiative, or a mistake in one (``?initiatief=<id>``)."""

    initiative: str = ""

    @classmethod
    def from_query_params(cls, params: Params) -> SuggestView:
        return cls(last_value(params, "initiatief")[:64])

    def to_query_params(self) -> dict[str, str]:
        return {"initiatief": self.initiative} if self.initiative else {}


SUGGEST: PageState[SuggestView] = PageState("suggest", parse=SuggestView.from_query_params,
                                            to_params=lambda view: view.to_query_params())  # fmt: skip


def kind_of(view: SuggestView) -> tuple[str, str]:
    """``("correction", name)`` for a known initiative of the map, else ``("new", "")``."""
    catalog = resources.catalog()
    if view.initiative:
        found = catalog.initiatives.loc[catalog.initiatives["id"] == view.initiative, "name"]
        if len(found):
            return "correction", str(found.iloc[0])
    return "new", ""


@in_language
def _look_up() -> None:
    found = lookup_address(resources.geocoder().geocode, str(st.session_state.get("sg_address") or ""))
    if found.lat is None:
        st.session_state[ERRORS] = {"address": found.message}
        return
    st.session_state[POINT] = (found.lat, found.lon, found.label)
    st.session_state.pop(ERRORS, None)


@in_language
def _send(kind: str, initiative: str) -> None:
    values = {name: st.session_state.get(f"sg_{name}", "") for name, *_rest in sugg.FORM_FIELDS[kind]}
    point = st.session_state.get(POINT)
    elapsed = time.monotonic() - float(st.session_state.get(SHOWN_AT, time.monotonic()))
    verdict = sugg.check(kind, values, str(st.session_state.get(HONEYPOT) or ""), elapsed,
                         point[:2] if point else None)  # fmt: skip
    if not verdict.ok:
        st.session_state[ERRORS] = verdict.errors
        st.session_state[RESULT] = ("refused", verdict.refusal) if verdict.refusal else None
        if verdict.refusal:
            st.session_state[SHOWN_AT] = time.monotonic()
        return
    config = resources.settings()
    store, _report = resources.store(config.DATABASE_URL, config.SEED_DIR)
    token = st.session_state.setdefault(SESSION_MARK, secrets.token_hex(16))
    row = values | {"kind": kind, "initiative_id": initiative}
    if point:
        row |= {"lat": float(point[0]), "lon": float(point[1])}
    try:
        store.add_suggestion(row, source_key=sugg.source_key(token), per_source=sugg.PER_SESSION, per_hour=sugg.PER_HOUR)
    except RateLimited as limited:
        st.session_state[RESULT] = ("refused", sugg.refusal_for(limited.scope))
        return
    st.session_state[RESULT] = ("sent", "")
    st.session_state.pop(ERRORS, None)
    st.session_state.pop(POINT, None)
    for name, *_rest in sugg.FORM_FIELDS[kind]:
        st.session_state[f"sg_{name}"] = ""
    st.session_state[SHOWN_AT] = time.monotonic()


def form(kind: str, initiative: str) -> None:
    """The form: its fields with their messages, the hidden field, the point, send."""
    st.session_state.setdefault(SHOWN_AT, time.monotonic())
    errors: dict[str, str] = st.session_state.get(ERRORS) or {}
    for name, label, long, _required in sugg.FORM_FIELDS[kind]:
        key = f"sg_{name}"
        # No max_chars: the browser would cut a pasted text without a word; the check says the limit.
        if long:
            st.text_area(_(label), key=key, height=120)
        else:
            st.text_input(_(label), key=key)
        if name == "address" and kind == "new":
            st.button(_("Look up the address"), icon=":material/search:", on_click=_look_up, key="sg_lookup")
            point_map()
        if name in errors:
            st.caption(":red[" + md(errors[name]) + "]")
    with st.container(key="sm-hp"):  # hidden by static/app.css; people never see it, programs fill it
        st.text_input(_("Leave this field empty"), key=HONEYPOT, autocomplete="off")
    st.button(_("Send"), icon=":material/send:", type="primary", on_click=_send, args=(kind, initiative), key="sg_send")


def point_map() -> None:
    """A small map: the point found or tapped; a tap puts the point there."""
    from streamlit_folium import st_folium  # deferred: a component must be declared inside the running server

    point = st.session_state.get(POINT)
    fmap = form_map(tuple(point[:2]) if point else None)
    clicked = st_folium(fmap, height=240, use_container_width=True, returned_objects=["last_clicked"], key="sg_map",
                        render=False)  # fmt: skip
    if point:
        st.caption(_("The point: {place}").format(place=md(point[2] or f"{point[0]:.5f}, {point[1]:.5f}")))
    else:
        st.caption(_("Or tap the map where it is."))
    last = (clicked or {}).get("last_clicked")
    if last and last != st.session_state.get(LAST_CLICK):
        st.session_state[LAST_CLICK] = last
        try:
            lat, lon = float(last["lat"]), float(last["lng"])
        except (KeyError, TypeError, ValueError):
            return
        if in_antwerp(lat, lon):
            st.session_state[POINT] = (lat, lon, "")
            st.rerun()


def result() -> None:
    """What happened to the last message sent."""
    found = st.session_state.pop(RESULT, None)
    if not found:
        return
    kind, text = found
    if kind == "sent":
        st.success(_("Thank you! The team will look at it. Nothing is published before a team member has checked it."),
                   icon=":material/check_circle:")  # fmt: skip
    else:
        st.warning(text, icon=":material/hourglass:")
