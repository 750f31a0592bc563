"""The map builder: what it puts on the map and what reaches the rendered HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import folium.plugins
import pytest

from solidarity import assets
from solidarity.catalog import build_catalog
from solidarity.filters import FilterState, apply_filters
from solidarity.mapbuilder import MarkerLayer, TileSettings, build_map, build_point_map, naive_map
from solidarity.store import Store
from solidarity.synthetic import generate

NO_TILES = TileSettings(url="")


def data_rows(html: str) -> list[list]:
    """The marker rows of the FastMarkerCluster in the rendered map."""
    match = re.search(r"var data = (\[.*?\]);\n", html, re.S)
    return json.loads(match.group(1)) if match else []


@pytest.fixture
def catalog(store: Store):
    return build_catalog(store)


def test_children_and_marker_count(catalog) -> None:
    fmap = build_map(catalog.initiatives, catalog.centres, catalog.projects, tiles=NO_TILES)
    children = list(fmap._children.values())
    clusters = [c for c in children if isinstance(c, MarkerLayer)]
    centres = [c for c in children if isinstance(c, folium.Marker)]
    assert len(clusters) == 1 and len(clusters[0].rows) == len(catalog.initiatives) == 5
    assert len(centres) == 2
    assert any(isinstance(c, folium.plugins.Fullscreen) for c in children)
    assert any(isinstance(c, folium.plugins.LocateControl) for c in children)
    html = fmap.get_root().render()
    assert len(data_rows(html)) == 5


def test_filtered_marker_count(catalog) -> None:
    shown = apply_filters(catalog.initiatives, FilterState(types=("indirect",)))
    html = build_map(shown, catalog.centres, catalog.projects, tiles=NO_TILES).get_root().render()
    assert sorted(row[2] for row in data_rows(html)) == ["i2", "i3"]


def test_no_initiatives_still_renders_centres(catalog) -> None:
    html = build_map(catalog.initiatives.iloc[0:0], catalog.centres, catalog.projects, tiles=NO_TILES).get_root().render()
    assert "FastMarkerCluster" not in html or data_rows(html) == []
    assert "Centrum Kiel" in html


def test_hostile_strings_are_escaped(catalog) -> None:
    fmap = build_map(catalog.initiatives, catalog.centres, catalog.projects, selected="i4", tiles=NO_TILES)
    html = fmap.get_root().render()
    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert "${alert" not in html
    assert "`t Hoekske" not in html
    assert "javascript:" not in html
    rows = {row[2]: row for row in data_rows(html)}
    assert rows["i4"][3] == "Café &#96;t Hoekske &lt;img src=x onerror=alert(1)&gt;"
    assert rows["i4"][8].startswith('<a href="https://example.org/hoekske?a=1&amp;b=2"')


def test_unsafe_project_link_is_not_a_link() -> None:
    import pandas as pd

    from solidarity.model import CENTRE_COLUMNS, INITIATIVE_COLUMNS, PROJECT_COLUMNS

    projects = pd.DataFrame([{c: "" for c in PROJECT_COLUMNS} | {"id": "p", "name": "P<b>", "url": "javascript:alert(1)"}])
    centres = pd.DataFrame(columns=list(CENTRE_COLUMNS))
    initiatives = pd.DataFrame([{c: "" for c in INITIATIVE_COLUMNS} | {
        "id": "a", "name": "A", "solidarity_type": "direct", "category": "food", "lat": 51.2, "lon": 4.4,
        "projects": "p", "website": "data:text/html,x", "location_precision": "exact"}])
    html = build_map(initiatives, centres, projects, tiles=NO_TILES).get_root().render()
    assert "javascript:" not in html and "data:text/html" not in html
    # The project's name reaches the marker script's lookup table escaped, as plain text.
    tables = json.loads(re.search(r"var T = (\{.*?\});\n", html, re.S).group(1))
    assert tables["projects"] == ["P&lt;b&gt;"]


def test_selected_initiative_is_highlighted(catalog) -> None:
    fmap = build_map(catalog.initiatives, catalog.centres, catalog.projects, selected="i1", tiles=NO_TILES)
    assert fmap.location == [51.1895, 4.3905]
    assert any(isinstance(c, folium.CircleMarker) for c in fmap._children.values())


def test_areas_are_drawn(catalog) -> None:
    square = {"type": "Polygon", "coordinates": [[[4.38, 51.18], [4.40, 51.18], [4.40, 51.20], [4.38, 51.20], [4.38, 51.18]]]}
    fmap = build_map(catalog.initiatives, catalog.centres, catalog.projects, areas={"c-kiel": square}, tiles=NO_TILES)
    html = fmap.get_root().render()
    assert "Kiel (Centrum Kiel)" in html
    assert "Neighbourhood of a buurtwerk" in html or "Wijk van een buurtwerk" in html


def test_local_assets_leave_no_https_asset_link(catalog, tmp_path: Path) -> None:
    if not assets.local_assets_present():
        pytest.skip("map assets not installed (make assets)")
    assert assets.use_local_assets()
    html = build_map(catalog.initiatives, catalog.centres, catalog.projects, tiles=NO_TILES).get_root().render()
    links = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert links and all(link.startswith("/app/static/vendor/") for link in links)
    assert "https://" not in " ".join(links)


def test_cdn_fallback_when_assets_are_missing(catalog, tmp_path: Path) -> None:
    try:
        assert not assets.use_local_assets(vendor_dir=tmp_path)
        html = build_map(catalog.initiatives, catalog.centres, catalog.projects, tiles=NO_TILES).get_root().render()
        links = re.findall(r'<script[^>]+src="([^"]+)"', html)
        assert any("leaflet@1.9.3" in link for link in links)
        assert "glyphicons" not in html
    finally:
        assets.use_local_assets()


def test_install_copies_assets(tmp_path: Path) -> None:
    if not (assets.NODE_MODULES / "leaflet").is_dir():
        pytest.skip("node_modules not installed")
    assert assets.install(vendor_dir=tmp_path) == []
    assert assets.local_assets_present(tmp_path)
    assert "L.Icon.Default.imagePath" in (tmp_path / "leaflet-image-path.js").read_text()
    bundle = (tmp_path / assets.BUNDLE).read_text(encoding="utf-8")
    # Every script, in folium's order, once; no source map comment pointing at a missing file.
    positions = [bundle.index(f"/* --- {assets.LOCAL_FILES[name]} --- */") for name in assets.BUNDLED_JS]
    assert positions == sorted(positions)
    assert "Leaflet 1.9.3" in bundle and "L.MarkerClusterGroup" in bundle and "L.Control.Locate" in bundle
    assert "sourceMappingURL" not in bundle
    assert not list(tmp_path.glob("*.partial"))


def test_local_assets_load_the_map_scripts_in_one_request(catalog) -> None:
    """The map frame loads scripts one after another: one bundle instead of six files."""
    if not assets.local_assets_present():
        pytest.skip("map assets not installed (make assets)")
    assert assets.use_local_assets()
    html = build_map(catalog.initiatives, catalog.centres, catalog.projects, tiles=NO_TILES).get_root().render()
    scripts = set(re.findall(r'<script[^>]+src="([^"]+)"', html))
    assert len(scripts) == 1
    assert re.fullmatch(rf"/app/static/vendor/{re.escape(assets.BUNDLE)}\?v=[0-9a-f]{{12}}", scripts.pop())


def test_local_asset_urls_change_with_their_content(tmp_path: Path) -> None:
    """Each local asset's URL carries its content hash, so a proxy may let browsers cache it for a year."""
    (tmp_path / "a.js").write_text("one")
    first = assets.versioned(tmp_path, "a.js", "/app/static/vendor")
    assert first.startswith("/app/static/vendor/a.js?v=")
    assert assets.versioned(tmp_path, "a.js", "/app/static/vendor") == first
    (tmp_path / "a.js").write_text("two!")
    assert assets.versioned(tmp_path, "a.js", "/app/static/vendor") != first


def test_map_stays_small_at_scale(catalog) -> None:
    import pandas as pd

    frame = pd.DataFrame(generate(10_000, seed=1))
    frame["lat"] = frame["lat"].astype(float)
    frame["lon"] = frame["lon"].astype(float)
    html = build_map(frame, catalog.centres, catalog.projects, tiles=NO_TILES).get_root().render()
    assert len(data_rows(html)) == 10_000
    assert len(html) < 2_000_000  # the naive map is ~14 MB at this size


def test_naive_baseline_has_one_marker_each(catalog) -> None:
    fmap = naive_map(catalog.initiatives)
    assert fmap.get_root().render().count("L.marker(") == len(catalog.initiatives)


@pytest.mark.parametrize(
    ("box", "width", "height"),
    [((51.18, 4.37, 51.235, 4.49), 480, 400), ((51.2, 4.40, 51.201, 4.401), 480, 400), ((51.10, 4.2, 51.40, 4.6), 800, 600)],
)
def test_view_for_bounds_fits_the_box(box: tuple, width: int, height: int) -> None:
    import math

    from solidarity.mapbuilder import view_for_bounds

    south, west, north, east = box
    (lat, lon), zoom = view_for_bounds(south, west, north, east, width, height)
    assert south <= lat <= north and west <= lon <= east
    assert 11 <= zoom <= 15 and float(zoom * 4).is_integer()
    world = 256 * 2**zoom
    x_px = (east - west) / 360 * world
    y = [math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in (south, north)]
    y_px = (y[1] - y[0]) / (2 * math.pi) * world
    if zoom > 11:  # not clamped at the widest view: the box fits
        assert x_px <= width and y_px <= height


def test_template_code_in_data_is_not_run(catalog) -> None:
    """Data never reaches Jinja as template code (branca re-reads rendered scripts as templates)."""
    frame = catalog.initiatives.copy()
    frame.loc[frame.index[0], "name"] = "Club {{ 7*7 }} {% if true %}yes{% endif %}"
    centres = catalog.centres.copy()
    centres.loc[centres.index[0], "name"] = "Centrum {{ 6*7 }}"
    html = build_map(frame, centres, catalog.projects, selected=frame.iloc[0]["id"], tiles=NO_TILES).get_root().render()
    assert "Club 49" not in html and "Centrum 42" not in html and "yes{%" not in html
    assert "Club &#123;&#123; 7*7 &#125;&#125;" in html


def test_a_forms_map_shows_the_point_and_the_outlines_without_catching_clicks() -> None:
    """The small map of /beheer and /meld: offline, the wijken's outlines give it a place; they are
    not interactive (a click on them reaches the map and moves the point); the point when there is one."""
    square = {"type": "Polygon", "coordinates": [[[4.40, 51.21], [4.41, 51.21], [4.41, 51.22], [4.40, 51.21]]]}
    outlines = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": square, "properties": {}}]}
    fmap = build_point_map((51.215, 4.405), TileSettings(""), outlines)
    kinds = [type(child).__name__ for child in fmap._children.values()]
    assert kinds.count("GeoJson") == 1 and kinds.count("CircleMarker") == 1 and "TileLayer" not in kinds
    html = fmap.get_root().render()
    assert '"interactive": false' in html and "4.41" in html
    online = build_point_map(None, TileSettings(), None)
    kinds = [type(child).__name__ for child in online._children.values()]
    assert kinds == ["TileLayer"], "no point yet, no outlines given: tiles only"
    assert online.location == [51.2165, 4.42]
