"""Filters of the explore view: one state object, its URL form, and the pure filter function."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from solidarity.model import split_list

#: Solidarity types a user can filter on. An initiative of type ``both`` matches either.
TYPE_FILTERS: tuple[str, ...] = ("direct", "indirect")

#: Query-parameter names (short and stable: shared links depend on them).
PARAM_TYPES = "type"
PARAM_CENTRES = "buurtwerk"
PARAM_PROJECTS = "project"
PARAM_CATEGORIES = "categorie"
PARAM_TEXT = "q"
PARAM_SELECTED = "id"
MAX_TEXT = 100


@dataclass(frozen=True)
class FilterState:
    """What the user filters on. Empty tuples mean: no restriction."""

    types: tuple[str, ...] = ()
    centres: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    text: str = ""
    selected: str = ""

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not (self.types or self.centres or self.projects or self.categories or self.text)

    def to_query_params(self) -> dict[str, list[str] | str]:
        """The state as query parameters (only the non-empty ones)."""
        params: dict[str, list[str] | str] = {}
        for name, values in (
            (PARAM_TYPES, self.types),
            (PARAM_CENTRES, self.centres),
            (PARAM_PROJECTS, self.projects),
            (PARAM_CATEGORIES, self.categories),
        ):
            if values:
                params[name] = list(values)
        if self.text:
            params[PARAM_TEXT] = self.text
        if self.selected:
            params[PARAM_SELECTED] = self.selected
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, object], vocab: Vocabulary) -> FilterState:
        """Read the state from query parameters, keeping only known values.

        Parameters may be strings, lists of strings, or comma-separated strings; unknown
        values are dropped silently (a stale link still opens).
        """

        def values(name: str, allowed: Iterable[str]) -> tuple[str, ...]:
            allowed = list(allowed)
            raw = params.get(name)
            if raw is None:
                return ()
            items = [raw] if isinstance(raw, str) else list(raw)  # type: ignore[arg-type]
            wanted = {part.strip() for item in items for part in str(item).split(",") if part.strip()}
            return tuple(v for v in allowed if v in wanted)

        text = params.get(PARAM_TEXT)
        text = (text[-1] if isinstance(text, list) and text else text) or ""
        selected = params.get(PARAM_SELECTED) or ""
        selected = selected[-1] if isinstance(selected, list) and selected else selected
        return cls(
            types=values(PARAM_TYPES, TYPE_FILTERS),
            centres=values(PARAM_CENTRES, vocab.centres),
            projects=values(PARAM_PROJECTS, vocab.projects),
            categories=values(PARAM_CATEGORIES, vocab.categories),
            text=clean_text(str(text)),
            selected=str(selected) if str(selected) in vocab.initiatives else "",
        )

    def with_selected(self, initiative_id: str) -> FilterState:
        """The same filters with another selected initiative."""
        return replace(self, selected=initiative_id)


@dataclass(frozen=True)
class Vocabulary:
    """The values a filter can take, in display order, taken from the data."""

    centres: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    initiatives: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_frames(cls, initiatives: pd.DataFrame, centres: pd.DataFrame, projects: pd.DataFrame) -> Vocabulary:
        """The vocabulary of the current data."""
        return cls(
            centres=tuple(centres["id"]),
            projects=tuple(projects["id"]),
            categories=tuple(sorted(set(initiatives["category"]) - {""})),
            initiatives=frozenset(initiatives["id"]),
        )


def clean_text(text: str) -> str:
    """A free-text query trimmed to a sane length, without control characters."""
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:MAX_TEXT]


def fold(text: str) -> str:
    """Lower case without accents, for accent- and case-insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def sort_key(text: str) -> str:
    """How a name sorts in a list: without case, accents or punctuation ("'t Werkhuys" under T)."""
    return " ".join(fold("".join(ch if ch.isalnum() else " " for ch in str(text))).split())


def centre_of_area(initiatives: pd.DataFrame, centres: pd.DataFrame) -> pd.Series:
    """For each initiative, the buurtwerk whose neighbourhood holds it (by ``wijkcode``), else ''."""
    by_code = {code: row.id for row in centres.itertuples() for code in split_list(row.wijkcodes)}
    if "wijkcode" not in initiatives:
        return pd.Series("", index=initiatives.index, dtype="object")
    return initiatives["wijkcode"].map(lambda code: by_code.get(code or "", "")).astype("object")


def apply_filters(initiatives: pd.DataFrame, state: FilterState) -> pd.DataFrame:
    """The initiatives that match ``state``.

    - types: ``direct`` matches direct and both, ``indirect`` matches indirect and both;
    - centres: the initiative belongs to the buurtwerk (``centre_id``) or lies in its
      neighbourhood (``area_centre``, when present);
    - projects: linked to at least one of them; categories: one of them;
    - text: every word occurs in name, description, address, category or target group,
      ignoring case and accents.
    """
    mask = np.ones(len(initiatives), dtype=bool)
    if state.types:
        wanted = set(state.types) | {"both"}
        mask &= initiatives["solidarity_type"].isin(wanted).to_numpy()
    if state.centres:
        wanted = set(state.centres)
        match = initiatives["centre_id"].isin(wanted)
        if "area_centre" in initiatives:
            match |= initiatives["area_centre"].isin(wanted)
        mask &= match.to_numpy()
    if state.projects:
        wanted = set(state.projects)
        mask &= initiatives["projects"].map(lambda value: not wanted.isdisjoint(split_list(value))).to_numpy(bool)
    if state.categories:
        mask &= initiatives["category"].isin(set(state.categories)).to_numpy()
    if state.text:
        haystack = search_text(initiatives)
        for word in fold(state.text).split():
            mask &= haystack.str.contains(word, regex=False).to_numpy(bool)
    return initiatives[mask]


def search_text(initiatives: pd.DataFrame) -> pd.Series:
    """The folded text searched by the free-text filter, one string per initiative."""
    if "search_text" in initiatives:
        return initiatives["search_text"]
    columns = [c for c in ("name", "description", "address", "postcode", "category", "target_group") if c in initiatives]
    joined = initiatives[columns].fillna("").astype(str).agg(" ".join, axis=1)
    return joined.map(fold)
