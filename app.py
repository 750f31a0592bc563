"""Solidariteitskaart Antwerpen: page config, language, navigation and the shared sidebar."""

from __future__ import annotations

import streamlit as st

from solidarity.assets import use_local_assets
from solidarity.i18n import _
from ui import common

st.set_page_config(
    page_title="Solidariteitskaart Antwerpen",
    page_icon="static/icon.svg",
    layout="wide",
    initial_sidebar_state="auto",
)
language = common.init_language()
use_local_assets()
common.page_style()

pages = [
    st.Page("pages/explore.py", title=_("Explore the map"), icon=":material/map:", default=True),
    st.Page("pages/nearby.py", title=_("Near me"), icon=":material/near_me:", url_path="in-de-buurt"),
    st.Page("pages/figures.py", title=_("Figures"), icon=":material/bar_chart:", url_path="cijfers"),
    st.Page("pages/presentation.py", title=_("Presentation"), icon=":material/slideshow:", url_path="presentatie"),
    st.Page("pages/about.py", title=_("About"), icon=":material/info:", url_path="over"),
]
navigation = st.navigation(pages, position="sidebar")

with st.sidebar:
    st.caption(_("Solidarity map of Antwerp"))
    st.caption(_("A map of SAAMO Antwerpen's five buurtwerken and the solidarity initiatives around them."))

top = st.container(horizontal=True, horizontal_alignment="right")
with top:
    common.language_picker()

navigation.run()
