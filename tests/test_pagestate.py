"""The rules that keep a page's state, its widgets and the URL in step; the explore view's URL form."""

from __future__ import annotations

import pytest

from solidarity.explore import DEFAULT_SORT, ExploreView
from solidarity.filters import FilterState, Vocabulary
from solidarity.pagestate import arrive, normalise_params, page_params

VOCAB = Vocabulary(centres=("de-stek", "de-wijk"), projects=("woonlab",), categories=("food", "garden"),
                   initiatives=frozenset({"a", "b"}))  # fmt: skip


def parse(params):
    return ExploreView.from_query_params(params, VOCAB)


STORED = ExploreView(FilterState(types=("direct",)))
WRITTEN = {"type": ["direct"], "lang": ["en"]}

ARRIVALS = [
    # (case, url, stored, written, from_elsewhere, expected state, expected from_url)
    ("first visit: the URL", {"type": "indirect"}, None, None, False, ExploreView(FilterState(types=("indirect",))), True),
    ("first visit, bare URL", {}, None, None, False, ExploreView(), True),
    ("a rerun after a widget change: the stored state", WRITTEN, ExploreView(FilterState(types=("direct", "indirect"))),
     WRITTEN, False, ExploreView(FilterState(types=("direct", "indirect"))), False),
    ("the language changed only: the stored state", {"type": "direct", "lang": "ar"}, STORED, WRITTEN, False, STORED, False),
    ("Back to an older entry: the URL", {"lang": "en"}, STORED, WRITTEN, False, ExploreView(), True),
    ("Forward / a link with other filters: the URL", {"buurtwerk": "de-stek"}, STORED, WRITTEN, False,
     ExploreView(FilterState(centres=("de-stek",))), True),
    ("from another page by a link with the state", {"type": "direct"}, STORED, WRITTEN, True, STORED, False),
    ("from another page by a bare link: as the user left it", {"lang": "en"}, STORED, WRITTEN, True, STORED, True),
    ("from another page to a link with other filters: the URL", {"type": "indirect"}, STORED, WRITTEN, True,
     ExploreView(FilterState(types=("indirect",))), True),
]  # fmt: skip


@pytest.mark.parametrize(("case", "url", "stored", "written", "elsewhere", "state", "from_url"), ARRIVALS,
                         ids=[a[0] for a in ARRIVALS])  # fmt: skip
def test_arrive(case, url, stored, written, elsewhere, state, from_url) -> None:
    arrival = arrive(url, stored, written, parse, from_elsewhere=elsewhere)
    assert arrival.state == state
    assert arrival.from_url is from_url


def test_params_are_compared_as_lists_without_the_language() -> None:
    assert normalise_params({"a": "1", "b": ["2", "3"], "c": "", "d": []}) == {"a": ["1"], "b": ["2", "3"]}
    assert page_params({"lang": "ar", "type": "direct"}) == {"type": ["direct"]}


VIEWS = [
    ExploreView(),
    ExploreView(FilterState(types=("direct",), centres=("de-stek",), text="tuin"), sort="categorie", page=3),
    ExploreView(FilterState(selected="a"), sort="type", page=2),
]


@pytest.mark.parametrize("view", VIEWS)
def test_explore_view_round_trips_through_the_url(view: ExploreView) -> None:
    assert parse(view.to_query_params()) == view


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sorteer": "bogus"}, ExploreView()),
        ({"pagina": "-2"}, ExploreView()),
        ({"pagina": "x"}, ExploreView()),
        ({"pagina": "9" * 20}, ExploreView()),
        ({"id": "a"}, ExploreView(FilterState(selected="a"), page=0)),  # page 0: the page that holds it
        ({"id": "a", "pagina": "4"}, ExploreView(FilterState(selected="a"), page=4)),
        ({"id": "zzz"}, ExploreView()),
    ],
)
def test_explore_view_from_bad_or_partial_urls(params: dict, expected: ExploreView) -> None:
    assert parse(params) == expected


def test_a_new_filter_or_order_starts_the_list_again() -> None:
    view = ExploreView(FilterState(selected="a"), sort="type", page=4)
    assert view.with_filters(FilterState(types=("direct",))).page == 1
    assert view.with_sort("categorie") == ExploreView(FilterState(selected="a"), sort="categorie", page=1)
    assert view.with_sort("bogus").sort == DEFAULT_SORT
    assert view.with_page("3").page == 3 and view.with_page(None).page == 1
    assert view.with_selected("b").page == 4, "choosing an initiative keeps the list's page"
