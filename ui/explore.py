"""The explore page's state and widgets: filters <-> widgets, the list's sort, page and the chosen initiative."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from solidarity.explore import SORTS, ExploreModel, ExploreView
from solidarity.filters import FilterState
from solidarity.i18n import _
from solidarity.model import CATEGORIES, SOLIDARITY_LABELS, RowError
from solidarity.pagestate import Params
from solidarity.safety import md
from solidarity.views import table_html
from ui import resources
from ui.state import Binding, PageState


def _parse(params: Params) -> ExploreView:
    return ExploreView.from_query_params(params, resources.catalog().vocabulary)


def _filter(name: str) -> Binding[ExploreView]:
    """A filter widget whose value is a tuple field of :class:`FilterState`."""
    return Binding(
        f"f_{name}",
        read=lambda view: list(getattr(view.filters, name)),
        write=lambda view, value: view.with_filters(replace(view.filters, **{name: tuple(value or ())})),
    )


def _with_filters(view: ExploreView, filters: FilterState) -> ExploreView:
    """The shared filters on the map (the chosen initiative and the list's page stay if they are the same)."""
    if filters.with_selected("") == view.filters.with_selected(""):
        return view
    return view.with_filters(filters.with_selected(view.filters.selected))


EXPLORE: PageState[ExploreView] = PageState(
    "explore",
    parse=_parse,
    to_params=lambda view: view.to_query_params(),
    with_filters=_with_filters,
    default=ExploreView,
    bindings=(
        _filter("types"),
        _filter("centres"),
        _filter("projects"),
        _filter("categories"),
        Binding(
            "f_text",
            read=lambda view: view.filters.text,
            write=lambda view, value: view.with_filters(replace(view.filters, text=str(value or ""))),
        ),
        Binding("f_sort", read=lambda view: view.sort, write=lambda view, value: view.with_sort(str(value or ""))),
        Binding("f_page", read=lambda view: max(view.page, 1), write=lambda view, value: view.with_page(value)),
    ),
)


def _on(key: str) -> dict:
    """``on_change``/``args`` of a bound widget."""
    return {"key": key, "on_change": EXPLORE.changed, "args": (key,)}


def filter_widgets(model: ExploreModel) -> None:
    """The filters: type, buurtwerk, project, category, text; the counts; "clear filters"."""
    catalog = resources.catalog()
    vocab = catalog.vocabulary
    centre_labels = {row.id: f"{row.wijk} ({row.name.removeprefix('Buurtwerk ')})" for row in catalog.centres.itertuples()}
    project_names = catalog.project_names()
    st.header(_("Filters"), divider=False)
    st.pills(
        _("Solidarity"), ["direct", "indirect"], selection_mode="multi", wrap=True,
        format_func=lambda t: _(SOLIDARITY_LABELS[t]),
        help=_("Initiatives that are both direct and indirect match either choice."), **_on("f_types"),
    )  # fmt: skip
    st.pills(
        _("Buurtwerk / neighbourhood"), list(vocab.centres), selection_mode="multi", wrap=True,
        format_func=lambda c: md(centre_labels.get(c, c)), **_on("f_centres"),  # pill labels are markdown
    )  # fmt: skip
    st.pills(
        _("Project"), list(vocab.projects), selection_mode="multi", wrap=True,
        format_func=lambda p: md(project_names.get(p, p)), **_on("f_projects"),
    )  # fmt: skip
    st.multiselect(
        _("Category"), list(vocab.categories), format_func=lambda c: _(CATEGORIES[c][0]) if c in CATEGORIES else c,
        placeholder=_("All categories"), **_on("f_categories"),
    )  # fmt: skip
    st.text_input(_("Search"), max_chars=100, placeholder=_("Name, street, ..."), **_on("f_text"))
    st.markdown("**" + model.summary() + "**")
    st.caption(model.type_line())
    if not model.view.filters.is_empty():
        st.button(_("Clear filters"), icon=":material/filter_alt_off:", on_click=clear_filters)


def clear_filters() -> None:
    """Back to the whole map (the list's order stays)."""
    EXPLORE.set(EXPLORE.get().with_filters(FilterState()))


def choose_initiative() -> None:
    """``on_change`` of the "show on the map" picker."""
    EXPLORE.set(EXPLORE.get().with_selected(st.session_state.get("f_pick") or ""))


def list_controls(model: ExploreModel) -> None:
    """The list's order and the "show on the map" picker (options: the current page)."""
    names = dict(zip(model.page_ids, model.page_rows["name"].tolist(), strict=True))
    selected = model.view.filters.selected
    st.session_state["f_pick"] = selected if selected in names else ""  # the choice may be on another page
    columns = st.columns([1, 2], gap="small")
    with columns[0]:
        st.selectbox(_("Order"), list(SORTS), format_func=lambda s: _(SORTS[s]), **_on("f_sort"))
    with columns[1]:
        st.selectbox(
            _("Show on the map"), ["", *model.page_ids],
            format_func=lambda i: names.get(i, "") if i else _("Choose an initiative"),
            key="f_pick", on_change=choose_initiative,
        )  # fmt: skip


def list_table(model: ExploreModel) -> str:
    """The list's current page as an accessible HTML table (the target of the "skip the map" link)."""
    table = resources.catalog().list_rows(model.page_rows)
    return table_html(table, model.caption(), link_columns={_("Website")}, element_id="sm-list")


def load_error_rows(errors: list[RowError]) -> list[dict[str, object]]:
    """The rows the store rejected, for the team: file, line, field, problem, value."""
    return [
        {_("File"): e.source, _("Line"): e.line, _("Field"): e.field, _("Problem"): e.message, _("Value"): e.value}
        for e in errors
    ]


def pager(model: ExploreModel) -> None:
    """The list's page number, when there is more than one page."""
    if model.page.pages > 1:
        st.number_input(model.pages_label(), min_value=1, max_value=model.page.pages, step=1, **_on("f_page"))
