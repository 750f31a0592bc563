"""The council pages in a real browser: a slide by link, the arrow keys, and every export downloaded
and read back (CSV, Excel, GeoJSON against the screen; the HTML map from a file, offline; the PDFs)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, LIVE_CLUSTERS_JS, poll, screenshot, wait_for_run

TITLE = '[data-testid="stMain"] h1, section.stMain h1'
EXCEPTION = '[data-testid="stException"]'
DOWNLOAD = '[data-testid="stDownloadButton"] button'
TODAY = dt.date.today().isoformat()


@pytest.fixture(scope="module")
def warm(app_real_notiles, browser_context) -> Any:
    """Open the main page once, so the server knows every page before a sub page's link is opened
    (otherwise Streamlit shows its "Page not found" notice first: streamlit/streamlit#9992)."""
    page = browser_context("desktop").new_page()
    page.goto(app_real_notiles.page_url("/", lang="en"))
    page.locator(TITLE).first.wait_for(timeout=60_000)
    page.close()
    return app_real_notiles


def title(page: Any) -> str:
    return page.locator(TITLE).first.inner_text(timeout=30_000).strip()


def wait_title(page: Any, text: str, timeout: float = 30) -> str:
    found = poll(page, lambda: title(page) == text, timeout=timeout)
    assert found, f"title {title(page)!r}, expected {text!r}"
    wait_for_run(page, timeout=timeout)
    return text


def press(page: Any, key: str) -> None:
    """Press a key with the focus on the page itself (a focused widget would take the arrow keys)."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press(key)


def expected_ids(server: Any, params: dict) -> list[str]:
    """The ids the server's filters give, in its order (built like the server builds them)."""
    from geo.boundaries import load_boundaries
    from solidarity.catalog import build_catalog
    from solidarity.filters import FilterState, apply_filters
    from solidarity.settings import load_settings
    from solidarity.store import Store

    settings = load_settings(environ=server.env)
    store = Store(f"sqlite:///{ARTIFACTS / 'expect-council.sqlite3'}")
    store.load_seed(Path(settings.SEED_DIR))
    catalog = build_catalog(store, load_boundaries(settings.geodata_paths))
    return apply_filters(catalog.initiatives, FilterState.from_query_params(params, catalog.vocabulary))["id"].tolist()


def download(page: Any, label: str, folder: Path) -> Path:
    """Click the download button ``label`` and save the file; returns its path."""
    button = page.locator(DOWNLOAD, has_text=label).first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_slide_by_link_and_arrow_keys(warm, open_page) -> None:
    opened = open_page(warm.page_url("/presentatie", slide="kiel", lang="en", type="direct"))
    page = opened.page
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_title(page, "Kiel — Buurtwerk De Stek", timeout=60)
    body = page.locator("section.stMain, [data-testid='stMain']").first.inner_text()
    assert "Slide 8 of 18" in body
    assert "Filter: Direct solidarity" in body, "the active filter is on the slide"
    assert page.locator('[data-testid="stSidebar"]').first.is_hidden(), "no sidebar in presentation mode"
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
    assert page.locator(".st-key-slide_next button").first.is_visible(), "the big buttons are on screen at 1280×720"
    screenshot(page, "council-slide-kiel-1280", full=False)
    # Back to the gap map with the left arrow key, and forward again with the right one.
    for expected in ("Deurne-Zuid — Buurtwerk 't Pleintje", "Deurne-Noord — Buurtwerk Dinamo",
                     "Oud-Borgerhout — Buurtwerk Borgerbaan", "Antwerpen-Noord — Buurtwerk De Wijk",
                     "Where people are far from an initiative"):
        press(page, "ArrowLeft")
        wait_title(page, expected)
    poll(page, lambda: "slide=gaten" in page.url, timeout=10)
    assert "slide=gaten" in page.url and "type=direct" in page.url, page.url
    assert "Slide 3 of 18" in page.locator("section.stMain, [data-testid='stMain']").first.inner_text()
    screenshot(page, "council-slide-gaps-1280", full=False)
    press(page, "ArrowRight")
    wait_title(page, "Antwerpen-Noord — Buurtwerk De Wijk")
    page.locator("button", has_text="Next").first.click()
    wait_title(page, "Oud-Borgerhout — Buurtwerk Borgerbaan")
    assert page.locator(EXCEPTION).count() == 0
    assert opened.errors == []


def test_slide_at_full_hd_and_a_filter_matching_nothing(warm, open_page) -> None:
    opened = open_page(warm.page_url("/presentatie", slide="overzicht", lang="en", q="zzzz-nothing"))
    page = opened.page
    page.set_viewport_size({"width": 1920, "height": 1080})
    wait_title(page, "The five buurtwerken and the initiatives around them", timeout=60)
    body = page.locator("section.stMain, [data-testid='stMain']").first.inner_text()
    assert "No initiative matches these filters." in body
    assert "zzzz-nothing" in body
    screenshot(page, "council-slide-empty-1920", full=False)


def test_every_export_downloads_and_matches_the_screen(warm, open_page, tmp_path, browser) -> None:
    import openpyxl
    import pypdf

    params = {"buurtwerk": "de-stek", "type": "direct"}
    ids = expected_ids(warm, params)
    assert ids, "the Kiel / direct example must show something"
    # The explore list of the same link: the rows the exports must hold, in the same order.
    explore = open_page(warm.page_url("/", lang="en", **params)).page
    explore.locator(".sm-table").first.wait_for(timeout=60_000)
    listed = [re.sub(r"\s+", " ", t).strip() for t in explore.locator(".sm-table tbody th").all_inner_texts()]
    assert len(listed) == len(ids)

    opened = open_page(warm.page_url("/cijfers", lang="en", **params))
    page = opened.page
    wait_title(page, "Figures per neighbourhood", timeout=60)
    page.locator(DOWNLOAD).first.wait_for(timeout=60_000)
    files = {label: download(page, label, tmp_path) for label in
             ("CSV", "Excel", "GeoJSON", "Map (HTML, works offline)", "PDF: one page per neighbourhood", "PDF: the presentation",
              "Chart “Direct and indirect solidarity” (PNG)")}
    for label, path in files.items():
        assert TODAY in path.name and "kiel" in path.name and "direct" in path.name, (label, path.name)
    assert files["Excel"].name == f"solidariteitskaart_kiel_direct_{TODAY}.xlsx"

    png = files["Chart “Direct and indirect solidarity” (PNG)"].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000

    raw = files["CSV"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ids
    assert [r["name"] for r in rows] == listed, "the CSV holds the list's rows, in its order"

    sheet = openpyxl.load_workbook(files["Excel"]).worksheets[0]
    assert [sheet.cell(row=i, column=1).value for i in range(2, len(ids) + 2)] == ids
    assert sheet.max_row == len(ids) + 1

    document = json.loads(files["GeoJSON"].read_text(encoding="utf-8"))
    assert [f["id"] for f in document["features"]] == ids
    assert all(f["geometry"]["type"] == "Point" for f in document["features"])

    reader = pypdf.PdfReader(files["PDF: one page per neighbourhood"])
    assert len(reader.pages) == 1, "one page per area of the view (the filter chose Kiel)"
    text = reader.pages[0].extract_text()
    assert "Kiel" in text and f"Kiel: {len(ids)} initiative" in text, text[:500]
    slides = pypdf.PdfReader(files["PDF: the presentation"])
    assert len(slides.pages) == 18
    assert "Kiel — Buurtwerk De Stek" in slides.pages[7].extract_text()

    # The HTML map opens from a file, with no server and no network, and holds every point.
    context = browser.new_context(offline=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    offline = context.new_page()
    errors: list[str] = []
    offline.on("pageerror", lambda e: errors.append(str(e)))
    offline.goto(files["Map (HTML, works offline)"].as_uri())
    count = poll(offline, lambda: offline.evaluate(
        f"() => {{ const c = ({LIVE_CLUSTERS_JS})(); return c.length ? c.reduce((n, x) => n + x.getLayers().length, 0) : 0; }}"))
    context.close()
    assert count == len(ids)
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []


def test_hostile_names_stay_text_in_the_exports(app_hostile, open_page, browser, tmp_path) -> None:
    page = open_page(app_hostile.page_url("/", lang="en")).page  # the server learns its pages
    page.locator(TITLE).first.wait_for(timeout=60_000)
    opened = open_page(app_hostile.page_url("/cijfers", lang="en"))
    page = opened.page
    wait_title(page, "Figures per neighbourhood", timeout=60)
    page.locator(DOWNLOAD).first.wait_for(timeout=60_000)
    csv_file = download(page, "CSV", tmp_path)
    names = [r["name"] for r in csv.DictReader(io.StringIO(csv_file.read_bytes().decode("utf-8-sig")))]
    assert any("<img src=x onerror=alert(1)>" in n for n in names), "the name is kept as written"
    html_file = download(page, "Map (HTML, works offline)", tmp_path)
    context = browser.new_context(offline=True)
    dialogs: list[str] = []
    viewer = context.new_page()
    viewer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    viewer.goto(html_file.as_uri())
    poll(viewer, lambda: viewer.evaluate(f"() => ({LIVE_CLUSTERS_JS})().length > 0"))
    viewer.wait_for_timeout(500)  # a window for late scripts: nothing to wait for, something must not happen
    context.close()
    assert dialogs == []
    assert opened.dialogs == [] and opened.errors == []


def test_empty_filter_gives_empty_valid_files(warm, open_page, tmp_path) -> None:
    import openpyxl
    import pypdf

    opened = open_page(warm.page_url("/cijfers", lang="en", q="zzzz-nothing"))
    page = opened.page
    wait_title(page, "Figures per neighbourhood", timeout=60)
    page.locator(DOWNLOAD).first.wait_for(timeout=60_000)
    rows = list(csv.reader(io.StringIO(download(page, "CSV", tmp_path).read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0][0] == "id"
    assert openpyxl.load_workbook(download(page, "Excel", tmp_path)).worksheets[0].max_row == 1
    assert json.loads(download(page, "GeoJSON", tmp_path).read_text())["features"] == []
    reader = pypdf.PdfReader(download(page, "PDF: one page per neighbourhood", tmp_path))
    assert len(reader.pages) == 5
    assert "no initiative matches these filters" in reader.pages[0].extract_text()


def test_figures_page_screenshot(warm, open_page) -> None:
    opened = open_page(warm.page_url("/cijfers", lang="nl"))
    page = opened.page
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_title(page, "Cijfers per buurt", timeout=60)
    page.locator('[data-testid="stVegaLiteChart"], .vega-embed').first.wait_for(timeout=60_000)
    poll(page, lambda: page.locator(".vega-embed canvas, .vega-embed svg").count() >= 3, timeout=30)  # charts drawn
    paths = screenshot(page, "council-figures-1280")
    assert all(p.is_file() for p in paths)
    assert page.locator(EXCEPTION).count() == 0
