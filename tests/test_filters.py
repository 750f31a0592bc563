"""Filters: table-driven cases over the fixture seed, and the URL round trip."""

from __future__ import annotations

import pandas as pd
import pytest

from solidarity.catalog import build_catalog
from solidarity.filters import FilterState, Vocabulary, apply_filters, clean_text, fold
from solidarity.store import Store


@pytest.fixture
def frames(store: Store) -> tuple[pd.DataFrame, Vocabulary]:
    catalog = build_catalog(store)
    return catalog.initiatives, catalog.vocabulary


CASES = [
    ("nothing", FilterState(), {"i1", "i2", "i3", "i4", "i8"}),
    ("direct includes both", FilterState(types=("direct",)), {"i1", "i3", "i4", "i8"}),
    ("indirect includes both", FilterState(types=("indirect",)), {"i2", "i3"}),
    ("direct or indirect", FilterState(types=("direct", "indirect")), {"i1", "i2", "i3", "i4", "i8"}),
    ("centre", FilterState(centres=("c-kiel",)), {"i1", "i8"}),
    ("two centres", FilterState(centres=("c-kiel", "c-noord")), {"i1", "i2", "i3", "i4", "i8"}),
    ("project", FilterState(projects=("p-tuin",)), {"i1", "i3"}),
    ("project and centre", FilterState(projects=("p-tuin",), centres=("c-noord",)), {"i3"}),
    ("category", FilterState(categories=("rights",)), {"i2", "i3"}),
    ("text, case", FilterState(text="BUURTTUIN"), {"i1"}),
    ("text, accents", FilterState(text="creme brulee"), {"i8"}),
    ("text, accents in query", FilterState(text="Désiré"), {"i8"}),
    ("text, every word", FilterState(text="noord ocmw"), {"i2", "i3"}),
    ("text, project name", FilterState(text="tuinproject"), {"i1", "i3"}),
    ("text, nothing", FilterState(text="zzz"), set()),
    ("text with html", FilterState(text="<img"), {"i4"}),
    ("all together", FilterState(types=("direct",), centres=("c-kiel",), projects=("p-tuin",)), {"i1"}),
]


@pytest.mark.parametrize(("name", "state", "expected"), CASES, ids=[c[0] for c in CASES])
def test_apply_filters(frames: tuple[pd.DataFrame, Vocabulary], name: str, state: FilterState, expected: set[str]) -> None:
    initiatives, _vocab = frames
    assert set(apply_filters(initiatives, state)["id"]) == expected


@pytest.mark.parametrize(("name", "state", "expected"), CASES, ids=[c[0] for c in CASES])
def test_query_params_round_trip(frames: tuple[pd.DataFrame, Vocabulary], name: str, state: FilterState, expected: set[str]) -> None:
    _initiatives, vocab = frames
    back = FilterState.from_query_params(state.to_query_params(), vocab)
    for name in ("types", "centres", "projects", "categories"):
        assert set(getattr(back, name)) == set(getattr(state, name))
    assert back.text == clean_text(state.text)


def test_unknown_values_in_url_are_dropped(frames: tuple[pd.DataFrame, Vocabulary]) -> None:
    _initiatives, vocab = frames
    state = FilterState.from_query_params(
        {"type": ["direct", "bogus"], "buurtwerk": "c-kiel,nowhere", "project": ["<script>"], "id": "nope",
         "q": "x" * 500 + "\x00"},
        vocab,
    )
    assert state.types == ("direct",)
    assert state.centres == ("c-kiel",)
    assert state.projects == ()
    assert state.selected == ""
    assert len(state.text) == 100 and "\x00" not in state.text


def test_empty_state() -> None:
    assert FilterState().is_empty()
    assert FilterState().to_query_params() == {}
    assert not FilterState(text="x").is_empty()


def test_fold() -> None:
    assert fold("Désiré ÇA") == "desire ca"
