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
