"""Tests of geo.boundaries: loading wijken, unions, point lookup and GeoJSON output."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, shape

from geo import boundaries as boundaries_module
from geo.boundaries import (
    WIJKEN_FILENAME,
    Boundaries,
    BoundaryError,
    find_wijken_file,
    load_boundaries,
    load_wijken,
    to_geojson,
)
from solidarity.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "wijken_squares.geojson"
SQUARE = 0.01 * 0.01  # area of one fixture wijk in square degrees

#: The five buurtwerk areas (PROVENANCE.md), as centre rows.
CENTRES = [
    {"id": "de-wijk", "wijkcodes": "ANT20;ANT01;ANT04"},
    {"id": "borgerbaan", "wijkcodes": "BOR02; BOR03"},
    {"id": "dinamo", "wijkcodes": "DEU01"},
    {"id": "pleintje", "wijkcodes": "DEU05;DEU06"},
    {"id": "de-stek", "wijkcodes": "ANT10"},
    {"id": "office", "wijkcodes": ""},
    {"id": "elsewhere", "wijkcodes": "XYZ99"},
]


@pytest.fixture(scope="module")
def boundaries() -> Boundaries:
    return Boundaries(load_wijken(FIXTURE))


def settings_for(geodata_dir: Path | str = "", cache_dir: Path | str = "") -> list[Path]:
    """The geodata directories the app passes for these settings."""
    return Settings(GEODATA_DIR=str(geodata_dir), GEODATA_CACHE_DIR=str(cache_dir)).geodata_paths


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def feature(code: str | None, geometry: dict | None, name: str = "Wijk") -> dict:
    props = {"wijknaam": name} if code is None else {"wijkcode": code, "wijknaam": name}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def square(x: float, y: float, size: float = 0.01) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


# --- loading -------------------------------------------------------------------------------


def test_load_wijken_reads_codes_names_and_geometries() -> None:
    wijken = load_wijken(FIXTURE)
    assert [w.code for w in wijken] == ["ANT01", "ANT04", "ANT10", "ANT20", "BOR02", "BOR03", "DEU01", "DEU05", "DEU06"]
    by_code = {w.code: w for w in wijken}
    assert by_code["BOR03"].name == "Borgerhout - Intra muros (zuid)"  # trailing CR/LF stripped
    assert by_code["ANT20"].name == "Antwerpen - Stuivenberg"
    assert by_code["DEU06"].geometry.geom_type == "MultiPolygon"
    assert all(w.geometry.is_valid for w in wijken)
    assert by_code["ANT20"].geometry.area == pytest.approx(SQUARE)


def test_invalid_geometry_is_repaired(tmp_path: Path) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[4.40, 51.20], [4.41, 51.21], [4.41, 51.20], [4.40, 51.21], [4.40, 51.20]]],
    }
    assert not shape(bow_tie).is_valid
    path = write_json(tmp_path / "w.geojson", {"type": "FeatureCollection", "features": [feature("ANT09", bow_tie)]})
    (wijk,) = load_wijken(path)
    assert wijk.geometry.is_valid
    assert wijk.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert wijk.geometry.area == pytest.approx(SQUARE / 2)


def test_features_without_wijkcode_are_skipped_and_duplicates_merged(tmp_path: Path) -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            feature(None, square(4.40, 51.20)),
            feature("ANT09", square(4.40, 51.20), "Antwerpen - Historisch centrum"),
            feature("ANT09", square(4.41, 51.20), "Antwerpen - Historisch centrum"),
        ],
    }
    (wijk,) = load_wijken(write_json(tmp_path / "w.geojson", data))
    assert wijk.geometry.area == pytest.approx(2 * SQUARE)
    assert wijk.geometry.geom_type == "Polygon"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        ("[]", "not a GeoJSON FeatureCollection"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection"}', "no list of features"),
        ('{"type": "FeatureCollection", "features": []}', "no feature with a wijkcode"),
        (
            json.dumps({"type": "FeatureCollection", "features": [feature(None, square(4.4, 51.2))]}),
            "no feature with a wijkcode",
        ),
        (json.dumps({"type": "FeatureCollection", "features": [feature("ANT01", None)]}), "not a (Multi)Polygon"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [feature("ANT01", {"type": "Point", "coordinates": [4.4, 51.2]})],
                }
            ),
            "not a (Multi)Polygon",
        ),
        (
            json.dumps(
                {"type": "FeatureCollection", "features": [feature("ANT01", {"type": "Polygon", "coordinates": "x"})]}
            ),
            "broken geometry",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": [feature("ANT01", square(152000.0, 212000.0, 500))]}),
            "not in WGS84",
        ),
    ],
)
def test_broken_files_raise_boundary_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / WIJKEN_FILENAME
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(BoundaryError, match=re.escape(message)) as info:
        load_wijken(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)


# --- finding and loading through the settings -------------------------------------------------


def test_find_wijken_file_prefers_geodata_dir_then_cache(tmp_path: Path) -> None:
    geodata, cache = tmp_path / "geodata", tmp_path / "cache"
    geodata.mkdir()
    cache.mkdir()
    assert find_wijken_file(settings_for(geodata, cache)) is None
    (cache / WIJKEN_FILENAME).write_bytes(FIXTURE.read_bytes())
    assert find_wijken_file(settings_for(geodata, cache)) == cache / WIJKEN_FILENAME
    (geodata / WIJKEN_FILENAME).write_bytes(FIXTURE.read_bytes())
    assert find_wijken_file(settings_for(geodata, cache)) == geodata / WIJKEN_FILENAME
    assert find_wijken_file(settings_for("", tmp_path / "missing")) is None


def test_load_boundaries(tmp_path: Path) -> None:
    (tmp_path / WIJKEN_FILENAME).write_bytes(FIXTURE.read_bytes())
    loaded = load_boundaries(settings_for(tmp_path, tmp_path / "no-cache"))
    assert loaded is not None
    assert len(loaded) == 9
    assert "ANT20" in loaded
    assert load_boundaries(settings_for(tmp_path, tmp_path / "no-cache")) is loaded  # cached per file version


def test_load_boundaries_none_without_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    boundaries_module._warned.clear()
    with caplog.at_level(logging.WARNING, logger="geo.boundaries"):
        assert load_boundaries(settings_for("", tmp_path)) is None
    assert "make geodata" in caplog.text


def test_load_boundaries_none_for_broken_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    boundaries_module._warned.clear()
    (tmp_path / WIJKEN_FILENAME).write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="geo.boundaries"):
        assert load_boundaries(settings_for(tmp_path, tmp_path / "no-cache")) is None
    assert "not valid JSON" in caplog.text


# --- areas -----------------------------------------------------------------------------------


def test_area_is_union_of_adjacent_wijken(boundaries: Boundaries) -> None:
    noord = boundaries.area(["ANT20", "ANT01", "ANT04"])
    assert noord is not None
    assert noord.geom_type == "Polygon"  # adjacent squares melt into one polygon
    assert noord.area == pytest.approx(3 * SQUARE)
    assert noord.contains(shapely.Point(4.415, 51.225)) and noord.contains(shapely.Point(4.425, 51.235))
    assert boundaries.area("ANT01;ANT20; ANT04") is noord  # same key -> cached object
    assert boundaries.area(["ANT20"]).equals(boundaries.get("ANT20").geometry)


def test_area_ignores_unknown_codes(boundaries: Boundaries) -> None:
    assert boundaries.area(["ANT20", "XYZ99"]).area == pytest.approx(SQUARE)
    assert boundaries.area(["XYZ99"]) is None
    assert boundaries.area([]) is None
    assert boundaries.unknown("ANT20;XYZ99") == ["XYZ99"]


def test_centre_areas(boundaries: Boundaries) -> None:
    areas = boundaries.centre_areas(CENTRES)
    assert set(areas) == {"de-wijk", "borgerbaan", "dinamo", "pleintje", "de-stek"}
    assert areas["borgerbaan"].area == pytest.approx(2 * SQUARE)
    assert areas["dinamo"].area == pytest.approx(SQUARE)
    assert areas["pleintje"].geom_type == "MultiPolygon"
    assert areas["de-stek"].contains(shapely.Point(4.375, 51.185))


# --- point in polygon --------------------------------------------------------------------------


def test_wijk_of(boundaries: Boundaries) -> None:
    assert boundaries.wijk_of(51.225, 4.425) == ("ANT20", "Antwerpen - Stuivenberg")
    assert boundaries.wijk_of(51.205, 4.435) == ("BOR03", "Borgerhout - Intra muros (zuid)")
    assert boundaries.wijk_of(51.194, 4.48) == ("DEU06", "Deurne - Zuidoost")  # second part of the MultiPolygon
    assert boundaries.wijk_of(51.30, 4.30) is None  # outside every wijk
    assert boundaries.wijk_of(51.215, 4.425) is None  # gap between squares
    assert boundaries.wijk_of(51.225, 4.42) == ("ANT01", "Antwerpen - Amandus & Atheneum")  # shared border
    assert boundaries.wijk_of(51.22, 4.44) == ("BOR02", "Borgerhout - Intra muros (noord)")  # outer edge counts
    assert boundaries.wijk_of(math.nan, 4.425) is None
    assert boundaries.wijk_of(None, None) is None  # type: ignore[arg-type]


def test_vectorised_agrees_with_scalar(boundaries: Boundaries) -> None:
    rng = np.random.default_rng(20240601)
    lats = rng.uniform(51.17, 51.25, 3000)
    lons = rng.uniform(4.36, 4.49, 3000)
    # border and corner points, and missing coordinates
    lats = np.concatenate([lats, [51.225, 51.22, 51.23, 51.21, np.nan, 51.2]])
    lons = np.concatenate([lons, [4.42, 4.43, 4.43, 4.44, 4.42, np.nan]])
    codes = boundaries.wijk_codes_of(lats, lons)
    scalar = [boundaries.wijk_of(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert codes == [None if found is None else found[0] for found in scalar]
    assert {code for code in codes if code} == set(boundaries.codes)
    assert codes.count(None) > 0
    assert boundaries.wijk_codes_of([], []) == []
    assert boundaries.wijk_codes_of([51.225, None], [4.425, 4.425]) == ["ANT20", None]
    with pytest.raises(ValueError):
        boundaries.wijk_codes_of([51.2], [4.4, 4.5])


def test_vectorised_is_fast(boundaries: Boundaries) -> None:
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(51.14, 51.38, 10_000), rng.uniform(4.25, 4.52, 10_000)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        codes = boundaries.wijk_codes_of(lats, lons)
        best = min(best, time.perf_counter() - start)
    assert len(codes) == 10_000
    assert best < 0.05


def test_wijken_along(boundaries: Boundaries) -> None:
    across = LineString([(4.412, 51.225), (4.428, 51.225)])  # 8 in ANT01, 8 in ANT20
    assert sorted(boundaries.wijken_along(across)) == ["ANT01", "ANT20"]
    mostly_ant20 = LineString([(4.418, 51.225), (4.429, 51.225)])
    assert boundaries.wijken_along(mostly_ant20) == ["ANT20", "ANT01"]  # longest stretch first
    ends_at_border = LineString([(4.425, 51.225), (4.42, 51.225)])  # ends on the ANT01/ANT20 border
    assert boundaries.wijken_along(ends_at_border) == ["ANT20"]
    assert boundaries.wijken_along(LineString([(4.3, 51.3), (4.31, 51.3)])) == []
    assert boundaries.wijken_along(LineString([(4.425, 51.225), (4.425, 51.225)])) == ["ANT20"]


# --- GeoJSON -----------------------------------------------------------------------------------


def _decimals(coords: object) -> int:
    if isinstance(coords, float):
        text = repr(coords)
        return len(text.split(".")[1]) if "." in text else 0
    return max((_decimals(item) for item in coords), default=0)  # type: ignore[union-attr]


def test_to_geojson_round_trip(boundaries: Boundaries) -> None:
    areas = boundaries.centre_areas(CENTRES)
    props = {key: {"name": f"Buurtwerk {key}", "colour": "#123456"} for key in areas}
    collection = json.loads(json.dumps(to_geojson({**areas, "empty": None}, props)))
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == list(areas)
    for item in collection["features"]:
        key = item["id"]
        assert item["properties"] == {"id": key, **props[key]}
        assert _decimals(item["geometry"]["coordinates"]) <= 5
        back = shape(item["geometry"])
        assert back.is_valid
        assert back.hausdorff_distance(areas[key]) < 1e-5
    assert Boundaries.to_geojson(areas, props) == to_geojson(areas, props)


def test_to_geojson_rounds_real_looking_coordinates() -> None:
    polygon = shapely.Polygon(
        [(4.4276417489, 51.2213352571), (4.431, 51.2213352571), (4.431, 51.2249), (4.4276417489, 51.2249)]
    )
    (item,) = to_geojson({"a": polygon})["features"]
    assert item["geometry"]["type"] == "Polygon"
    assert _decimals(item["geometry"]["coordinates"]) <= 5
    assert shape(item["geometry"]).hausdorff_distance(polygon) < 1e-5  # snapped to a 1e-5 grid
    simplified = to_geojson({"a": polygon}, tolerance=0.00005)["features"][0]
    assert shape(simplified["geometry"]).is_valid


def test_wijken_geojson(boundaries: Boundaries) -> None:
    collection = boundaries.wijken_geojson(["ANT20", "BOR03", "XYZ99"], {"ANT20": {"count": 3}})
    props = {f["id"]: f["properties"] for f in collection["features"]}
    assert props == {
        "ANT20": {"id": "ANT20", "wijkcode": "ANT20", "wijknaam": "Antwerpen - Stuivenberg", "count": 3},
        "BOR03": {"id": "BOR03", "wijkcode": "BOR03", "wijknaam": "Borgerhout - Intra muros (zuid)"},
    }
    assert len(boundaries.wijken_geojson()["features"]) == 9


def test_geo_modules_do_not_import_streamlit() -> None:
    code = "import sys, geo.boundaries, geo.opendata; sys.exit('streamlit' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent, timeout=60)
    assert done.returncode == 0


# --- the real Antwerp file -------------------------------------------------------------------------


def _real_wijken() -> Path:
    directory = os.environ.get("GEODATA_DIR", "")
    path = Path(directory) / WIJKEN_FILENAME
    if not directory or not path.is_file():
        pytest.skip("GEODATA_DIR with antwerpen_wijken_stad.geojson not set")
    return path


@pytest.mark.geodata
def test_real_wijken() -> None:
    real = Boundaries(load_wijken(_real_wijken()))
    assert len(real) == 67
    assert real.name("BOR04") == "Borsbeek - Oost"
    assert real.wijk_of(51.22451, 4.42985) == ("ANT20", "Antwerpen - Stuivenberg")  # Willy Vandersteenplein
    areas = real.centre_areas(CENTRES)
    assert set(areas) == {"de-wijk", "borgerbaan", "dinamo", "pleintje", "de-stek"}
    for key in ("de-wijk", "borgerbaan", "pleintje"):
        assert areas[key].geom_type == "Polygon", key  # neighbouring wijken share their borders
    collection = to_geojson(areas)
    assert len(json.dumps(collection)) < 100_000
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(51.14, 51.38, 10_000), rng.uniform(4.25, 4.52, 10_000)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        codes = real.wijk_codes_of(lats, lons)
        best = min(best, time.perf_counter() - start)
    assert best < 0.05
    sample = slice(0, 500)
    assert codes[sample] == [None if f is None else f[0] for f in map(real.wijk_of, lats[sample], lons[sample])]
