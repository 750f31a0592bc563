"""The data a page shows, prepared once per data version: store frames plus geography."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from solidarity.filters import Vocabulary, centre_of_area, fold, search_text, sort_key
from solidarity.freshness import stale_mask
from solidarity.i18n import get_language
from solidarity.mapbuilder import marker_rows, row_indexes, script_json
from solidarity.model import RowError, split_list
from solidarity.safety import safe_url
from solidarity.store import Store
from solidarity.views import initiative_table


@dataclass
class Catalog:
    """Initiatives, centres and projects with derived columns, and the buurtwerk areas."""

    initiatives: pd.DataFrame
    centres: pd.DataFrame
    projects: pd.DataFrame
    vocabulary: Vocabulary
    areas: dict[str, dict] | None = None
    load_errors: list[RowError] = field(default_factory=list)
    #: The list of every initiative per language, made on first use (see :meth:`list_rows`).
    _lists: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_areas(self) -> bool:
        """True when the neighbourhood boundaries are known."""
        return bool(self.areas)

    def centre_names(self) -> dict[str, str]:
        """Centre id -> name."""
        return dict(zip(self.centres["id"], self.centres["name"], strict=True))

    def project_names(self) -> dict[str, str]:
        """Project id -> name."""
        return dict(zip(self.projects["id"], self.projects["name"], strict=True))

    def list_rows(self, initiatives: pd.DataFrame) -> pd.DataFrame:
        """The list (:func:`solidarity.views.initiative_table`) of ``initiatives``, rows of this
        catalogue, in the current language.

        The list of all initiatives is made once per language and kept with the catalogue (one
        object per data version); a filter change only picks its rows.
        """
        language = get_language()
        full = self._lists.get(language)
        if full is None:
            full = self._lists[language] = initiative_table(self.initiatives, self.centre_names())
        return full.loc[initiatives.index].reset_index(drop=True)


def build_catalog(store: Store, boundaries: Any | None = None, today: dt.date | None = None) -> Catalog:
    """Read the store and add what filters and maps need.

    Parameters
    ----------
    store
        The store.
    boundaries
        A :class:`geo.boundaries.Boundaries` or None; gives each initiative its wijk and each
        buurtwerk its area.
    today
        The day the freshness (``stale``: not checked for a year) is computed for.
    """
    initiatives = store.initiatives().reset_index(drop=True)  # row labels: positions, kept by filters
    centres = store.centres()
    projects = store.projects()
    areas = None
    if boundaries is not None and len(initiatives):
        codes = boundaries.wijk_codes_of(initiatives["lat"].to_numpy(), initiatives["lon"].to_numpy())
        initiatives["wijkcode"] = [code or "" for code in codes]
    else:
        initiatives["wijkcode"] = ""
    if boundaries is not None:
        geometries = boundaries.centre_areas(centres.to_dict("records"))
        areas = {cid: geom.__geo_interface__ for cid, geom in geometries.items() if geom is not None and not geom.is_empty}
    initiatives["area_centre"] = centre_of_area(initiatives, centres)
    # An approximate point without a buurtwerk only says "somewhere in the district" (e.g. the
    # district point of a postcode, data/README.md): it does not place the initiative in an area.
    unplaced = (initiatives["location_precision"] == "approximate") & (initiatives["centre_id"] == "")
    initiatives.loc[unplaced, "area_centre"] = ""
    initiatives["search_text"] = search_text(initiatives)
    names = dict(zip(projects["id"], projects["name"], strict=True))
    initiatives["project_names"] = initiatives["projects"].map(
        lambda value: ", ".join(names.get(p, p) for p in split_list(value))
    )
    initiatives["search_text"] = initiatives["search_text"] + " " + initiatives["project_names"].map(fold)
    initiatives["sort_name"] = initiatives["name"].map(sort_key)  # the list's order: no case, accents, punctuation
    translations = store.translations()
    for (language, field_name), group in translations.groupby(["language", "field"]):
        texts = dict(zip(group["id"], group["text"], strict=True))
        initiatives[f"{field_name}_{language}"] = initiatives["id"].map(texts).fillna("")
    # The escaped, encoded marker rows, once per data version (the map only joins the shown ones).
    initiatives["website_safe"] = initiatives["website"].map(lambda url: safe_url(url) or "")
    initiatives["stale"] = stale_mask(initiatives["last_verified"], today)
    initiatives["marker_json"] = [script_json(row) for row in marker_rows(initiatives, *row_indexes(centres, projects))]
    return Catalog(
        initiatives=initiatives,
        centres=centres,
        projects=projects,
        vocabulary=Vocabulary.from_frames(initiatives, centres, projects),
        areas=areas or None,
        load_errors=store.load_errors(),
    )
