"""Explore: the five buurtwerken and the solidarity initiatives on one map, with filters."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from solidarity.filters import FilterState, apply_filters
from solidarity.i18n import _, format_number, get_language, ngettext
from solidarity.mapbuilder import TileSettings, build_map
from solidarity.model import CATEGORIES, SOLIDARITY_LABELS
from solidarity.safety import md
from solidarity.views import list_page, page_of, share_url, table_html, type_counts
from ui import resources
from ui.common import LANG_PARAM, all_query_params, init_language, page_url, sync_query_params

init_language()  # idempotent: app.py sets it too; keeps the page right when run on its own
config = resources.settings()
catalog = resources.catalog()
vocab = catalog.vocabulary

# The URL is the source of truth on the first run of a session; widgets take over after.
if "explore_state" not in st.session_state:
    st.session_state["explore_state"] = FilterState.from_query_params(all_query_params(), vocab)
    initial: FilterState = st.session_state["explore_state"]
    st.session_state["f_types"] = list(initial.types)
    st.session_state["f_centres"] = list(initial.centres)
    st.session_state["f_projects"] = list(initial.projects)
    st.session_state["f_categories"] = list(initial.categories)
    st.session_state["f_text"] = initial.text
    st.session_state["f_selected"] = initial.selected

st.title(_("Solidarity map of Antwerp"))
st.markdown(
    _("**Direct solidarity**: people help each other, share and work together.")
    + "  \n"
    + _("**Indirect solidarity**: what we pay for together: social services, social security, social housing.")
)

if not catalog.has_areas:
    st.info(
        _("The neighbourhood areas are not shown: no neighbourhood boundaries were found. "
          "Run `make geodata` once while online, or set GEODATA_DIR to a folder with the wijken file."),
        icon=":material/info:",
    )
if catalog.load_errors:
    with st.expander(
        ngettext("{n} row could not be loaded", "{n} rows could not be loaded", len(catalog.load_errors)).format(
            n=len(catalog.load_errors)
        ),
        icon=":material/warning:",
    ):
        st.dataframe(
            [{_("File"): e.source, _("Line"): e.line, _("Field"): e.field, _("Problem"): e.message, _("Value"): e.value}
             for e in catalog.load_errors],
            hide_index=True,
        )



def clear_filters() -> None:
    """Back to the whole map."""
    st.session_state.update(f_types=[], f_centres=[], f_projects=[], f_categories=[], f_text="", f_selected="")


centre_labels = {
    row.id: f"{row.wijk} ({row.name.removeprefix('Buurtwerk ')})" for row in catalog.centres.itertuples()
}
project_names = catalog.project_names()

filters_col, map_col = st.columns([1.2, 3], gap="medium")
# The filters' values are in the session state before their widgets are drawn (set from the
# URL on the first run, by the widgets after), so the map goes out first: its frame and
# scripts load while the browser draws the filters and the list.
state = FilterState(
    types=tuple(st.session_state["f_types"] or ()),
    centres=tuple(st.session_state["f_centres"] or ()),
    projects=tuple(st.session_state["f_projects"] or ()),
    categories=tuple(st.session_state["f_categories"] or ()),
    text=st.session_state["f_text"] or "",
    selected=st.session_state.get("f_selected", ""),
)
state = FilterState.from_query_params(state.to_query_params(), vocab)  # drop unknown values
shown = apply_filters(catalog.initiatives, state)
shown_ids = shown["id"].tolist()  # tolist(): iterating an Arrow-backed column is slow
if state.selected and state.selected not in shown_ids:
    state = state.with_selected("")

# Keep the URL in step with the filters so every view can be shared as a link.
params = state.to_query_params() | {LANG_PARAM: get_language()}
sync_query_params(params)

with map_col:
    fmap = build_map(
        shown,
        catalog.centres,
        catalog.projects,
        areas=catalog.areas,
        selected=state.selected,
        tiles=TileSettings(config.TILES_URL, config.TILES_ATTRIBUTION),
        fit=True,
    )
    # render=False: st_folium renders what it needs itself; a full render first would double the work.
    st_folium(fmap, height=560, use_container_width=True, returned_objects=[], key="explore_map", render=False)

with filters_col:
    st.header(_("Filters"), divider=False)
    st.pills(
        _("Solidarity"),
        ["direct", "indirect"],
        selection_mode="multi",
        wrap=True,
        format_func=lambda t: _(SOLIDARITY_LABELS[t]),
        key="f_types",
        help=_("Initiatives that are both direct and indirect match either choice."),
    )
    st.pills(
        _("Buurtwerk / neighbourhood"),
        list(vocab.centres),
        selection_mode="multi",
        wrap=True,
        format_func=lambda c: md(centre_labels.get(c, c)),  # pill labels are markdown
        key="f_centres",
    )
    st.pills(
        _("Project"),
        list(vocab.projects),
        selection_mode="multi",
        wrap=True,
        format_func=lambda p: md(project_names.get(p, p)),
        key="f_projects",
    )
    st.multiselect(
        _("Category"),
        list(vocab.categories),
        format_func=lambda c: _(CATEGORIES[c][0]) if c in CATEGORIES else c,
        key="f_categories",
        placeholder=_("All categories"),
    )
    st.text_input(_("Search"), key="f_text", max_chars=100, placeholder=_("Name, street, ..."))
    total = len(catalog.initiatives)
    st.markdown(
        "**" + _("{shown} of {total} initiatives shown").format(
            shown=format_number(len(shown)), total=format_number(total)
        ) + "**"
    )
    counts = type_counts(shown)
    st.caption(" · ".join(f"{_(SOLIDARITY_LABELS[t])}: {format_number(n)}" for t, n in counts.items()))
    if not state.is_empty():
        st.button(_("Clear filters"), icon=":material/filter_alt_off:", on_click=clear_filters)

with map_col:
    st.header(_("List of the initiatives shown"))
    if len(shown) == 0:
        st.info(_("No initiative matches these filters."), icon=":material/search_off:")
    else:
        # One page of the list at a time. Back to the first page when the filters change, or to
        # the page of the initiative the link chose.
        list_for = state.with_selected("")
        if st.session_state.get("f_list_for") != list_for:
            st.session_state["f_list_for"] = list_for
            st.session_state["f_page"] = page_of(shown_ids.index(state.selected)) if state.selected else 1
        page = list_page(len(shown), st.session_state.get("f_page", 1))
        rows = shown.iloc[page.start : page.stop]
        table = catalog.list_rows(rows)
        ids = shown_ids[page.start : page.stop]
        names = dict(zip(ids, rows["name"].tolist(), strict=True))

        def choose() -> None:
            st.session_state["f_selected"] = st.session_state["f_pick"] or ""

        st.session_state["f_pick"] = state.selected if state.selected in names else ""  # on another page
        st.selectbox(
            _("Show on the map"),
            [""] + ids,
            format_func=lambda i: names.get(i, "") if i else _("Choose an initiative"),
            key="f_pick",
            on_change=choose,
        )
        caption = _("Initiatives {first}–{last} of {total}").format(
            first=format_number(page.start + 1), last=format_number(page.stop), total=format_number(page.total)
        )
        st.html(table_html(table, caption, link_columns={_("Website")}))
        if page.pages > 1:
            st.number_input(
                _("Page ({pages} pages)").format(pages=format_number(page.pages)),
                min_value=1,
                max_value=page.pages,
                step=1,
                key="f_page",
            )

    with st.expander(_("Share this view"), icon=":material/link:"):
        st.caption(_("Copy this link: it opens the map with the same filters."))
        st.text(share_url(page_url(), params))
