"""The app's pages in one place, and the menu whose links carry each page's state.

Streamlit's own menu links to a page's bare address, so coming back to the map by the menu
would either lose the filters or make the app add them to the URL after arriving (a second
history entry, and Back would then undo the arrival instead of leaving). This menu links to
each page with the state the user left it in, plus the language: one click, one history entry,
the URL saying what the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from solidarity.i18n import N_, _, get_language
from ui import council, explore, nearby, suggest, team
from ui.common import app_params, page_url
from ui.state import CURRENT_PAGE_KEY, PREVIOUS_PAGE_KEY, PageState


@dataclass(frozen=True)
class PageSpec:
    """One page of the app."""

    key: str
    script: str
    title: str  # msgid
    icon: str
    url_path: str  # "" for the default page, at the root
    state: PageState | None = None
    #: Shown in the menu (a page reached otherwise, such as a presentation, may be left out).
    in_menu: bool = True


PAGES: tuple[PageSpec, ...] = (
    PageSpec("explore", "pages/explore.py", N_("Explore the map"), ":material/map:", "", explore.EXPLORE),
    PageSpec("nearby", "pages/nearby.py", N_("Near me"), ":material/near_me:", "in-de-buurt", nearby.NEARBY),
    PageSpec("figures", "pages/figures.py", N_("Figures"), ":material/bar_chart:", "cijfers", council.FIGURES),
    PageSpec("presentation", "pages/presentation.py", N_("Presentation"), ":material/slideshow:", "presentatie",
             council.SLIDES),
    PageSpec("suggest", "pages/suggest.py", N_("Suggest an initiative"), ":material/add_location_alt:", "meld",
             suggest.SUGGEST),
    PageSpec("about", "pages/about.py", N_("About"), ":material/info:", "over"),
    PageSpec("team", "pages/team.py", N_("For the team"), ":material/edit_note:", "beheer", team.TEAM),
)
_BY_KEY = {page.key: page for page in PAGES}
_PAGES_KEY = "nav:pages"  # this run's st.Page objects (titles in the run's language)


def url_paths() -> list[str]:
    """The URL path of every page (``/``, ``/in-de-buurt``, ...): for tests, the proxy, the server."""
    return ["/" + page.url_path for page in PAGES]


def navigation() -> st.navigation:  # type: ignore[valid-type]
    """This run's navigation (Streamlit's own menu hidden: :func:`sidebar` draws the app's)."""
    pages = {
        spec.key: st.Page(
            spec.script, title=_(spec.title), icon=spec.icon, url_path=spec.url_path or None, default=not spec.url_path
        )
        for spec in PAGES
    }
    st.session_state[_PAGES_KEY] = pages
    navigation = st.navigation(list(pages.values()), position="hidden")
    current = next((key for key, page in pages.items() if page.url_path == navigation.url_path), "")
    st.session_state[PREVIOUS_PAGE_KEY] = st.session_state.get(CURRENT_PAGE_KEY)
    st.session_state[CURRENT_PAGE_KEY] = current
    return navigation


def link_params(key: str) -> dict[str, object]:
    """The query parameters of a link to page ``key``: its stored state and the language."""
    spec = _BY_KEY[key]
    params: dict[str, object] = dict(spec.state.link_params()) if spec.state is not None else {}
    return params | app_params()


def page_href(key: str, **params: str) -> str:
    """The absolute address of page ``key`` with ``params`` and the language (for links from the map's
    frame, which must name the whole address). ``params`` with an empty last value end the query, so
    that a caller can append one value (``...&initiatief=`` + an id)."""
    current = _BY_KEY.get(str(st.session_state.get(CURRENT_PAGE_KEY) or ""))
    here = page_url()
    root = here[: len(here) - len(current.url_path)] if current and current.url_path and here.endswith(current.url_path) else here
    root = root if root.endswith("/") else root.rsplit("/", 1)[0] + "/"
    query = urlencode({"lang": get_language()} | params)
    return root + _BY_KEY[key].url_path + ("?" + query if query else "")


def page_link(key: str, label: str | None = None, icon: str | None = None, primary: bool = False) -> None:
    """A link to page ``key`` that carries its state (see the module docstring)."""
    spec = _BY_KEY[key]
    page = st.session_state[_PAGES_KEY][key]
    # A prominent link gets a container with a key (its style in static/app.css: one per page).
    container = st.container(key=f"sm-link-{key}-primary") if primary else st.container()
    container.page_link(page, label=label or _(spec.title), icon=icon or spec.icon, query_params=link_params(key))


def sidebar() -> None:
    """The shared sidebar: the app's name, the menu, what the map is."""
    with st.sidebar:
        st.caption(_("Solidarity map of Antwerp"))
        with st.container(key="sm-menu"):
            for spec in PAGES:
                if spec.in_menu:
                    page_link(spec.key)
        st.caption(_("A map of SAAMO Antwerpen's five buurtwerken and the solidarity initiatives around them."))
