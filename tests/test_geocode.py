"""Tests of the geocoding chain with a fake Nominatim: fallbacks, rate limit, cache, hostile input."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import requests
from geopy.exc import (
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.location import Location
from geopy.point import Point

from geo import geocode as gc
from geo.gazetteer import Gazetteer, Place
from geo.geocode import (
    MAX_QUERY_CHARS,
    VIEWBOX,
    GeocodeCache,
    Geocoder,
    GeocodeResult,
    MemoryCache,
    RateLimiter,
    cache_key,
    clean_query,
    make_nominatim,
    places_from_json,
    places_to_json,
)
from solidarity.nearby import REASON_TEXTS, result_text
from solidarity.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
VANDERSTEEN_1 = (
    "1, Willy Vandersteenplein, Stuivenberg, Antwerpen, Antwerpen, Vlaanderen, 2060, België / Belgique / Belgien"
)
TURNHOUTSEBAAN = "Turnhoutsebaan, Borgerhout, Antwerpen, Vlaanderen, 2140, België / Belgique / Belgien"
PARIS = "Rue de Rivoli, Paris, Île-de-France, 75001, France"


def location(address: str, lat: float, lon: float, **raw) -> Location:
    return Location(address, Point(lat, lon), {"display_name": address, **raw})


class FakeNominatim:
    """Records calls; answers with ``answers`` or raises ``error``."""

    def __init__(self, answers=None, error: BaseException | None = None) -> None:
        self.answers = [] if answers is None else answers
        self.error = error
        self.calls: list[dict] = []

    def geocode(self, query, exactly_one=True, limit=None, country_codes=None, viewbox=None, bounded=False, **kw):
        self.calls.append(
            {
                "query": query,
                "exactly_one": exactly_one,
                "limit": limit,
                "country_codes": country_codes,
                "viewbox": viewbox,
                "bounded": bounded,
            }
        )
        if self.error is not None:
            raise self.error
        return self.answers


class FakeClock:
    """A monotonic clock that only moves when told to (or when slept on)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class BrokenCache:
    def get(self, key):
        raise RuntimeError("store down")

    def put(self, key, places):
        raise RuntimeError("store down")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_files(
        streets=[FIXTURES / "streets_small.json"],
        postcodes=[FIXTURES / "postcodes_small.csv"],
        wijken=[FIXTURES / "wijken_gazetteer.geojson"],
        extra_places=[Place("Buurtwerk De Wijk", 51.2245, 4.4298, "centre", "2060", "seed")],
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make(gaz, nominatim=None, clock=None, cache=None, **kwargs) -> Geocoder:
    clock = clock or FakeClock()
    return Geocoder(gaz, cache if cache is not None else MemoryCache(), nominatim, clock, sleep=clock.sleep, **kwargs)


# --- Nominatim answers -------------------------------------------------------------------------


def test_ok_from_nominatim(gaz):
    fake = FakeNominatim([location(VANDERSTEEN_1, 51.22452, 4.42985, **{"class": "place", "type": "house"})])
    result = make(gaz, fake).geocode("Willy Vandersteenplein 1")
    assert result.status == "ok"
    assert result.source == "nominatim"
    assert result.online_error is None
    (place,) = result.places
    assert place.label == "Willy Vandersteenplein 1, 2060 Antwerpen"
    assert (place.kind, place.postcode, place.source) == ("address", "2060", "nominatim")
    assert (place.lat, place.lon) == (51.22452, 4.42985)
    assert fake.calls == [
        {
            "query": "Willy Vandersteenplein 1",
            "exactly_one": False,
            "limit": 5,
            "country_codes": "be",
            "viewbox": [(51.14, 4.25), (51.38, 4.52)],
            "bounded": True,
        }
    ]
    assert VIEWBOX == [(51.14, 4.25), (51.38, 4.52)]


def test_results_outside_antwerp_are_dropped(gaz):
    fake = FakeNominatim([location(PARIS, 48.86, 2.35), location(VANDERSTEEN_1, 51.2245, 4.4298)])
    result = make(gaz, fake).geocode("Willy Vandersteenplein 1")
    assert result.status == "ok"
    assert [p.label for p in result.places] == ["Willy Vandersteenplein 1, 2060 Antwerpen"]


def test_only_outside_results_fall_back_to_gazetteer(gaz):
    fake = FakeNominatim([location(PARIS, 48.86, 2.35)])
    result = make(gaz, fake).geocode("Turnhoutsebaan 12")
    assert result.status == "ok"
    assert result.source == "gazetteer"
    assert result.places[0].label == "Turnhoutsebaan, 2140 Borgerhout"
    assert result.online_error is None
    assert result.reason == gc.REASON_STREET_ONLY


def test_several_distinct_results_choose(gaz):
    fake = FakeNominatim(
        [
            location(VANDERSTEEN_1, 51.2245, 4.4298),
            location(VANDERSTEEN_1, 51.2245, 4.4298),  # same label: one place
            location(TURNHOUTSEBAAN, 51.2150, 4.4400, **{"class": "highway"}),
        ]
    )
    result = make(gaz, fake).geocode("some shop 1")
    assert result.status == "choose"
    assert [p.label for p in result.places] == [
        "Willy Vandersteenplein 1, 2060 Antwerpen",
        "Turnhoutsebaan, 2140 Borgerhout",
    ]
    assert result.places[1].kind == "street"
    assert result.reason


def test_nominatim_none_or_empty_falls_back(gaz):
    for answers in (None, []):
        result = make(gaz, FakeNominatim(answers)).geocode("wily vandersteenplijn")
        assert result.status == "ok"
        assert result.places[0].label == "Willy Vandersteenplein, 2060 Antwerpen"
        assert result.source == "gazetteer"


def test_gazetteer_fast_path_does_not_ask_nominatim(gaz):
    fake = FakeNominatim([location(VANDERSTEEN_1, 51.2245, 4.4298)])
    geocoder = make(gaz, fake)
    assert geocoder.geocode("2060").places[0].label == "2060 Antwerpen"
    kiel = geocoder.geocode("Kiel")
    assert (kiel.status, kiel.places[0].label, kiel.places[0].kind) == ("ok", "Antwerpen - Kiel", "wijk")
    assert geocoder.geocode("Buurtwerk De Wijk").places[0].kind == "centre"
    ambiguous = geocoder.geocode("Mechelsesteenweg")
    assert ambiguous.status == "choose"
    assert {p.postcode for p in ambiguous.places} == {"2000", "2018"}
    assert fake.calls == []


def test_weak_single_match_asks_for_confirmation(gaz):
    result = make(gaz).geocode("schyfstraatt")
    assert result.status == "choose"
    assert [p.label for p in result.places] == ["Schijfstraat, 2020 Antwerpen"]
    assert result.reason == gc.REASON_CONFIRM


def test_unknown_street_with_postcode_shows_postcode_area(gaz):
    result = make(gaz).geocode("Onbekendestraat 5, 2060 Antwerpen")
    assert result.status == "ok"
    assert result.places[0].kind == "postcode"
    assert result_text(result, str) == "We could not find the street, so we show the area of postcode 2060."


def test_not_found_has_suggestions(gaz):
    result = make(gaz, FakeNominatim([])).geocode("vandrstn plein")
    assert result.status == "not_found"
    assert result.places == []
    assert "Willy Vandersteenplein, 2060 Antwerpen" in result.suggestions
    assert result.reason == gc.REASON_NOT_FOUND


# --- Nominatim failures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (GeocoderTimedOut("slow"), "timeout"),
        (GeocoderUnavailable("down"), "unavailable"),
        (GeocoderRateLimited("429", retry_after=3), "rate_limited"),
        (GeocoderQuotaExceeded("quota"), "rate_limited"),
        (GeocoderServiceError("500"), "unavailable"),
        (requests.ConnectionError("dns"), "unavailable"),
        (requests.ReadTimeout("read"), "timeout"),
        (ValueError("weird answer"), "unavailable"),
    ],
)
def test_online_errors_fall_back_to_gazetteer(gaz, error, expected):
    fake = FakeNominatim(error=error)
    result = make(gaz, fake).geocode("Willy Vandersteenplein 1")
    assert len(fake.calls) == 1
    assert result.status == "ok"
    assert result.source == "gazetteer"
    assert result.online_error == expected
    assert result.places[0].label == "Willy Vandersteenplein, 2060 Antwerpen"
    assert result.reason == gc.REASON_ONLINE_FALLBACK


def test_online_error_and_nothing_offline(gaz):
    result = make(gaz, FakeNominatim(error=GeocoderTimedOut())).geocode("qwertyuiop")
    assert result.status == "not_found"
    assert result.online_error == "timeout"
    assert result.reason == gc.REASON_NOT_FOUND_OFFLINE


# --- rate limit --------------------------------------------------------------------------------


def test_limiter_blocks_second_request_within_interval(gaz, clock):
    fake = FakeNominatim([location(VANDERSTEEN_1, 51.2245, 4.4298)])
    geocoder = make(gaz, fake, clock, max_wait=0.0)
    assert geocoder.geocode("Willy Vandersteenplein 1").source == "nominatim"
    clock.now += 0.5
    second = geocoder.geocode("Willy Vandersteenplein 3")
    assert (second.status, second.source, second.online_error) == ("ok", "gazetteer", "rate_limited")
    assert len(fake.calls) == 1
    clock.now += 0.5
    assert geocoder.geocode("Willy Vandersteenplein 5").source == "nominatim"
    assert len(fake.calls) == 2
    assert clock.sleeps == []


def test_limiter_waits_at_most_max_wait(gaz, clock):
    fake = FakeNominatim([location(VANDERSTEEN_1, 51.2245, 4.4298)])
    geocoder = make(gaz, fake, clock)  # default max_wait 1 s
    geocoder.geocode("Willy Vandersteenplein 1")
    clock.now += 0.25
    assert geocoder.geocode("Willy Vandersteenplein 2").source == "nominatim"
    assert clock.sleeps == [pytest.approx(0.75)]


def test_concurrent_requests_wait_at_most_max_wait(clock):
    waits: list[float] = []  # threads reserving slots at the same moment: the clock does not move
    limiter = RateLimiter(1.0, clock, waits.append)
    assert limiter.acquire(max_wait=1.0)  # free: no wait
    assert limiter.acquire(max_wait=1.0)  # next slot 1 s away: waits 1 s
    assert not limiter.acquire(max_wait=1.0)  # 2 s away: refused at once
    assert waits == [1.0]
    clock.now += 2.0
    assert limiter.acquire(max_wait=0.0)


def test_limiter_is_shared_by_geocoders_with_the_same_clock(gaz, clock):
    fake = FakeNominatim([location(VANDERSTEEN_1, 51.2245, 4.4298)])
    first, second = make(gaz, fake, clock, max_wait=0.0), make(gaz, fake, clock, max_wait=0.0)
    assert first.limiter is second.limiter
    first.geocode("Willy Vandersteenplein 1")
    assert second.geocode("Willy Vandersteenplein 2").online_error == "rate_limited"
    assert Geocoder(gaz, MemoryCache()).limiter is Geocoder(gaz, MemoryCache()).limiter


def test_limiter_is_thread_safe():
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock, clock.sleep)
    granted: list[bool] = []
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        granted.append(limiter.acquire(max_wait=0.0))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 1


# --- cache -------------------------------------------------------------------------------------


def test_second_identical_query_comes_from_cache(gaz):
    fake = FakeNominatim([location(VANDERSTEEN_1, 51.2245, 4.4298)])
    cache = MemoryCache()
    clock = FakeClock()
    geocoder = make(gaz, fake, clock, cache)
    first = geocoder.geocode("Willy Vandersteenplein 1")
    clock.now += 10
    again = geocoder.geocode("  willy  VANDERSTEENPLEIN 1 ")
    assert len(fake.calls) == 1
    assert (again.status, again.source) == ("ok", "cache")
    assert again.places[0].label == first.places[0].label
    assert again.places[0].source == "cache"
    assert cache.get(cache_key("Willy Vandersteenplein 1"))[0].source == "nominatim"


def test_errors_are_not_cached(gaz, clock):
    fake = FakeNominatim(error=GeocoderUnavailable())
    cache = MemoryCache()
    geocoder = make(gaz, fake, clock, cache)
    geocoder.geocode("Willy Vandersteenplein 1")
    clock.now += 10
    fake.error, fake.answers = None, [location(VANDERSTEEN_1, 51.2245, 4.4298)]
    assert geocoder.geocode("Willy Vandersteenplein 1").source == "nominatim"
    assert len(fake.calls) == 2


def test_broken_cache_does_not_break_search(gaz):
    fake = FakeNominatim([location(VANDERSTEEN_1, 51.2245, 4.4298)])
    result = make(gaz, fake, cache=BrokenCache()).geocode("Willy Vandersteenplein 1")
    assert result.status == "ok"


def test_memory_cache_is_bounded():
    cache = MemoryCache(maxsize=2)
    place = Place("x", 51.2, 4.4, "street")
    for key in ("a", "b", "c"):
        cache.put(key, [place])
    assert cache.get("a") is None and cache.get("c") == [place]
    assert len(cache) == 2
    assert isinstance(cache, GeocodeCache)


def test_places_json_round_trip():
    places = [
        Place("Désiré Van Monckhovenstraat, 2140 Borgerhout", 51.21, 4.45, "street", "2140", "gazetteer"),
        Place("51.22450, 4.42980", 51.2245, 4.4298, "coordinates", None, "coordinates"),
    ]
    text = places_to_json(places)
    assert "Désiré" in text
    assert places_from_json(text) == places


@pytest.mark.parametrize(
    "text",
    ["", "not json", "{}", "3", '[{"label": "x"}]', '[{"label":"x","lat":"north","lon":4,"kind":"street"}]', None],
)
def test_places_from_bad_json_is_empty(text):
    assert places_from_json(text) == []


def test_places_from_json_skips_bad_items():
    text = '[{"label":"a","lat":51.2,"lon":4.4,"kind":"street"},{"label":"b","lat":1,"lon":2,"kind":"castle"},7]'
    assert [p.label for p in places_from_json(text)] == ["a"]


# --- offline mode and settings -----------------------------------------------------------------


def test_offline_mode_never_calls_nominatim(gaz, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Nominatim must not be used offline")

    monkeypatch.setattr("geopy.geocoders.Nominatim", refuse)
    settings = Settings(GEOCODER="offline")
    assert make_nominatim(settings.nominatim()) is None
    geocoder = Geocoder(gaz, MemoryCache(), make_nominatim(settings.nominatim()))
    result = geocoder.geocode("Willy Vandersteenplein 1")
    assert (result.status, result.source, result.online_error) == ("ok", "gazetteer", None)
    assert result.reason == gc.REASON_STREET_ONLY
    assert geocoder.geocode("wily vandersteenplijn").status == "ok"
    assert geocoder.geocode("qwertyuiop").status == "not_found"


def test_make_nominatim_uses_settings_without_retries():
    settings = Settings(
        NOMINATIM_DOMAIN="nominatim.example.org", NOMINATIM_USER_AGENT="test-agent/1", GEOCODER_TIMEOUT=2.0
    )
    client = make_nominatim(settings.nominatim())
    assert client.domain == "nominatim.example.org"
    assert client.headers["User-Agent"] == "test-agent/1"
    assert client.timeout == 2.0
    retries = {prefix: adapter.max_retries.total for prefix, adapter in client.adapter.session.adapters.items()}
    assert retries == {"https://": 0, "http://": 0}


# --- hostile and odd input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("", "invalid"),
        (" ", "invalid"),
        (None, "invalid"),
        ("\x00\x1b\u200b\t\n", "invalid"),
        ("x" * 10_000, "invalid"),
        ("a" * (MAX_QUERY_CHARS + 1), "invalid"),
        ("🏠🏠", "invalid"),
        ("...!?", "invalid"),
        ("'; DROP TABLE initiatives;--", "not_found"),
        ("<script>alert(1)</script>", "not_found"),
        ("{postcode} {0} %s", "not_found"),
        ("51.2245, 4.4298", "ok"),
        ("51,2245; 4,4298", "ok"),
        ("4.4298, 51.2245", "ok"),
        ("48.85, 2.35", "outside"),
        ("1000", "outside"),
        ("9000", "outside"),
        ("Rue Neuve 1, 1000 Bruxelles", "outside"),
        ("2060", "ok"),
        ("2170", "not_found"),  # Antwerp (Merksem), but unknown to the small fixture and to the fake
        ("Willy\tVandersteen\x00plein", "ok"),
        ("Kiel 🏠", "ok"),
    ],
)
def test_bad_input_never_raises(gaz, text, status):
    fake = FakeNominatim([])
    result = make(gaz, fake).geocode(text)
    assert isinstance(result, GeocodeResult)
    assert result.status == status
    if status != "ok":
        assert result.reason
        assert result_text(result, str)
    else:
        assert result.places
    if status in ("invalid", "outside"):
        assert fake.calls == []
    for call in fake.calls:
        assert len(call["query"]) <= MAX_QUERY_CHARS
        assert all(ch.isprintable() for ch in call["query"])


def test_coordinates_result(gaz):
    result = make(gaz).geocode("51.2245, 4.4298")
    assert result.source == "coordinates"
    (place,) = result.places
    assert (place.kind, place.lat, place.lon, place.label) == ("coordinates", 51.2245, 4.4298, "51.22450, 4.42980")
    outside = make(gaz).geocode("48.85, 2.35")
    assert outside.reason == gc.REASON_COORDINATES_OUTSIDE


def test_postcode_outside_message_is_filled(gaz):
    result = make(gaz).geocode("9000 Gent")
    assert result.status == "outside"
    assert "9000" in result_text(result, str)
    assert "9000" in result_text(result, lambda msgid: "Postcode {postcode} ligt niet in Antwerpen.")
    assert result_text(result, lambda msgid: "Kapot {nope}") == REASON_TEXTS[result.reason].format(postcode="9000")


def test_house_number_is_not_a_foreign_postcode(gaz):
    assert make(gaz).geocode("Turnhoutsebaan 1000 Borgerhout").status == "ok"
    assert make(gaz).geocode("Turnhoutsebaan 1000, 2140 Borgerhout").status == "ok"


def test_clean_query():
    assert clean_query("  Kiel\x00\u200b\r\n  Antwerpen\u202e ") == "Kiel Antwerpen"
    assert clean_query(None) == ""
    assert clean_query(2060) == "2060"


def test_unexpected_failure_still_answers(gaz, monkeypatch):
    geocoder = make(gaz)
    monkeypatch.setattr(geocoder.gazetteer.__class__, "search", lambda *a, **k: 1 / 0)
    result = geocoder.geocode("Kiel")
    assert result.status == "not_found" and result.reason


# --- the real geodata --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_geocoder() -> Geocoder:
    value = os.environ.get("GEODATA_DIR", "")
    needed = ("antwerpen_district_straten.json", "antwerpen_postcodes_centroids.csv", "antwerpen_wijken_stad.geojson")
    if not value or not all((Path(value) / name).is_file() for name in needed):
        pytest.skip("GEODATA_DIR is not set or lacks the Antwerp geodata files")
    clock = FakeClock()
    return Geocoder(Gazetteer.from_sources([Path(value)]), MemoryCache(), None, clock, sleep=clock.sleep)


@pytest.mark.geodata
class TestRealGeodata:
    def test_postcode(self, real_geocoder):
        result = real_geocoder.geocode("2060")
        assert (result.status, result.places[0].label) == ("ok", "2060 Antwerpen")

    def test_typo(self, real_geocoder):
        result = real_geocoder.geocode("wily vandersteenplijn")
        assert result.status == "ok"
        assert result.places[0].label == "Willy Vandersteenplein, 2060 Antwerpen"

    def test_wijk(self, real_geocoder):
        result = real_geocoder.geocode("Kiel")
        assert (result.status, result.places[0].label, result.places[0].kind) == ("ok", "Antwerpen - Kiel", "wijk")

    def test_outside(self, real_geocoder):
        assert real_geocoder.geocode("2800").status == "outside"


# --- the store-backed cache and the limit shared by every app process -------------------------


class _KeyValue:
    """A key/value store with ages, like the app's store (``cache_get``/``cache_put``)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], tuple[str, float]] = {}
        self.now = 0.0

    def cache_get(self, namespace, key, max_age=None):
        item = self.data.get((namespace, key))
        if item is None or (max_age is not None and self.now - item[1] > max_age.total_seconds()):
            return None
        return item[0]

    def cache_put(self, namespace, key, value):
        self.data[(namespace, key)] = (value, self.now)


def test_key_value_cache_round_trips_places_and_expires():
    import datetime as dt

    kv = _KeyValue()
    cache = gc.KeyValueGeocodeCache(kv, max_age=dt.timedelta(days=30))
    place = Place("Kiel", 51.19, 4.39, "wijk", "2020", "nominatim")
    cache.put("v1:kiel", [place])
    assert cache.get("v1:kiel") == [place]
    assert list(kv.data) == [("geocode", "v1:kiel")]
    kv.now += dt.timedelta(days=31).total_seconds()
    assert cache.get("v1:kiel") is None, "older than GEOCODE_CACHE_DAYS: gone"


class _Slots:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def reserve_slot(self, name, min_interval, max_wait):
        self.calls.append((name, min_interval, max_wait))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_shared_rate_limiter_waits_for_its_slot_or_gives_up():
    slept = []
    limiter = gc.SharedRateLimiter(_Slots([0.0, 0.4, None, RuntimeError("store down")]), sleep=slept.append)
    assert limiter.acquire(max_wait=1.0) is True
    assert limiter.acquire(max_wait=1.0) is True and slept == [0.4]
    assert limiter.acquire(max_wait=1.0) is False, "no slot within max_wait"
    assert limiter.acquire(max_wait=1.0) is False, "a store that cannot reserve sends no request"
    assert limiter.reserver.calls[0] == ("nominatim", 1.0, 1.0)


def test_typed_addresses_never_reach_the_log(gaz, caplog):
    """The online error's message carries the query URL; the log keeps only the kind of error."""
    import logging

    typed = "Geheimstraat 13 2060"
    error = GeocoderServiceError(f"https://nominatim.example/search?q={typed.replace(' ', '+')}: 500")
    with caplog.at_level(logging.DEBUG):
        make(gaz, FakeNominatim(error=error)).geocode(typed)
        make(gaz, FakeNominatim(error=RuntimeError(typed))).geocode(typed)
        make(gaz, cache=BrokenCache()).geocode(typed)
    assert caplog.records, "the failures are logged"
    logged = " ".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "Geheimstraat" not in logged
