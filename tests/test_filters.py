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


@pytest.mark.parametrize(
    ("total", "number", "expected"),
    [
        (0, 1, (1, 1, 0, 0)),  # an empty list still has one (empty) page
        (29, 1, (1, 1, 0, 29)),
        (100, 1, (1, 1, 0, 100)),
        (101, 2, (2, 2, 100, 101)),
        (250, 3, (3, 3, 200, 250)),
        (250, 9, (3, 3, 200, 250)),  # past the end: the last page
        (250, 0, (1, 3, 0, 100)),  # before the start: the first page
        (250, -5, (1, 3, 0, 100)),
    ],
)
def test_list_page(total: int, number: int, expected: tuple[int, int, int, int]) -> None:
    from solidarity.views import list_page

    page = list_page(total, number, size=100)
    assert (page.number, page.pages, page.start, page.stop) == expected
    assert page.total == total


@pytest.mark.parametrize(("position", "page"), [(0, 1), (99, 1), (100, 2), (249, 3), (-1, 1)])
def test_page_of(position: int, page: int) -> None:
    from solidarity.views import list_page, page_of

    assert page_of(position, size=100) == page
    if position >= 0:
        found = list_page(250, page_of(position, size=100), size=100)
        assert found.start <= position < found.stop
