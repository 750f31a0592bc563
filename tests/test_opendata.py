"""Tests of geo.opendata (``make geodata``) against a local fake of the city's ArcGIS portal."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from geo import opendata
from geo.boundaries import WIJKEN_FILENAME, load_wijken
from geo.opendata import POSTCODES_FILENAME, STREETS_FILENAME
from solidarity.geodata import main
from solidarity.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "wijken_squares.geojson"
PROJECT_DIR = Path(__file__).parent.parent
WIJKEN_PATH = "/P_Portal/portal_publiek2/MapServer/97/query"
STREETS_PATH = "/P_Portal/portal_publiek9/MapServer/905/query"
BASE_PARAMS = {"where": "1=1", "outFields": "*", "outSR": "4326", "f": "geojson"}
#: Keys of the reference file antwerpen_district_straten.json.
METADATA_KEYS = ["title", "source", "sourceUrl", "license", "retrievedOn", "fields"]
STREET_FIELDS = ["id", "naam", "postcode", "wijken", "kader [minLon, minLat, maxLon, maxLat]"]

Route = Callable[[dict[str, str]], "tuple[int, bytes] | None"]


@dataclass
class Portal:
    """A fake portal: ``routes`` maps a path to a function of the query (``None`` = never answer)."""

    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def settings(self, cache: Path, timeout: float = 5.0, geodata_dir: Path | str = "") -> Settings:
        return Settings(
            OPENDATA_BASE_URL=self.url,
            OPENDATA_TIMEOUT=timeout,
            GEODATA_CACHE_DIR=str(cache),
            GEODATA_DIR=str(geodata_dir),
        )

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        portal: Portal = self.server.portal
        portal.requests.append((url.path, params, dict(self.headers)))
        route = portal.routes.get(url.path)
        answer = route(params) if route else (404, b'{"error": {"code": 404, "message": "not found"}}')
        if answer is None:  # accept, never answer
            portal.release.wait(10)
            return
        status, body = answer
        self.send_response(status)
        self.send_header("Content-Type", "application/geo+json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test server
        pass


@pytest.fixture
def portal() -> Iterator[Portal]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    fake = Portal(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.portal = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def serve_bytes(body: bytes, status: int = 200) -> Route:
    return lambda params: (status, body)


def serve_json(data: object, status: int = 200) -> Route:
    return serve_bytes(json.dumps(data).encode("utf-8"), status)


def line(props: dict[str, Any], *coords: tuple[float, float]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
    }


#: Six segments of the street register, with the upper-case field names of an ArcGIS layer.
SEGMENTS: list[dict[str, Any]] = [
    line(
        {"OBJECTID": 11, "STRAATNAAMID": 225301, "STRAATNAAM": "Willy Vandersteenplein", "POSTCODE_LINKS": 2060},
        (4.423, 51.226),
        (4.426, 51.227),
    ),
    line(
        {"OBJECTID": 12, "STRAATNAAMID": 1931, "STRAATNAAM": "Turnhoutsebaan", "POSTCODE_LINKS": "2140"},
        (4.432, 51.2185),
        (4.438, 51.2115),
    ),
    {
        "type": "Feature",
        "properties": {"OBJECTID": 13, "STRAATNAAMID": 1931, "STRAATNAAM": "Turnhoutsebaan ", "POSTCODE_LINKS": 2140.0},
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [[[4.438, 51.2115], [4.439, 51.2085]], [[4.439, 51.2085], [4.4395, 51.2015]]],
        },
    },
    line(
        {"OBJECTID": 14, "STRAATNAAMID": 558, "STRAATNAAM": "Dambruggestraat", "POSTCODE_LINKS": "2060"},
        (4.4150, 51.2250),
        (4.4280, 51.2250),
    ),
    line(
        {"OBJECTID": 15, "STRAATNAAMID": 12, "STRAATNAAM": "Abdijstraat", "POSTCODE_LINKS": "2020"},
        (4.372, 51.183),
        (4.376, 51.186),
    ),
    line(
        {"OBJECTID": 16, "STRAATNAAMID": 9001, "STRAATNAAM": "Bredabaan", "POSTCODE_LINKS": "2900"},
        (4.50, 51.27),
        (4.51, 51.28),
    ),
]


def paged_streets(features: list[dict[str, Any]], max_records: int = 2, flag: str | None = "top") -> Route:
    """An ArcGIS-like paged answer: at most ``max_records`` per page, ``exceededTransferLimit`` as ``flag``."""

    def route(params: dict[str, str]) -> tuple[int, bytes]:
        offset = int(params.get("resultOffset", 0))
        count = min(int(params.get("resultRecordCount", max_records)), max_records)
        page: dict[str, Any] = {"type": "FeatureCollection", "features": features[offset : offset + count]}
        more = offset + count < len(features)
        if flag == "top" and more:
            page["exceededTransferLimit"] = True
        elif flag == "properties" and more:
            page["properties"] = {"exceededTransferLimit": True}
        return 200, json.dumps(page).encode("utf-8")

    return route


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- wijken --------------------------------------------------------------------------------------


def test_wijken_download(portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    portal.routes[WIJKEN_PATH] = serve_bytes(FIXTURE.read_bytes())
    cache = tmp_path / "cache"  # created on demand
    assert main(["--only", "wijken"], portal.settings(cache)) == 0
    assert portal.paths() == [WIJKEN_PATH]
    _, params, headers = portal.requests[0]
    assert params == BASE_PARAMS
    assert headers["User-Agent"].startswith("solidariteitskaart-antwerpen/")
    wijken = load_wijken(cache / WIJKEN_FILENAME)
    assert len(wijken) == 9
    assert json.loads((cache / WIJKEN_FILENAME).read_text(encoding="utf-8")) == json.loads(
        FIXTURE.read_text(encoding="utf-8")
    )
    assert leftovers(cache) == []
    assert "9 wijken written" in capsys.readouterr().out


@pytest.mark.geodata
def test_real_wijken_land_in_cache(portal: Portal, tmp_path: Path) -> None:
    directory = os.environ.get("GEODATA_DIR", "")
    real = Path(directory) / WIJKEN_FILENAME
    if not directory or not real.is_file():
        pytest.skip("GEODATA_DIR with antwerpen_wijken_stad.geojson not set")
    portal.routes[WIJKEN_PATH] = serve_bytes(real.read_bytes())
    assert main(["--only", "wijken"], portal.settings(tmp_path)) == 0
    cached = json.loads((tmp_path / WIJKEN_FILENAME).read_text(encoding="utf-8"))
    assert len(cached["features"]) == 67
    assert len(load_wijken(tmp_path / WIJKEN_FILENAME)) == 67


@pytest.mark.geodata
def test_street_schema_matches_reference_file(portal: Portal, tmp_path: Path) -> None:
    directory = os.environ.get("GEODATA_DIR", "")
    reference_path = Path(directory) / "antwerpen_district_straten.json"
    if not directory or not reference_path.is_file():
        pytest.skip("GEODATA_DIR with antwerpen_district_straten.json not set")
    reference = json.loads(reference_path.read_text(encoding="utf-8"))
    portal.routes[STREETS_PATH] = paged_streets(SEGMENTS)
    assert main(["--only", "streets"], portal.settings(tmp_path / "cache")) == 0
    ours = json.loads((tmp_path / "cache" / STREETS_FILENAME).read_text(encoding="utf-8"))
    assert list(ours) == list(reference)
    assert ours["schemaVersion"] == reference["schemaVersion"]
    assert list(ours["metadata"]) == list(reference["metadata"])
    assert ours["metadata"]["fields"] == reference["metadata"]["fields"]
    shape_of = lambda row: [type(row[0]), type(row[1]), type(row[2]), type(row[3]), len(row[4])]  # noqa: E731
    assert {str(shape_of(row)) for row in ours["streets"]} == {str(shape_of(row)) for row in reference["streets"]}


# --- streets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["top", "properties"])
def test_streets_paging_aggregation_and_schema(portal: Portal, tmp_path: Path, flag: str) -> None:
    portal.routes[WIJKEN_PATH] = serve_bytes(FIXTURE.read_bytes())
    portal.routes[STREETS_PATH] = paged_streets(SEGMENTS, flag=flag)
    assert main([], portal.settings(tmp_path)) == 0

    street_requests = [params for path, params, _ in portal.requests if path == STREETS_PATH]
    assert [p["resultOffset"] for p in street_requests] == ["0", "2", "4"]
    assert all(
        p["resultRecordCount"] == "1000" and {k: p[k] for k in BASE_PARAMS} == BASE_PARAMS for p in street_requests
    )

    document = json.loads((tmp_path / STREETS_FILENAME).read_text(encoding="utf-8"))
    assert list(document) == ["schemaVersion", "metadata", "streets"]
    assert document["schemaVersion"] == 1
    assert list(document["metadata"]) == METADATA_KEYS
    assert document["metadata"]["fields"] == STREET_FIELDS
    assert document["metadata"]["sourceUrl"] == f"{portal.url}/P_Portal/portal_publiek9/MapServer/905"
    assert document["streets"] == [
        ["12", "Abdijstraat", "2020", ["ANT10"], [4.372, 51.183, 4.376, 51.186]],
        ["9001", "Bredabaan", "2900", [], [4.5, 51.27, 4.51, 51.28]],
        ["558", "Dambruggestraat", "2060", ["ANT20", "ANT01"], [4.415, 51.225, 4.428, 51.225]],
        ["1931", "Turnhoutsebaan", "2140", ["BOR02", "BOR03"], [4.432, 51.2015, 4.4395, 51.2185]],
        ["225301", "Willy Vandersteenplein", "2060", ["ANT20"], [4.423, 51.226, 4.426, 51.227]],
    ]
    for row in document["streets"]:
        assert [type(value) for value in row[:3]] == [str, str, str]
        assert all(isinstance(code, str) for code in row[3])
        assert len(row[4]) == 4 and all(isinstance(value, float) for value in row[4])

    with (tmp_path / POSTCODES_FILENAME).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["postcode", "plaatsnaam", "district", "lat", "lon", "method"]
    by_postcode = {row["postcode"]: row for row in rows}
    assert list(by_postcode) == ["2020", "2060", "2140"]  # 2900 is not an Antwerp postcode
    assert by_postcode["2140"]["plaatsnaam"] == "Borgerhout" and by_postcode["2140"]["district"] == "Borgerhout"
    assert float(by_postcode["2060"]["lat"]) == pytest.approx((51.225 + 51.2265) / 2)
    assert float(by_postcode["2060"]["lon"]) == pytest.approx((4.4215 + 4.4245) / 2)
    assert by_postcode["2060"]["method"].startswith("median of centres of 2 street bounding boxes")
    assert leftovers(tmp_path) == []


def test_streets_page_size_without_flag_stops_at_empty_page(portal: Portal, tmp_path: Path) -> None:
    portal.routes[STREETS_PATH] = paged_streets(SEGMENTS, flag=None)
    assert main(["--only", "streets", "--page-size", "2"], portal.settings(tmp_path)) == 0
    assert [p["resultOffset"] for _, p, _ in portal.requests] == ["0", "2", "4", "6"]
    assert all(p["resultRecordCount"] == "2" for _, p, _ in portal.requests)
    streets = json.loads((tmp_path / STREETS_FILENAME).read_text(encoding="utf-8"))["streets"]
    assert len(streets) == 5
    assert all(row[3] == [] for row in streets)  # no wijken file anywhere: no wijkcodes


def test_streets_use_wijken_from_geodata_dir(portal: Portal, tmp_path: Path) -> None:
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    (geodata / WIJKEN_FILENAME).write_bytes(FIXTURE.read_bytes())
    portal.routes[STREETS_PATH] = paged_streets(SEGMENTS)
    assert main(["--only", "streets"], portal.settings(tmp_path / "cache", geodata_dir=geodata)) == 0
    assert portal.paths() == [STREETS_PATH] * 3
    streets = json.loads((tmp_path / "cache" / STREETS_FILENAME).read_text(encoding="utf-8"))["streets"]
    assert {row[1]: row[3] for row in streets}["Willy Vandersteenplein"] == ["ANT20"]


def test_street_fields_are_mapped_defensively() -> None:
    features = [
        line({"naam": "Kerkstraat", "postcode_rechts": "B-2140", "id": "77"}, (4.43, 51.21), (4.431, 51.211)),
        line({"Straatnaam": "Kerkstraat", "PostCode": 2140, "ObjectId": 5}, (4.431, 51.211), (4.432, 51.212)),
        line(
            {"straatnm": "Lange Kievitstraat", "postcodelinks": "2018", "straatnaamid": 3.0},
            (4.41, 51.21),
            (4.412, 51.211),
        ),
        line({"STRAATNAAM": "  Nameless  geometry "}, (4.41, 51.21), (4.41, 51.21)),
        {
            "type": "Feature",
            "properties": {"STRAATNAAM": "Pointstraat"},
            "geometry": {"type": "Point", "coordinates": [4.4, 51.2]},
        },
        {"type": "Feature", "properties": {"STRAATNAAM": "Nullstraat"}, "geometry": None},
        line({"OBJECTID": 1}, (4.41, 51.21), (4.42, 51.22)),
    ]
    table = opendata.aggregate_streets(features)
    assert table.streets == [
        ["5", "Kerkstraat", "2140", [], [4.43, 51.21, 4.432, 51.212]],
        ["3", "Lange Kievitstraat", "2018", [], [4.41, 51.21, 4.412, 51.211]],
        ["", "Nameless geometry", "", [], [4.41, 51.21, 4.41, 51.21]],
    ]
    assert (table.segments, table.skipped) == (4, 3)


# --- failures leave the cache alone -----------------------------------------------------------


BAD_ANSWERS = {
    "http-500": (500, b"Internal Server Error"),
    "arcgis-error": (
        200,
        json.dumps(
            {"error": {"code": 400, "message": "Unable to complete operation.", "details": ["Invalid query"]}}
        ).encode(),
    ),
    "not-json": (200, b'{"type": "FeatureCollection", "features": [ <html>'),
    "not-geojson": (200, b'{"features": []}'),
    "no-features": (200, b'{"type": "FeatureCollection", "features": []}'),
    "no-wijkcode": (
        200,
        json.dumps({"type": "FeatureCollection", "features": [line({"naam": "x"}, (4.4, 51.2), (4.5, 51.3))]}).encode(),
    ),
    "lambert-72": (
        200,
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"wijkcode": "ANT01", "wijknaam": "x"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[152000, 212000], [153000, 212000], [153000, 213000], [152000, 212000]]],
                        },
                    }
                ],
            }
        ).encode(),
    ),
}


@pytest.mark.parametrize("answer", BAD_ANSWERS, ids=list(BAD_ANSWERS))
def test_bad_wijken_answer_keeps_old_cache(
    portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str], answer: str
) -> None:
    old = b'{"type":"FeatureCollection","features":[]} old but precious'
    (tmp_path / WIJKEN_FILENAME).write_bytes(old)
    portal.routes[WIJKEN_PATH] = serve_bytes(BAD_ANSWERS[answer][1], BAD_ANSWERS[answer][0])
    assert main(["--only", "wijken"], portal.settings(tmp_path)) == 1
    assert (tmp_path / WIJKEN_FILENAME).read_bytes() == old
    assert leftovers(tmp_path) == []
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("geodata: unusable answer from the open-data portal (wijken layer")
    if answer == "arcgis-error":
        assert "Unable to complete operation." in err and "Invalid query" in err
    if answer == "http-500":
        assert "HTTP 500" in err


def test_bad_street_page_keeps_old_cache(portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_streets, old_postcodes = b"old streets", b"old postcodes"
    (tmp_path / STREETS_FILENAME).write_bytes(old_streets)
    (tmp_path / POSTCODES_FILENAME).write_bytes(old_postcodes)
    good = paged_streets(SEGMENTS)

    def second_page_fails(params: dict[str, str]) -> tuple[int, bytes]:
        if params["resultOffset"] == "2":
            return 200, b'{"error": {"code": 500, "message": "Error performing query operation"}}'
        return good(params)

    portal.routes[STREETS_PATH] = second_page_fails
    assert main(["--only", "streets"], portal.settings(tmp_path)) == 1
    assert (tmp_path / STREETS_FILENAME).read_bytes() == old_streets
    assert (tmp_path / POSTCODES_FILENAME).read_bytes() == old_postcodes
    assert "offset 2" in capsys.readouterr().err


def test_street_layer_with_unknown_schema_is_an_error(
    portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    portal.routes[STREETS_PATH] = paged_streets([line({"OBJECTID": 1, "LABEL_X": "?"}, (4.4, 51.2), (4.41, 51.21))])
    assert main(["--only", "streets"], portal.settings(tmp_path)) == 1
    assert not (tmp_path / STREETS_FILENAME).exists()
    assert "fields seen: LABEL_X, OBJECTID" in capsys.readouterr().err


def test_server_ignoring_offset_is_an_error(portal: Portal, tmp_path: Path) -> None:
    portal.routes[STREETS_PATH] = lambda params: paged_streets(SEGMENTS)({})
    assert main(["--only", "streets"], portal.settings(tmp_path)) == 1
    assert len(portal.requests) == 2


# --- no answer ----------------------------------------------------------------------------------


def test_portal_that_never_answers(portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    portal.routes[WIJKEN_PATH] = lambda params: None
    settings = portal.settings(tmp_path, timeout=1.0)
    for argv, code in ((["--if-missing"], 0), ([], 1)):
        start = time.monotonic()
        assert main(argv, settings) == code
        assert time.monotonic() - start < 2.0
        err = capsys.readouterr().err.strip()
        assert err == (
            f"geodata: the open-data portal did not answer (no answer from 127.0.0.1:{portal.url.rsplit(':', 1)[1]} "
            "within 1 s); the app runs without neighbourhood areas. Run `make geodata` again when online."
        )
    assert portal.paths() == [WIJKEN_PATH, WIJKEN_PATH]  # no retries, no street request
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_portal_refusing_connections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        OPENDATA_BASE_URL=f"http://127.0.0.1:{port}", OPENDATA_TIMEOUT=1.0, GEODATA_CACHE_DIR=str(tmp_path)
    )
    assert main([], settings) == 1
    assert f"cannot connect to 127.0.0.1:{port}" in capsys.readouterr().err
    assert main(["--if-missing"], settings) == 0


# --- --if-missing -------------------------------------------------------------------------------


def test_if_missing_with_cache_makes_no_request(portal: Portal, tmp_path: Path) -> None:
    (tmp_path / WIJKEN_FILENAME).write_bytes(FIXTURE.read_bytes())
    (tmp_path / STREETS_FILENAME).write_text('{"schemaVersion":1,"metadata":{},"streets":[]}')
    portal.routes[WIJKEN_PATH] = serve_bytes(FIXTURE.read_bytes())
    assert main(["--if-missing"], portal.settings(tmp_path)) == 0
    assert main(["--if-missing", "--only", "wijken"], portal.settings(tmp_path)) == 0
    assert portal.requests == []


def test_if_missing_fetches_only_the_missing_part(portal: Portal, tmp_path: Path) -> None:
    (tmp_path / WIJKEN_FILENAME).write_bytes(FIXTURE.read_bytes())
    portal.routes[STREETS_PATH] = paged_streets(SEGMENTS)
    assert main(["--if-missing"], portal.settings(tmp_path)) == 0
    assert (tmp_path / STREETS_FILENAME).is_file()
    assert all(STREETS_PATH in request for request in portal.requests), portal.requests


def test_if_missing_downloads_when_cache_is_empty(portal: Portal, tmp_path: Path) -> None:
    portal.routes[WIJKEN_PATH] = serve_bytes(FIXTURE.read_bytes())
    portal.routes[STREETS_PATH] = paged_streets(SEGMENTS)
    assert main(["--if-missing"], portal.settings(tmp_path)) == 0
    assert {WIJKEN_FILENAME, STREETS_FILENAME, POSTCODES_FILENAME} <= {p.name for p in tmp_path.iterdir()}
    assert main(["--if-missing", "--only", "streets"], portal.settings(tmp_path)) == 0
    assert len(portal.requests) == 4  # the second call found the streets file


def test_command_line_entry_point(portal: Portal, tmp_path: Path) -> None:
    (tmp_path / WIJKEN_FILENAME).write_bytes(FIXTURE.read_bytes())
    (tmp_path / STREETS_FILENAME).write_text('{"schemaVersion":1,"metadata":{},"streets":[]}')
    env = {**os.environ, "GEODATA_CACHE_DIR": str(tmp_path), "OPENDATA_BASE_URL": portal.url, "OPENDATA_TIMEOUT": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "solidarity.geodata", "--if-missing"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert portal.requests == []
