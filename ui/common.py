"""Widgets and page furniture shared by every page: language, links, errors, the URL."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from solidarity.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    _,
    get_language,
    language_label,
    normalise_language,
    set_language,
)
from solidarity.mapbuilder import TileSettings, build_point_map
from solidarity.safety import esc
from ui import resources

log = logging.getLogger(__name__)

LANG_PARAM = "lang"
LANGUAGE_KEY = "language"  # the session's language (no widget owns it)
PICKER_KEY = "language_picker"


def init_language() -> str:
    """Set this run's language: ``?lang=`` of the URL, else the session's choice, else Dutch."""
    raw = st.query_params.get(LANG_PARAM) or st.session_state.get(LANGUAGE_KEY, "")
    language = set_language(raw)
    st.session_state[LANGUAGE_KEY] = language
    return language


def in_language(callback: Callable[..., None]) -> Callable[..., None]:
    """A widget callback that speaks the session's language: callbacks run before the script, so
    before :func:`init_language` has set this run's language."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> None:
        set_language(st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE))
        callback(*args, **kwargs)

    return run


def app_params() -> dict[str, str]:
    """The app-wide part of every URL: the language, unless it is the default and the URL has none
    (a first visit to ``/`` then writes nothing and adds no history entry)."""
    language = get_language()
    if language == DEFAULT_LANGUAGE and LANG_PARAM not in st.query_params:
        return {}
    return {LANG_PARAM: language}


def language_picker() -> None:
    """The language select at the top of every page, easy to find on a phone.

    Each language shows its own name with its Dutch and English names, so typing "Arabic",
    "Arabisch" or "العربية" finds it. The key is stable, so after a change the keyboard focus
    stays on the picker.
    """
    codes = list(LANGUAGES)
    current = get_language()
    if st.session_state.get(PICKER_KEY) != current:
        st.session_state[PICKER_KEY] = current  # a language set through the URL (link, Back)

    def changed() -> None:
        chosen = normalise_language(st.session_state[PICKER_KEY])
        st.session_state[LANGUAGE_KEY] = chosen
        st.query_params[LANG_PARAM] = chosen
        set_language(chosen)

    st.selectbox(
        _("Language"),
        codes,
        format_func=language_label,
        key=PICKER_KEY,
        on_change=changed,
        label_visibility="collapsed",
        width=260,
    )


def skip_link(target: str, label: str) -> None:
    """A "skip" link for keyboard users, visible when it has the focus (e.g. past the map's controls)."""
    st.html(f'<a class="sm-skip" href="#{esc(target)}">{esc(label)}</a>')


def run_page(navigation: Any) -> None:
    """Run the chosen page. An error shows one sentence in the user's language; the server log
    keeps the details (``client.showErrorDetails`` is off: never a traceback or a file path)."""
    try:
        navigation.run()
    except Exception:  # st.rerun and st.stop are not Exceptions: they pass
        log.exception("page %s failed", getattr(navigation, "url_path", "?"))
        st.error(
            _("Something went wrong on this page. Please try again, or go back to the map. "
              "The team has been told."),
            icon=":material/error:",
        )  # fmt: skip


def page_url() -> str:
    """The address of the current page without its query string (best effort)."""
    url = getattr(st.context, "url", "") or ""
    return url.split("?", 1)[0] or "http://localhost:8501/"


def all_query_params() -> dict[str, list[str]]:
    """The query string as ``{name: [values]}``: ``?a=1&a=2`` keeps both values."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


RUN_KEY = "run:count"


def run_marker() -> None:
    """A hidden mark at the end of every page with the number of the session's run: tests (and
    anyone scripting the app) can wait until a run they caused has finished drawing."""
    count = int(st.session_state.get(RUN_KEY, 0)) + 1
    st.session_state[RUN_KEY] = count
    st.html(f'<span class="sm-run" data-run="{count}" hidden></span>')


def form_map(point: tuple[float, float] | None) -> Any:
    """The forms' small map (``/beheer``, ``/meld``) with the settings' tiles and the wijken's outlines."""
    config = resources.settings()
    return build_point_map(point, TileSettings(config.TILES_URL, config.TILES_ATTRIBUTION), resources.wijk_outlines())
