"""Unit tests of the council core on hand-made geometries and data whose answers are known:
the grid, the gap analysis, the figures per area, the wijk figures, slides and the exports."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.grid import cell_grid, nearest_distances, project, to_lambert, to_lonlat, unproject
from solidarity.figures import (
    CITY,
    FIVE,
    AreaGeo,
    Geography,
    area_counts,
    fmt_number,
    headline,
    project_matrix,
    wijk_indicators,
)
from solidarity.filters import FilterState
from solidarity.gaps import GapAnalysis, gap_sentence, view_for
from solidarity.i18n import set_language
from solidarity.wijkdata import WijkFigure, WijkFigures, parse_wijk_figures

X0, Y0 = 150_000.0, 212_000.0  # Lambert 72, in Antwerp


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("nl")


def box(x0: float, y0: float, x1: float, y1: float):
    """A lon/lat polygon of a Lambert 72 rectangle."""
    return unproject(shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1))


def point(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of a Lambert 72 point relative to the origin."""
    lon, lat = to_lonlat([X0 + x], [Y0 + y])
    return float(lat[0]), float(lon[0])


def figure(code: str, total: int | None, young: tuple[int | None, int | None] = (None, None), ranking=None) -> WijkFigure:
    bands = {"0_9": young[0], "10_19": young[1]}
    return WijkFigure(code, code, bands, total, ranking, "2025", "test", "")


def initiatives(rows: list[dict]) -> pd.DataFrame:
    base = {"location_precision": "exact", "centre_id": "a", "projects": "", "category": "food", "solidarity_type": "direct",
            "area_centre": "", "wijkcode": "", "name": "x", "id": "x"}
    return pd.DataFrame([base | row for row in rows], columns=[*base, "lat", "lon"] if not rows else None)


# -- grid --------------------------------------------------------------------------------------


def test_projection_round_trip_and_known_point():
    x, y = to_lambert([4.4025], [51.2194])  # Antwerp centre, Lambert 72 about (152 km, 212 km)
    assert 151_000 < x[0] < 154_000 and 211_000 < y[0] < 213_500
    lon, lat = to_lonlat(x, y)
    assert lon[0] == pytest.approx(4.4025, abs=1e-7) and lat[0] == pytest.approx(51.2194, abs=1e-7)  # 1 cm


@pytest.mark.parametrize(
    ("width", "height", "cells"),
    [(1000, 1000, 100), (2000, 100, 20), (140, 140, 1), (160, 160, 4), (40, 40, 0)],
)
def test_grid_counts_the_cells_whose_centre_is_inside(width, height, cells):
    grid = cell_grid(project(box(0, 0, width, height)))
    assert len(grid) == cells
    assert grid.cell_km2 == pytest.approx(0.01)


def test_nearest_distances_known_answers():
    d = nearest_distances([0, 300, 400], [0, 0, 0], [0, 500], [0, 0])
    assert d.tolist() == pytest.approx([0, 200, 100])
    assert np.isinf(nearest_distances([0], [0], [], [])).all()


# -- gaps --------------------------------------------------------------------------------------


@pytest.fixture
def strip() -> GapAnalysis:
    """A 2 km × 100 m strip of 20 cells: the left wijk (1,000 residents) and the right one (3,000),
    one food initiative at the left end."""
    lat, lon = point(0, 50)
    data = initiatives([{"lat": lat, "lon": lon}])
    figures = WijkFigures({"L": figure("L", 1000), "R": figure("R", 3000)})
    return GapAnalysis({"a": box(0, 0, 2000, 100)}, {"L": box(0, 0, 1000, 100), "R": box(1000, 0, 2000, 100)}, figures, data)


@pytest.mark.parametrize(
    ("minutes", "cells_within", "area_share", "residents_share"),
    # within t minutes: 1.3 × d <= 75 m/min × t -> d <= 288 m (5), 577 m (10), 865 m (15);
    # cell centres at 50, 150, ... m: 3, 6 and 9 cells, all in the left wijk (100 residents each)
    [(5, 3, 0.15, 300 / 4000), (10, 6, 0.30, 600 / 4000), (15, 9, 0.45, 900 / 4000)],
)
def test_gap_shares_on_a_strip(strip, minutes, cells_within, area_share, residents_share):
    share = strip.share("a", "food", "all", minutes)
    assert share.cells == 20
    assert share.cells_within == cells_within
    assert share.area_share == pytest.approx(area_share)
    assert share.residents_share == pytest.approx(residents_share)


def test_gaps_table_gives_both_shares(strip):
    from solidarity.gaps import gaps_table

    table = gaps_table([strip.share("a", "food", "all", 10)], {"a": "Strip"})
    assert table.iloc[0].tolist() == ["Strip", "any food initiative", "15%", "30%"]


def test_no_initiative_of_a_category_means_nobody_is_near(strip):
    share = strip.share("a", "garden", "all", 15)
    assert share.cells_within == 0 and share.residents_share == 0.0
    assert gap_sentence(share, "Strip").startswith("100% of Strip's residents live more than 15 minutes")


def test_type_views_count_both_for_either(strip):
    assert strip.share("a", "food", "direct", 10).cells_within == 6
    assert strip.share("a", "food", "indirect", 10).cells_within == 0
    assert view_for(["direct"]) == "direct" and view_for(["direct", "indirect"]) == "all" and view_for([]) == "all"


def test_missing_residents_figure_gives_the_area_share_only():
    lat, lon = point(0, 50)
    figures = WijkFigures({"L": figure("L", 1000), "R": figure("R", None)})
    gaps = GapAnalysis({"a": box(0, 0, 2000, 100)}, {"L": box(0, 0, 1000, 100), "R": box(1000, 0, 2000, 100)}, figures,
                       initiatives([{"lat": lat, "lon": lon}]))
    share = gaps.share("a", "food", "all", 10)
    assert share.residents_share is None and share.area_share == pytest.approx(0.3)
    assert "area lies more than 10 minutes" in gap_sentence(share, "Strip")


def test_points_that_only_stand_for_a_district_do_not_count():
    lat, lon = point(0, 50)
    data = initiatives([{"lat": lat, "lon": lon, "location_precision": "approximate", "centre_id": ""}])
    gaps = GapAnalysis({"a": box(0, 0, 2000, 100)}, {"L": box(0, 0, 2000, 100)}, WijkFigures({"L": figure("L", 10)}), data)
    assert gaps.share("a", "food", "all", 15).cells_within == 0


def test_beyond_layer_covers_exactly_the_far_cells(strip):
    layer = strip.beyond_geojson(["a"], "food", "all", 10)
    geometry = project(shapely.geometry.shape(layer["features"][0]["geometry"]))
    assert geometry.area == pytest.approx(14 * 100 * 100, rel=5e-3)  # 20 cells - 6 within (GeoJSON snaps to ~1 m)


# -- figures ------------------------------------------------------------------------------------


def geography(residents: dict[str, int | None]) -> Geography:
    areas = {
        "a": AreaGeo("a", "Kiel", "Buurtwerk A", ("W1",), residents.get("a"), 2.0),
        "b": AreaGeo("b", "Noord", "Buurtwerk B", ("W2",), residents.get("b"), None),
    }
    return Geography(areas, AreaGeo(FIVE, "Five", "", ("W1", "W2"), None, None), AreaGeo(CITY, "City", "", (), 40_000, 8.0))


PROJECTS = pd.DataFrame({"id": ["p1", "p2"], "name": ["Project 1", "Project 2"], "centres": ["a", ""], "kind": ["project"] * 2})


def test_area_counts_by_type_category_project_and_density():
    data = initiatives([
        {"centre_id": "a", "solidarity_type": "direct", "projects": "p1"},
        {"centre_id": "a", "solidarity_type": "direct", "projects": "p1;p2", "category": "garden"},
        {"centre_id": "a", "solidarity_type": "both"},
        {"centre_id": "", "area_centre": "b", "solidarity_type": "indirect"},
        {"centre_id": "", "solidarity_type": "indirect"},  # outside the five: only in the city
    ])
    counts = {c.id: c for c in area_counts(data, geography({"a": 20_000, "b": None}), PROJECTS)}
    assert [c for c in counts] == ["a", "b", FIVE, CITY]
    a = counts["a"]
    assert (a.total, dict(a.by_type)) == (3, {"direct": 2, "both": 1, "indirect": 0})
    assert a.by_category["food"] == 2 and a.by_category["garden"] == 1
    assert dict(a.by_project) == {"p1": 2, "p2": 1}
    assert a.per_10k == pytest.approx(1.5) and a.per_km2 == pytest.approx(1.5)
    assert counts["b"].total == 1 and counts["b"].per_10k is None and counts["b"].per_km2 is None
    assert counts[FIVE].total == 4 and counts[CITY].total == 5
    assert headline(a) == "Kiel: 3 initiatives, 2 of them direct solidarity, 1 both direct and indirect, 0 indirect."


def test_no_figure_is_never_zero():
    set_language("nl")
    assert fmt_number(None) == "geen cijfer"
    set_language("en")
    assert fmt_number(None) == "no figure" and fmt_number(0) == "0"
    count = area_counts(initiatives([]), geography({}), PROJECTS, ["a"])[0]
    assert count.per_10k is None
    assert headline(count) == "Kiel: no initiative matches these filters."


def test_project_matrix_counts_and_sourced_links():
    data = initiatives([{"centre_id": "a", "projects": "p1"}, {"centre_id": "b", "projects": "p1;p2"}])
    cells = {(c.project, c.area): c for c in project_matrix(data, geography({}), PROJECTS)}
    assert (cells[("p1", "a")].count, cells[("p1", "a")].linked) == (1, True)
    assert (cells[("p1", "b")].count, cells[("p1", "b")].linked) == (1, False)
    assert (cells[("p2", "a")].count, cells[("p2", "b")].count) == (0, 1)
    assert (cells[("p1", FIVE)].count, cells[("p1", CITY)].count, cells[("p1", FIVE)].linked) == (2, 2, False)


def test_wijk_indicators_and_missing_figures():
    geo = Geography({}, AreaGeo(FIVE, "", "", (), None, None), AreaGeo(CITY, "", "", (), None, None),
                    wijken={"W1": box(0, 0, 100, 100), "W2": box(100, 0, 200, 100), "W3": box(200, 0, 300, 100)},
                    figures=WijkFigures({"W1": figure("W1", 20_000, (2_000, 3_000), 53.0),
                                         "W3": figure("W3", 120, (10, 10), 7.0)}))
    data = initiatives([{"wijkcode": "W1"}, {"wijkcode": "W1"}, {"wijkcode": "W2"},
                        {"wijkcode": "W1", "location_precision": "approximate", "centre_id": ""}])
    by_code = {w.code: w for w in wijk_indicators(data, geo)}
    assert by_code["W1"].initiatives == 2 and by_code["W1"].per_10k == pytest.approx(1.0)
    assert by_code["W1"].young_share == pytest.approx(0.25) and by_code["W1"].ranking == 53.0
    assert by_code["W2"].initiatives == 1
    assert (by_code["W2"].per_10k, by_code["W2"].young_share, by_code["W2"].ranking) == (None, None, None)
    # a wijk of 120 residents (the port): no rates, but its score
    assert (by_code["W3"].per_10k, by_code["W3"].young_share, by_code["W3"].ranking) == (None, None, 7.0)


@pytest.mark.parametrize(
    ("row", "total", "young", "ranking"),
    [
        ({"residents_total": "100", "residents_0_9": "10", "residents_10_19": "15", "wijkenranking_score": "7"}, 100, 0.25, 7.0),
        ({"residents_total": "", "residents_0_9": ".", "residents_10_19": "3", "wijkenranking_score": "."}, None, None, None),
        ({"residents_total": "50", "residents_0_9": ".", "residents_10_19": "3", "wijkenranking_score": "0"}, 50, None, 0.0),
    ],
)
def test_wijk_figures_read_suppressed_cells_as_no_figure(row, total, young, ranking):
    figures = parse_wijk_figures([{"wijkcode": "X", "period": "2025"} | row])
    parsed = figures.get("X")
    assert (parsed.total, parsed.young_share, parsed.ranking) == (total, young, ranking)


def test_the_seeded_wijk_figures_file():
    from solidarity.wijkdata import DEFAULT_FILE, read_wijk_figures

    figures = read_wijk_figures(DEFAULT_FILE)
    assert len(figures.by_code) == 67 and figures.period == "2025"
    assert figures.get("ANT10").total == 20_447 and figures.get("ANT20").ranking == 73
    assert figures.get("ANT16").total is None  # every band suppressed: no figure
    assert figures.residents(["ANT20", "ANT01", "ANT04"]) == 18_709 + 20_534 + 5_880
    assert sum(f.total for f in figures.by_code.values() if f.total) == 564_804


# -- slides and file names ---------------------------------------------------------------------


def test_slide_ids_are_stable_and_readable():
    from solidarity.council import deck, slide_index

    class Catalog:
        centres = pd.DataFrame({"id": ["de-stek", "de-wijk"], "name": ["Buurtwerk De Stek", "Buurtwerk De Wijk"],
                                "wijk": ["Kiel", "Antwerpen-Noord"]})
        projects = pd.DataFrame({"id": ["woonlab", "pottentuin"], "kind": ["project", "practice"]})

    slides = deck(Catalog())
    assert [s.id for s in slides] == ["overzicht", "solidariteit", "gaten", "kiel", "antwerpen-noord", "project-woonlab"]
    assert slide_index(slides, "kiel") == 3 and slide_index(slides, "KIEL ") == 3
    assert slide_index(slides, "<script>") == 0 and slide_index(slides, "") == 0


@pytest.mark.parametrize(
    ("state", "name"),
    [
        (FilterState(centres=("de-stek",), types=("direct",)), "solidariteitskaart_kiel_direct_2026-12-01.xlsx"),
        (FilterState(), "solidariteitskaart_alle_2026-12-01.xlsx"),
        (FilterState(text="Café `t <b>"), "solidariteitskaart_zoek-cafe-t-b_2026-12-01.xlsx"),
    ],
)
def test_file_names_carry_the_view_and_the_date(state, name):
    import datetime as dt

    from solidarity.exports import export_filename, view_parts

    assert export_filename(view_parts(state, {"de-stek": "Kiel"}), "xlsx", dt.date(2026, 12, 1)) == name


# -- table exports -----------------------------------------------------------------------------

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "<script>alert(1)</script>",
           "مرحبا 🏠", "normal"]


@pytest.fixture
def hostile_rows() -> pd.DataFrame:
    from solidarity.model import INITIATIVE_COLUMNS

    rows = []
    for i, name in enumerate(HOSTILE):
        row = dict.fromkeys(INITIATIVE_COLUMNS, "")
        row.update(id=f"h{i}", name=name, description=name, lat=51.2 + i / 1000, lon=4.4, solidarity_type="direct")
        rows.append(row)
    return pd.DataFrame(rows)


def test_csv_has_a_bom_and_no_formula(hostile_rows):
    from solidarity.exports import EXPORT_COLUMNS, to_csv

    data = to_csv(hostile_rows)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(EXPORT_COLUMNS) and len(rows) == len(HOSTILE)
    for row, original in zip(rows, HOSTILE, strict=True):
        assert not row["name"].startswith(("=", "+", "-", "@", "\t", "\r"))
        assert row["name"].removeprefix("'") == original


def test_xlsx_strings_stay_strings(hostile_rows):
    import openpyxl

    from solidarity.attribution import attribution
    from solidarity.exports import to_xlsx

    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(hostile_rows, attribution("2025", hostile_rows), "Filter")))
    sheet = book.worksheets[0]
    names = [sheet.cell(row=r, column=2) for r in range(2, len(HOSTILE) + 2)]
    from openpyxl.utils.escape import unescape

    assert [unescape(c.value) for c in names] == HOSTILE  # control characters are stored as _x000D_
    assert all(c.data_type == "s" for c in names)
    assert "Stad in Cijfers, 2025" in " ".join(str(c.value) for c in book.worksheets[1]["A"])


def test_empty_exports_are_valid(hostile_rows):
    import openpyxl

    from solidarity.attribution import attribution
    from solidarity.exports import to_csv, to_geojson, to_xlsx

    empty = hostile_rows.iloc[0:0]
    assert len(list(csv.reader(io.StringIO(to_csv(empty).decode("utf-8-sig"))))) == 1  # the header
    assert openpyxl.load_workbook(io.BytesIO(to_xlsx(empty, attribution(), "F"))).worksheets[0].max_row == 1
    assert json.loads(to_geojson(empty, attribution(), "F"))["features"] == []


def test_geojson_points_and_properties(hostile_rows):
    from solidarity.attribution import attribution
    from solidarity.exports import to_geojson

    document = json.loads(to_geojson(hostile_rows, attribution(), "F"))
    assert [f["properties"]["name"] for f in document["features"]] == HOSTILE
    assert document["features"][0]["geometry"] == {"type": "Point", "coordinates": [4.4, 51.2]}
    assert "© OpenStreetMap contributors" in document["metadata"]["attribution"]


def test_pdf_keeps_arabic_emoji_and_markup_as_text():
    pypdf = pytest.importorskip("pypdf")
    from solidarity.exports import PdfPage, find_fonts, render_pdf

    try:
        fonts = find_fonts()
    except Exception as exc:  # noqa: BLE001 - a machine without fonts
        pytest.skip(str(exc))
    pages = [PdfPage("Kiel — <b>x</b>", "sub", ("Kiel: 9 initiatives", "مرحبا بالجيران", "🏠 ${alert(1)}")),
             PdfPage("Noord", "", ("second page",))]
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(pages, "t", fonts=fonts)))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "Kiel — <b>x</b>" in first and "Kiel: 9 initiatives" in first and "{alert(1)}" in first
    assert "مرحبا" in first and "بالجيران" in first  # extracted in visual order; the emoji has no glyph
    assert "second page" in reader.pages[1].extract_text()


@pytest.mark.parametrize("rows", [slice(0, 0), slice(None)], ids=["empty", "hostile"])
def test_standalone_map_is_one_offline_file_and_escapes_data(hostile_rows, rows):
    from solidarity.assets import local_assets_present, use_local_assets
    from solidarity.attribution import attribution
    from solidarity.exports import standalone_map_html
    from solidarity.mapbuilder import TileSettings, build_map

    if not local_assets_present():
        pytest.skip("map assets not installed (make assets)")
    use_local_assets()
    centres = pd.DataFrame({"id": ["c"], "name": ["<b>Centre</b>"], "wijk": ["Kiel"], "address": [""], "lat": [51.19],
                            "lon": [4.38], "location_precision": ["approximate"], "website": [""]})
    projects = pd.DataFrame({"id": ["p"], "name": ["P"], "url": [""]})
    shown = hostile_rows.iloc[rows].assign(category="food", centre_id="", location_precision="exact")
    html = standalone_map_html(build_map(shown, centres, projects, tiles=TileSettings(""), fit=True),
                               attribution("2025", shown), "Filter <script>x</script>")
    assert "<script src=" not in html and '<link rel="stylesheet" href=' not in html, "everything inlined"
    assert "<script>x</script>" not in html and "<b>Centre</b>" not in html
    assert "<script>alert(1)</script>" not in html
    assert "© OpenStreetMap contributors" in html


def test_map_picture_draws_areas_gaps_and_points_where_they_are():
    from PIL import Image

    from solidarity.mapimage import GAP_FILL, MapLayers, render_map_png

    area = shapely.box(4.40, 51.20, 4.42, 51.21)
    gap = shapely.box(4.40, 51.20, 4.405, 51.21)  # the western quarter of the area
    points = pd.DataFrame({"lat": [51.205], "lon": [4.415], "solidarity_type": ["indirect"]})
    png = render_map_png(MapLayers((area,), (gap,), points), width=400, height=300, supersample=1)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert pixels.shape == (300, 400, 3)
    drawn = np.argwhere((pixels != 255).any(axis=2))  # (row, col) of everything that is not white
    top, left = drawn.min(axis=0)
    bottom, right = drawn.max(axis=0)
    span_x = right - left

    def centre_of(colour: tuple[int, int, int], tolerance: int = 40) -> tuple[float, float]:
        hits = np.argwhere((np.abs(pixels - colour) < tolerance).all(axis=2))
        assert len(hits), f"no pixel of {colour}"
        return (hits[:, 1].mean() - left) / span_x, (hits[:, 0].mean() - top) / (bottom - top)

    x, y = centre_of((0xD5, 0x5E, 0x00))  # the indirect point
    assert x == pytest.approx(0.75, abs=0.05) and y == pytest.approx(0.5, abs=0.05)
    gap_x, _gap_y = centre_of(GAP_FILL)  # orange over the light grey fill
    assert gap_x == pytest.approx(0.125, abs=0.05)
    assert (pixels[2, 2] == 255).all(), "outside the areas stays white"
