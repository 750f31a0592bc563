"""Tests of the offline gazetteer: normalising, typo-tolerant search, postcodes, wijken, coordinates."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from geo.gazetteer import Gazetteer, Place, normalise, parse_coordinates, parse_query

FIXTURES = Path(__file__).parent / "fixtures"
STREETS = FIXTURES / "streets_small.json"
POSTCODES = FIXTURES / "postcodes_small.csv"
WIJKEN = FIXTURES / "wijken_gazetteer.geojson"

EXTRA = [
    Place("Buurtwerk De Wijk", 51.2245, 4.4298, "centre", "2060", "seed"),
    Place("Antwerpen-Noord", 51.2260, 4.4250, "wijk"),
    Place("Oud-Borgerhout", 51.2130, 4.4400, "wijk"),
]


def small_gazetteer() -> Gazetteer:
    """The gazetteer of the hand-made fixtures."""
    return Gazetteer.from_files(streets=[STREETS], postcodes=[POSTCODES], wijken=[WIJKEN], extra_places=EXTRA)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return small_gazetteer()


def geodata_dir() -> Path | None:
    """``GEODATA_DIR`` when it holds the real files, else ``None``."""
    value = os.environ.get("GEODATA_DIR", "")
    path = Path(value) if value else None
    needed = ("antwerpen_district_straten.json", "antwerpen_postcodes_centroids.csv", "antwerpen_wijken_stad.geojson")
    if path is None or not all((path / name).is_file() for name in needed):
        return None
    return path


def labels(matches) -> list[str]:
    return [m.place.label for m in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Désiré Van Monckhovenstraat", "desire van monckhovenstraat"),
        ("  Sint-Jansplein,  2060   ANTWERPEN ", "sint jansplein 2060 antwerpen"),
        ("Ça—va? ß", "ca va ss"),
        ("", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("query", "first_label", "score"),
    [
        ("Willy Vandersteenplein", "Willy Vandersteenplein, 2060 Antwerpen", 100),
        ("willy vandersteenplein", "Willy Vandersteenplein, 2060 Antwerpen", 100),
        ("WILLY VANDERSTEENPLEIN", "Willy Vandersteenplein, 2060 Antwerpen", 100),
        ("Willy Vandersteenplein 1, 2060 Antwerpen", "Willy Vandersteenplein, 2060 Antwerpen", 100),
        ("Willy Vandersteen plein", "Willy Vandersteenplein, 2060 Antwerpen", 100),
        ("desire van monckhovenstraat", "Désiré Van Monckhovenstraat, 2140 Borgerhout", 100),
        ("Désiré van Monckhovenstraat 12", "Désiré Van Monckhovenstraat, 2140 Borgerhout", 100),
        ("wily vandersteenplijn", "Willy Vandersteenplein, 2060 Antwerpen", None),
        ("schijfstraat", "Schijfstraat, 2020 Antwerpen", 100),
        ("schyfstraat", "Schijfstraat, 2020 Antwerpen", None),
        ("sint-jansplein", "Sint-Jansplein, 2060 Antwerpen", 100),
        ("St-Jansplein", "Sint-Jansplein, 2060 Antwerpen", 100),
        ("st. jansplein 3", "Sint-Jansplein, 2060 Antwerpen", 100),
        ("carnotstr. 5", "Carnotstraat, 2060 Antwerpen", 100),
        ("4 septemberpad", "4 septemberpad, 2020 Antwerpen", 100),
        ("Turnhoutsebaan 12 bus 3", "Turnhoutsebaan, 2140 Borgerhout", 100),
        ("2060", "2060 Antwerpen", 100),
        ("2060 Antwerpen", "2060 Antwerpen", 100),
        ("Borgerhout", "2140 Borgerhout", 100),
        ("kiel", "Antwerpen - Kiel", 100),
        ("Kiel, Antwerpen", "Antwerpen - Kiel", 100),
        ("Antwerpen - Stuivenberg", "Antwerpen - Stuivenberg", 100),
        ("stuivenbreg", "Antwerpen - Stuivenberg", None),
        ("Deurne-Noord", "Deurne - Noord", 100),
        ("buurtwerk de wijk", "Buurtwerk De Wijk", 100),
        ("oud borgerhout", "Oud-Borgerhout", 100),
    ],
)
def test_search_finds(gaz, query, first_label, score):
    matches = gaz.search(query)
    assert matches, query
    assert matches[0].place.label == first_label
    if score is not None:
        assert matches[0].score == score
    else:
        assert 80 <= matches[0].score < 100


def test_typo_is_the_only_good_match(gaz):
    matches = gaz.search("wily vandersteenplijn")
    assert matches[0].score >= 88
    assert all(m.score < matches[0].score - 3 for m in matches[1:])


def test_wijk_point_inside_its_square(gaz):
    place = gaz.search("kiel")[0].place
    assert place.kind == "wijk"
    assert 51.184 < place.lat < 51.194 and 4.372 < place.lon < 4.390


def test_wijk_name_with_crlf_is_stripped_and_river_skipped(gaz):
    assert "Deurne - Noord" in labels(gaz.search("deurne noord"))
    assert not any(m.place.label == "Schelde" for m in gaz.search("schelde"))


def test_street_point_is_centre_of_merged_boxes(gaz):
    place = gaz.search("Turnhoutsebaan")[0].place
    assert place.kind == "street" and place.postcode == "2140"
    assert place.lon == pytest.approx((4.43 + 4.47) / 2)
    assert place.lat == pytest.approx((51.212 + 51.217) / 2)
    assert labels(gaz.search("Turnhoutsebaan")).count("Turnhoutsebaan, 2140 Borgerhout") == 1


def test_ambiguous_street_gives_several_matches(gaz):
    matches = gaz.search("Mechelsesteenweg")
    top = [m for m in matches if m.score == 100]
    assert {m.place.postcode for m in top} == {"2000", "2018"}


def test_postcode_in_query_prefers_that_postcode(gaz):
    matches = gaz.search("Mechelsesteenweg 2018")
    assert matches[0].place.postcode == "2018"
    assert matches[0].score > matches[1].score


def test_short_wijk_name_ambiguous_between_districts(gaz):
    # "Noord" is the short name of "Deurne - Noord" only here; both names index the same point
    assert gaz.search("noord")[0].place.label == "Deurne - Noord"


@pytest.mark.parametrize("query", ["qwertyuiop", "", "   ", "!!!", "x", "12"])
def test_unknown_or_empty_finds_nothing(gaz, query):
    assert gaz.search(query) == []


def test_unknown_postcode_finds_nothing(gaz):
    assert gaz.search("2170") == []  # an Antwerp postcode, but not in the small fixture
    assert gaz.search("1000") == []


def test_suggestions_are_looser(gaz):
    assert gaz.search("vandrstn plein") == []
    assert "Willy Vandersteenplein, 2060 Antwerpen" in gaz.suggestions("vandrstn plein")
    assert gaz.suggestions("qwertyuiop") == []
    assert len(gaz.suggestions("straat", limit=2)) <= 2


def test_limit(gaz):
    assert len(gaz.search("straat", limit=2)) <= 2
    assert gaz.search("kiel", limit=0) == []


def test_parse_query():
    parsed = parse_query("Willy Vandersteenplein 1, 2060 Antwerpen")
    assert parsed.name == "willy vandersteenplein"
    assert parsed.postcode == "2060"
    assert parsed.house_number == "1"
    street = parse_query("Omheining Statie van Borgerhout")  # ends in a place name: still found by ``full``
    assert (street.name, street.full) == ("omheining statie van", "omheining statie van borgerhout")
    assert parse_query("Antwerpen").name == "antwerpen"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("51.22, 4.43", (51.22, 4.43)),
        ("51.22 4.43", (51.22, 4.43)),
        ("51,22451; 4,42985", (51.22451, 4.42985)),
        ("51.2245,4.4298", (51.2245, 4.4298)),
        ("  51.2245 ,  4.4298  ", (51.2245, 4.4298)),
        ("51.22°N 4.43°E", (51.22, 4.43)),
        ("-33.9, 18.4", (-33.9, 18.4)),
        ("2060", None),
        ("51 4", None),
        ("12, 3", None),
        ("Turnhoutsebaan 12, 2140", None),
        ("91.5, 4.4", None),
        ("51.2, 190.5", None),
        ("", None),
        ("51.22, 4.43, 7", None),
    ],
)
def test_parse_coordinates(text, expected):
    assert parse_coordinates(text) == expected


def test_from_sources_finds_and_merges_files(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(STREETS, first / "antwerpen_district_straten.json")
    shutil.copy(STREETS, second / "antwerpen_straten.json")  # same streets again: deduplicated
    shutil.copy(POSTCODES, first / "antwerpen_postcodes_centroids.csv")
    shutil.copy(WIJKEN, second / "antwerpen_wijken_stad.geojson")
    gaz = Gazetteer.from_sources([first, second, tmp_path / "missing"], extra_places=EXTRA)
    assert len(gaz) == len(small_gazetteer())
    assert gaz.search("2060")[0].place.label == "2060 Antwerpen"
    assert gaz.search("kiel")[0].place.kind == "wijk"
    assert gaz.postcodes == {"2000", "2018", "2020", "2060", "2100", "2140"}


def test_missing_and_broken_files_are_fine(tmp_path):
    assert len(Gazetteer.from_sources([])) == 0
    assert Gazetteer.from_sources([tmp_path]).search("kiel") == []
    (tmp_path / "antwerpen_district_straten.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "antwerpen_wijken_stad.geojson").write_text('{"features": 3}', encoding="utf-8")
    (tmp_path / "antwerpen_postcodes_centroids.csv").write_text("postcode,lat,lon\n2060,x,4.4\n", encoding="utf-8")
    gaz = Gazetteer.from_sources([tmp_path], extra_places=EXTRA)
    assert labels(gaz.search("buurtwerk de wijk")) == ["Buurtwerk De Wijk"]


def test_many_entries_search_quickly():
    """Sanity (not a timing test): 5,000 names are still searched in well under a second."""
    extra = [Place(f"Teststraat {i:04d}x{chr(97 + i % 26)}", 51.2, 4.4, "street", "2000") for i in range(5000)]
    gaz = Gazetteer.from_files(streets=[STREETS], extra_places=extra)
    started = time.perf_counter()
    for _ in range(5):
        assert gaz.search("wily vandersteenplijn")[0].place.label.startswith("Willy Vandersteenplein")
    assert (time.perf_counter() - started) / 5 < 1.0


@pytest.fixture(scope="module")
def real() -> Gazetteer:
    path = geodata_dir()
    if path is None:
        pytest.skip("GEODATA_DIR is not set or lacks the Antwerp geodata files")
    return Gazetteer.from_sources([path])


@pytest.mark.geodata
class TestRealGeodata:
    def test_postcode(self, real):
        assert real.search("2060")[0].place.label == "2060 Antwerpen"

    def test_typo(self, real):
        match = real.search("wily vandersteenplijn")[0]
        assert match.place.label == "Willy Vandersteenplein, 2060 Antwerpen"

    def test_wijk(self, real):
        match = real.search("Kiel")[0]
        assert (match.place.label, match.place.kind, match.score) == ("Antwerpen - Kiel", "wijk", 100)

    def test_river_is_not_a_wijk(self, real):
        assert "Schelde" not in labels(real.search("Schelde"))

    def test_ambiguous_street(self, real):
        assert {m.place.postcode for m in real.search("Mechelsesteenweg") if m.score == 100} == {"2000", "2018"}
