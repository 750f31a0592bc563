"""Widgets and page furniture shared by every page: language, direction, messages."""

from __future__ import annotations

import streamlit as st

from solidarity.i18n import LANGUAGES, _, direction, get_language, normalise_language, set_language
from solidarity.views import normalise_params

LANG_PARAM = "lang"


def init_language() -> str:
    """Set this run's language from ``?lang=`` (or the session's choice; default Dutch)."""
    raw = st.query_params.get(LANG_PARAM) or st.session_state.get("language", "")
    language = set_language(raw)
    st.session_state["language"] = language
    if st.query_params.get(LANG_PARAM) != language:
        st.query_params[LANG_PARAM] = language
    return language


def language_picker() -> None:
    """A small language select at the top of the page, easy to find on a phone."""
    codes = list(LANGUAGES)
    current = get_language()
    # The key carries the language, so a language set through the URL gets a fresh widget.
    key = f"language_picker_{current}"

    def changed() -> None:
        chosen = normalise_language(st.session_state[key])
        st.session_state["language"] = chosen
        st.query_params[LANG_PARAM] = chosen
        set_language(chosen)

    st.selectbox(
        _("Language"),
        codes,
        index=codes.index(current),
        format_func=lambda code: LANGUAGES[code][0],
        key=key,
        on_change=changed,
        label_visibility="collapsed",
        width=170,
    )


def page_style() -> None:
    """CSS of the app: right-to-left layout for Arabic, larger touch targets on phones."""
    css = """
    <style>
    /* Streamlit's "Press Enter to submit form" hint is English only; the Search button says it. */
    [data-testid="InputInstructions"] { display: none; }
    /* The initiative list (solidarity.views.table_html): a plain table that scrolls in its box. */
    .sm-table { overflow: auto; max-height: 36rem; border: 1px solid rgba(31,42,55,.2); border-radius: .5rem; }
    .sm-table:focus-visible { outline: 2px solid #1F2A37; outline-offset: 2px; }
    .sm-table table { border-collapse: collapse; width: 100%; font-size: .875rem; margin: 0; }
    .sm-table caption { caption-side: top; text-align: start; padding: .5rem .75rem; color: #4b5563; }
    .sm-table th, .sm-table td { padding: .4rem .75rem; text-align: start; vertical-align: top;
      border: 0; border-top: 1px solid rgba(31,42,55,.12); }
    .sm-table thead th { position: sticky; top: 0; background: #eef1f4; font-weight: 600; white-space: nowrap; }
    .sm-table tbody th { font-weight: 600; min-width: 9rem; }
    .sm-table a { overflow-wrap: anywhere; }
    @media (max-width: 640px) {
      .stMainBlockContainer { padding-left: .75rem; padding-right: .75rem; padding-top: 4.5rem; }
      button, [data-baseweb="select"] > div { min-height: 44px; }
    }
    @media print {
      [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stForm"],
      [data-testid="stExpander"], .stButton, .stSelectbox, [data-testid="stBaseButton-secondary"] { display: none !important; }
      .stMainBlockContainer { padding: 0 !important; max-width: 100% !important; }
      .sm-table { max-height: none; overflow: visible; border: 0; }
      [data-testid="stVerticalBlockBorderWrapper"] { break-inside: avoid; }
    }
    """
    if direction() == "rtl":
        css += """
    .stMain, [data-testid="stSidebarContent"] { direction: rtl; text-align: right; }
    .stMain iframe, [data-testid="stDataFrame"], [data-testid="stCode"] { direction: ltr; }
    """
    st.html(css + "</style>")


def sync_query_params(params: dict[str, object]) -> None:
    """Make the URL's query string equal ``params`` (only writes when it differs)."""
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if normalise_params(current) != normalise_params(params):
        st.query_params.from_dict(params)


def page_url() -> str:
    """The address of the current page without its query string (best effort)."""
    url = getattr(st.context, "url", "") or ""
    return url.split("?", 1)[0] or "http://localhost:8501/"


def all_query_params() -> dict[str, list[str]]:
    """The query string as ``{name: [values]}``: ``?a=1&a=2`` keeps both values."""
    return {key: st.query_params.get_all(key) for key in st.query_params}
