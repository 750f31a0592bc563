"""The explore view: the filters, the list's sort and page, and what the page shows (no Streamlit).

:class:`ExploreView` is the state of the explore page (kept in the URL and per session, see
:mod:`solidarity.pagestate`); :func:`explore_model` turns it and the catalogue into everything
the page draws, so the page script only wires widgets to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from solidarity.catalog import Catalog
from solidarity.filters import FilterState, Vocabulary, apply_filters, sort_key
from solidarity.i18n import N_, _, format_number, ngettext
from solidarity.model import SOLIDARITY_LABELS, SOLIDARITY_TYPES
from solidarity.pagestate import last_value
from solidarity.views import ListPage, category_label, list_page, page_of, type_counts

PARAM_SORT = "sorteer"
PARAM_PAGE = "pagina"

#: Orders of the list: URL value -> label (msgid). The first is the default.
SORTS: dict[str, str] = {
    "naam": N_("Name"),
    "type": N_("Solidarity"),
    "buurtwerk": N_("Buurtwerk"),
    "categorie": N_("Category"),
}
DEFAULT_SORT = "naam"
#: Solidarity types in the order of the story: direct, the bridges, indirect.
TYPE_ORDER: tuple[str, ...] = ("direct", "both", "indirect")



@dataclass(frozen=True)
class ExploreView:
    """What the explore page shows: the filters (with the chosen initiative), the sort, the list's page."""

    filters: FilterState = field(default_factory=FilterState)
    sort: str = DEFAULT_SORT
    #: The list's page (1-based); 0: the page that holds the chosen initiative (a link with ``id=``).
    page: int = 1

    def to_query_params(self) -> dict[str, list[str] | str]:
        """The view as URL parameters (only what differs from the defaults)."""
        params = self.filters.to_query_params()
        if self.sort != DEFAULT_SORT:
            params[PARAM_SORT] = self.sort
        if self.page > 1:
            params[PARAM_PAGE] = str(self.page)
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, object], vocab: Vocabulary) -> ExploreView:
        """Read a view from URL parameters; unknown or malformed values fall back to the defaults."""
        filters = FilterState.from_query_params(params, vocab)
        sort = last_value(params, PARAM_SORT)
        raw_page = last_value(params, PARAM_PAGE)
        page = int(raw_page) if raw_page.isdigit() and 0 < len(raw_page) <= 6 else (0 if filters.selected else 1)
        return cls(filters=filters, sort=sort if sort in SORTS else DEFAULT_SORT, page=max(page, 0))

    def with_filters(self, filters: FilterState) -> ExploreView:
        """Other filters: the list starts again at its first page (the chosen initiative stays if shown)."""
        return replace(self, filters=filters, page=1)

    def with_sort(self, sort: str) -> ExploreView:
        """Another order of the list, from its first page."""
        return replace(self, sort=sort if sort in SORTS else DEFAULT_SORT, page=1)

    def with_page(self, page: object) -> ExploreView:
        """Another page of the list."""
        try:
            number = int(page)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = 1
        return replace(self, page=max(number, 1))

    def with_selected(self, initiative_id: str) -> ExploreView:
        """Another chosen initiative ("" for none); the list stays on its page."""
        return replace(self, filters=self.filters.with_selected(initiative_id or ""))


def sort_initiatives(initiatives: pd.DataFrame, sort: str, centre_names: Mapping[str, str]) -> pd.DataFrame:
    """``initiatives`` in the order ``sort`` (a key of :data:`SORTS`), then by name.

    Names compare without case and accents (``sort_name`` of the catalogue when present);
    types in the story's order (direct, both, indirect); buurtwerken by name, initiatives without
    one last; categories by their label in the current language.
    """
    names = initiatives["sort_name"] if "sort_name" in initiatives else initiatives["name"].map(sort_key)
    keys: list[np.ndarray | pd.Series] = []
    if sort == "type":
        keys.append(initiatives["solidarity_type"].map({t: i for i, t in enumerate(TYPE_ORDER)}).fillna(len(TYPE_ORDER)))
    elif sort == "buurtwerk":
        labels = initiatives["centre_id"].map(dict(centre_names)).fillna("")
        keys.append((labels == "").astype(int))
        keys.append(labels.map(sort_key))
    elif sort == "categorie":
        keys.append(initiatives["category"].map({c: sort_key(category_label(c)) for c in set(initiatives["category"])}))
    keys.append(names)
    order = np.lexsort([np.asarray(k) for k in reversed(keys)])
    return initiatives.iloc[order]


@dataclass
class ExploreModel:
    """Everything the explore page draws for one view."""

    view: ExploreView  # normalised: known values only, the page clamped, the choice among the shown
    shown: pd.DataFrame  # the filtered initiatives, in the list's order
    ids: list[str]  # their ids, in the same order
    page: ListPage
    counts: dict[str, int]
    total: int

    @property
    def page_ids(self) -> list[str]:
        """The ids on the list's current page."""
        return self.ids[self.page.start : self.page.stop]

    @property
    def page_rows(self) -> pd.DataFrame:
        """The initiatives on the list's current page."""
        return self.shown.iloc[self.page.start : self.page.stop]

    def summary(self) -> str:
        """"12 of 29 initiatives shown", in the current language."""
        return _("{shown} of {total} initiatives shown").format(
            shown=format_number(len(self.shown)), total=format_number(self.total)
        )

    def type_line(self) -> str:
        """"Direct solidarity: 9 · Indirect solidarity: 2 · Direct and indirect: 1"."""
        return " · ".join(f"{_(SOLIDARITY_LABELS[t])}: {format_number(n)}" for t, n in self.counts.items())

    def caption(self) -> str:
        """The list's caption: "Initiatives 1–100 of 9,025"."""
        return _("Initiatives {first}–{last} of {total}").format(
            first=format_number(self.page.start + 1), last=format_number(self.page.stop), total=format_number(self.page.total)
        )

    def pages_label(self) -> str:
        """The pager's label: "Page (91 pages)"."""
        return ngettext("Page ({pages} page)", "Page ({pages} pages)", self.page.pages).format(
            pages=format_number(self.page.pages)
        )


def explore_model(catalog: Catalog, view: ExploreView) -> ExploreModel:
    """Filter, sort and page the catalogue's initiatives for ``view``."""
    filters = FilterState.from_query_params(view.filters.to_query_params(), catalog.vocabulary)  # known values only
    shown = sort_initiatives(apply_filters(catalog.initiatives, filters), view.sort, catalog.centre_names())
    ids = shown["id"].tolist()  # tolist(): iterating an Arrow-backed column is slow
    if filters.selected and filters.selected not in ids:
        filters = filters.with_selected("")
    number = view.page or (page_of(ids.index(filters.selected)) if filters.selected else 1)
    page = list_page(len(ids), number)
    normalised = replace(view, filters=filters, page=page.number)
    counts = type_counts(shown)
    ordered = {t: counts[t] for t in SOLIDARITY_TYPES}
    return ExploreModel(normalised, shown, ids, page, ordered, len(catalog.initiatives))
