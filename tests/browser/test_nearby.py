"""The residents' journey in a real browser at phone size, in Dutch and Arabic, offline.

The server's geocoder is Nominatim pointed at a closed local port: every online lookup fails at
once, as it does on a machine without internet, so the offline gazetteer must answer.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import (
    REAL_SEED,
    AppServer,
    act,
    poll,
    screenshot,
    server_env,
    start_server,
    stop_server,
    wait_for_run,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEARCH_INPUT = '[data-testid="stForm"] input[type="text"]'
MAP = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="module")
def app_resident(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """Real data, no tiles, Nominatim unreachable (a refused local port): the offline case."""
    tmp: Path = tmp_path_factory.mktemp("resident")
    env = server_env(tmp, REAL_SEED, tiles=False)
    env.update(GEOCODER="nominatim", NOMINATIM_DOMAIN="127.0.0.1:9", GEOCODER_TIMEOUT="2")
    if not os.environ.get("GEODATA_DIR"):
        # Without the real geodata: the hand-made fixtures under the real file names.
        geodata = tmp / "geodata"
        geodata.mkdir()
        for source, target in (
            ("postcodes_small.csv", "antwerpen_postcodes_centroids.csv"),
            ("streets_small.json", "antwerpen_district_straten.json"),
            ("wijken_gazetteer.geojson", "antwerpen_wijken_stad.geojson"),
        ):
            shutil.copy(FIXTURES / source, geodata / target)
        env["GEODATA_DIR"] = str(geodata)
    server = start_server("resident", tmp, env)
    yield server
    stop_server(server)


def ready(opened):  # noqa: ANN201 - the search field locator
    """Wait for the search field and the end of the page's first run. No "Page not found" notice
    may show (the first visit after a start opening a sub page used to get one: streamlit#9992)."""
    page = opened.page
    field = page.locator(SEARCH_INPUT)
    field.wait_for(timeout=30_000)
    wait_for_run(page, timeout=30)
    assert page.get_by_role("dialog").count() == 0, page.get_by_role("dialog").all_inner_texts()
    return field


def search(opened, text: str) -> float:
    """Type ``text`` in the search field, press Enter; seconds until that search's run has finished."""
    page = opened.page
    field = ready(opened)
    field.fill(text)
    started = time.perf_counter()
    act(page, lambda: field.press("Enter"), timeout=15)
    return time.perf_counter() - started


def wait_for_text(page, text: str) -> None:
    """Wait until ``text`` is on the page (results render after the position message)."""
    page.get_by_text(text).first.wait_for(timeout=15_000)


def wait_for_walking_times(page) -> None:
    """Wait for the result cards (the place's name shows first, in the position message)."""
    page.locator(".sm-card .sm-walk").filter(has_text=re.compile(r"te voet|Hier")).first.wait_for(timeout=15_000)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_dutch_postcode_2060_lists_de_wijk_with_walking_minutes(app_resident, open_page, record_property) -> None:
    opened = open_page(app_resident.page_url("/in-de-buurt", lang="nl"), viewport="phone")
    seconds = search(opened, "2060")
    page = opened.page
    wait_for_text(page, "Buurtwerk De Wijk")
    wait_for_walking_times(page)
    text = main_text(page)
    record_property("seconds_to_results", round(seconds, 2))
    print(f"2060 answered in {seconds:.2f} s")
    assert "Buurtwerk De Wijk" in text
    assert re.search(r"minuu?t(en)?\u2069? te voet|minder dan een minuut te voet", text)
    assert "postcode" in text
    assert "q=2060" in page.url
    # Results come before the map on a phone, and nothing scrolls sideways.
    first = page.get_by_text("Buurtwerk De Wijk").first.bounding_box()
    # The map is replaced when the place changes: take the iframe that is on screen now.
    map_box = poll(page, lambda: next(
        (box for frame in page.locator(MAP).all() if (box := frame.bounding_box()) and box["width"] > 0), None
    ), timeout=15)
    assert first and map_box and first["y"] < map_box["y"]
    assert no_horizontal_scroll(page)
    assert opened.errors == [] and opened.dialogs == []
    screenshot(page, "nearby-nl-phone")


def test_arabic_right_to_left_with_results_and_no_serious_axe_violation(app_resident, open_page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    opened = open_page(app_resident.page_url("/in-de-buurt", lang="ar"), viewport="phone")
    search(opened, "Kiel")
    page = opened.page
    wait_for_text(page, "Buurtwerk De Stek")
    direction = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=\"stMain\"]')).direction")
    assert direction == "rtl"
    text = main_text(page)
    assert "Buurtwerk De Stek" in text
    assert "دقيقة" in text or "دقائق" in text or "دقيقتان" in text  # walking minutes, in Arabic
    assert no_horizontal_scroll(page)
    screenshot(page, "nearby-ar-phone")
    results = Axe().run(page, options={"resultTypes": ["violations"], "iframes": False}).response
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == []


def test_misspelt_street_finds_willy_vandersteenplein(app_resident, open_page) -> None:
    opened = open_page(app_resident.page_url("/in-de-buurt", lang="nl"), viewport="phone")
    seconds = search(opened, "wily vandersteenplijn")
    wait_for_text(opened.page, "Willy Vandersteenplein")
    wait_for_walking_times(opened.page)
    text = main_text(opened.page)
    print(f"misspelt street answered in {seconds:.2f} s")
    assert "Willy Vandersteenplein" in text
    assert re.search(r"minuu?t(en)?\u2069? te voet", text)


@pytest.mark.parametrize("text", ["", "x" * 200, "<img src=x onerror=alert(1)>", "1000", "48.85, 2.35"])
def test_bad_input_gets_a_clear_message(app_resident, open_page, text: str) -> None:
    opened = open_page(app_resident.page_url("/in-de-buurt", lang="nl"), viewport="phone")
    page = opened.page
    field = ready(opened)
    field.fill(text)
    act(page, lambda: field.press("Enter"), timeout=15)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert opened.dialogs == [] and opened.errors == []
    page.locator('[data-testid="stAlertContentWarning"], [data-testid="stAlertContentInfo"], '
                 '[data-testid="stAlertContentSuccess"]').first.wait_for(timeout=3_000)


def test_use_my_location(app_resident, browser) -> None:
    """The browser's location (granted, near De Wijk) places the search; no typing needed."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, geolocation={"latitude": 51.2245, "longitude": 4.4298},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        page.goto(app_resident.page_url("/in-de-buurt", lang="nl"))
        button = page.get_by_role("button", name="Gebruik mijn locatie")
        button.wait_for(timeout=30_000)
        wait_for_run(page, timeout=30)
        button.click()
        page.locator(".sm-card").filter(has_text="Buurtwerk De Wijk").first.wait_for(timeout=15_000)
        # The position in the URL is rounded to about 100 m (3 decimals): a shared link gives no address away.
        assert "lat=51.224" in page.url and "lat=51.2245" not in page.url and "lon=4.430" in page.url
        assert "bron=locatie" in page.url
        assert "je locatie" in page.locator('[data-testid="stMain"]').inner_text()
    finally:
        context.close()
