"""Solidariteitskaart Antwerpen: the entry point.

Run as the Streamlit script of every session, it sets the page config, the language, the
navigation and the shared sidebar, then runs the chosen page. Imported by the server
(``streamlit run app.py`` finds ``app`` below and serves it; any ASGI server can run
``app:app``), it is the web application with the start-up and page-shell handling of
:mod:`ui.server`.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from solidarity.assets import use_local_assets
from ui import common, nav, server


def main() -> None:
    """One script run: page config, language, navigation, sidebar, the page."""
    st.set_page_config(
        page_title="Solidariteitskaart Antwerpen",
        page_icon="static/icon.svg",
        layout="wide",
        initial_sidebar_state="auto",
    )
    common.init_language()
    use_local_assets()
    navigation = nav.navigation()
    with st.container(horizontal=True, horizontal_alignment="right"):
        common.language_picker()
    common.run_page(navigation)
    nav.sidebar()  # after the page: its links carry the state the page has just shown
    common.run_marker()


if __name__ == "__main__":
    main()
else:
    app = st.App(__file__, lifespan=server.lifespan, middleware=[Middleware(server.PageShell)])
