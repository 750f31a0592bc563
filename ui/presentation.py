"""Presentation mode: the projector style (no sidebar, large type, high contrast)."""

from __future__ import annotations

import streamlit as st

#: Static CSS (no data): full width without the sidebar, large type and strong contrast, tuned to
#: read from the back of a room at 1280×720 as well as 1920×1080.
PRESENTATION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] { display: none !important; }
.stMainBlockContainer { max-width: 100% !important; padding: 1.2rem 2.2rem 1rem 2.2rem !important; }
.stMain { color: #0B0F14; }
.stMain h1 { font-size: clamp(2.1rem, 3.3vw, 3.4rem) !important; line-height: 1.15; font-weight: 800; padding: .2rem 0 .6rem 0; }
.stMain [data-testid="stMarkdownContainer"] p { font-size: clamp(1.2rem, 1.65vw, 1.75rem); line-height: 1.45; }
.stMain [data-testid="stCaptionContainer"] p { font-size: clamp(.85rem, .95vw, 1.05rem); color: #1F2A37; }
.st-key-sm_slide_bar p { font-size: clamp(1rem, 1.25vw, 1.35rem) !important; }
.st-key-sm_slide_nav button { min-height: 3.4rem; min-width: 10rem; font-size: 1.3rem; }
.st-key-sm_slide_nav button p { font-size: 1.3rem !important; font-weight: 700; }
.st-key-sm_slide_bar { margin-top: .2rem; }
</style>
"""


def presentation_style() -> None:
    """The projector style of the presentation page."""
    st.html(PRESENTATION_CSS)
