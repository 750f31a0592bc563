"""Meld een initiatief (``/meld``): residents suggest an initiative or report a mistake; the team checks it first."""

from __future__ import annotations

import streamlit as st

from solidarity.i18n import _
from solidarity.safety import md
from ui import suggest

view = suggest.SUGGEST.load()
kind, name = suggest.kind_of(view)
suggest.SUGGEST.publish(view if kind == "correction" else suggest.SuggestView())

if kind == "correction":
    st.title(_("Report a mistake"))
    st.markdown(_("About **{name}**: tell us what is wrong on the map, and what is right.").format(name=md(name)))
else:
    st.title(_("Suggest an initiative"))
    st.markdown(_("Do you know a place where people help each other, or a service that is missing on the map? Tell us."))
st.caption(_("The team checks every message before anything is published. Your own contact is never shown."))
suggest.result()
suggest.form(kind, view.initiative if kind == "correction" else "")
