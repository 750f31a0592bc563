"""The residents' search core: settling a geocoding result into one place."""

from __future__ import annotations

from geo.gazetteer import Place
from geo.geocode import REASON_CHOOSE, REASON_CONFIRM, GeocodeResult
from solidarity.nearby import settle

KIEL_A = Place("Antwerpen - Kiel", 51.1890, 4.3850, "wijk")
KIEL_B = Place("Kiel", 51.1895, 4.3860, "wijk")  # the same neighbourhood, 80 m away
FAR = Place("Mechelsesteenweg, 2018 Antwerpen", 51.2060, 4.4150, "street")


def test_ok_gives_its_place() -> None:
    assert settle(GeocodeResult("ok", [FAR]))[0] == FAR


def test_same_place_twice_needs_no_choice() -> None:
    place, result = settle(GeocodeResult("choose", [KIEL_A, KIEL_B], REASON_CHOOSE))
    assert place == KIEL_A and result.status == "ok" and result.places == [KIEL_A]


def test_distinct_places_wait_for_a_choice_then_take_it() -> None:
    result = GeocodeResult("choose", [KIEL_A, FAR], REASON_CHOOSE)
    assert settle(result)[0] is None
    assert settle(result, chosen=FAR.label)[0] == FAR
    assert settle(result, chosen="something else")[0] is None


def test_a_weak_single_match_is_confirmed_first() -> None:
    result = GeocodeResult("choose", [FAR], REASON_CONFIRM)
    assert settle(result)[0] is None
    assert settle(result, chosen=FAR.label)[0] == FAR


def test_nothing_found() -> None:
    place, result = settle(GeocodeResult("not_found", [], "x"))
    assert place is None and result.status == "not_found"


# -- the query in the URL ------------------------------------------------------------------------

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from solidarity.nearby import (  # noqa: E402
    NearbyQuery,
    cut_at_word,
    find_nearby,
    format_distance,
    walk_text,
)


def test_the_residents_location_is_rounded_to_three_decimals() -> None:
    query = NearbyQuery().at_point(51.224496, 4.429812, "location")
    assert (query.lat, query.lon) == (51.224, 4.43)
    assert query.to_query_params() == {"lat": "51.224", "lon": "4.430", "bron": "locatie"}
    back = NearbyQuery.from_query_params(query.to_query_params())
    assert back.origin == "location" and (back.lat, back.lon) == (51.224, 4.43)


def test_a_map_point_keeps_its_precision_and_drops_the_text() -> None:
    query = NearbyQuery(text="Kiel", place="Kiel").at_point(51.2244961, 4.4298123, "click")
    assert query.text == "" and query.place == ""
    assert query.to_query_params() == {"lat": "51.22450", "lon": "4.42981", "bron": "kaart"}


@pytest.mark.parametrize(
    ("params", "bad"),
    [({"lat": "48.85", "lon": "2.35"}, True), ({"lat": "x", "lon": "4.4"}, True), ({"lat": "51.2"}, True),
     ({"lat": "inf", "lon": "inf"}, True), ({}, False), ({"lat": "51.22", "lon": "4.43"}, False)],
)  # fmt: skip
def test_unusable_coordinates_are_flagged(params: dict, bad: bool) -> None:
    query = NearbyQuery.from_query_params(params)
    assert query.bad_point is bad
    assert query.has_point is (not bad and bool(params))


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("een twee drie", 200, "een twee drie"), ("een twee drie", 9, "een twee"), ("een twee drie", 8, "een twee"),
     ("eentweedrie", 5, "eentw"), ("  veel   spaties  ", 200, "veel spaties"), ("", 10, "")],
)  # fmt: skip
def test_cut_at_word(text: str, limit: int, expected: str) -> None:
    assert cut_at_word(text, limit) == expected


@pytest.mark.parametrize(
    ("metres", "language", "expected"),
    [(450, "nl", "450 m"), (1304, "nl", "1,3 km"), (1304, "en", "1.3 km"), (1304, "ar", "1.3 كم"),
     (1304, "uk", "1,3 км"), (1000, "nl", "1,0 km"), (455, "ar", "460 مترًا")],
)  # fmt: skip
def test_distances_in_the_language(metres: float, language: str, expected: str) -> None:
    assert format_distance(metres, language) == expected


def test_walking_phrases_say_here_and_less_than_a_minute() -> None:
    assert walk_text(4, "en") == "Right here"
    assert walk_text(40, "en") == "\u206840 m\u2069 · less than a minute on foot"
    assert walk_text(160, "en") == "\u2068160 m\u2069 · \u20683 minutes\u2069 on foot"
    assert walk_text(74, "en").endswith("less than a minute on foot")  # 4.5 km/h: 75 m a minute
    assert walk_text(75, "en").endswith("\u20681 minute\u2069 on foot")


def test_arabic_says_two_minutes_without_a_numeral() -> None:
    from solidarity.i18n import set_language

    set_language("ar")
    try:
        text = walk_text(150, "ar")  # 2 minutes
    finally:
        set_language("nl")
    assert "دقيقتان" in text and "2 دقيقتان" not in text and "2\u2069" not in text.split("·")[1]


def _frame(rows: list[dict]) -> pd.DataFrame:
    base = {"id": "", "name": "", "solidarity_type": "direct", "category": "food", "opening_hours": "", "lat": 0.0,
            "lon": 0.0}  # fmt: skip
    return pd.DataFrame([base | row for row in rows])


def test_the_radius_is_a_walking_distance() -> None:
    # 700 m and 800 m in a straight line: 910 m and 1,040 m on foot.
    frame = _frame([{"id": "near", "lat": 51.2000 + 700 / 111_195, "lon": 4.4}, {"id": "far", "lat": 51.2000 + 800 / 111_195, "lon": 4.4}])
    hits = find_nearby(frame, 51.2, 4.4, NearbyQuery(radius_m=1000)).hits
    assert [h.id for h in hits] == ["near"]
    assert all(h.walking_m <= 1000 for h in hits)


def test_open_now_lists_unknown_hours_apart_and_leaves_closed_ones_out() -> None:
    import datetime as dt

    monday_noon = dt.datetime(2026, 11, 30, 12, 0)
    frame = _frame([
        {"id": "open", "opening_hours": "Mo-Fr 09:00-17:00", "lat": 51.2001, "lon": 4.4},
        {"id": "closed", "opening_hours": "Sa 09:00-12:00", "lat": 51.2002, "lon": 4.4},
        {"id": "unknown", "opening_hours": "", "lat": 51.2003, "lon": 4.4},
    ])  # fmt: skip
    results = find_nearby(frame, 51.2, 4.4, NearbyQuery(open_now=True), now=monday_noon)
    assert [h.id for h in results.hits] == ["open"]
    assert [h.id for h in results.unknown_hours] == ["unknown"]
    assert results.unknown_hours[0].rank == 2, "numbered after the hits, as on the map"
    assert find_nearby(frame, 51.2, 4.4, NearbyQuery(), now=monday_noon).unknown_hours == []
