"""Part 6: the council pages at 300 and 10,000 initiatives: the figures page's rerun after a filter
change (AppTest), the gap analysis cold and cached, each export, and a slide change in the browser."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import sync_playwright
from streamlit.testing.v1 import AppTest

from bench.fixtures import APP, Context, Part, clear_streamlit_caches, environ
from bench.report import Target, fmt_bytes, fmt_s, log, section, table
from deploy.processes import running
from geo.boundaries import load_boundaries
from harness import chromium
from solidarity import charts, exports
from solidarity.assets import use_local_assets
from solidarity.catalog import build_catalog
from solidarity.council import areas_pdf, build_view, presentation_pdf
from solidarity.figures import build_geography
from solidarity.filters import FilterState
from solidarity.gaps import ANY, GapAnalysis
from solidarity.i18n import set_language
from solidarity.mapbuilder import TileSettings, build_map
from solidarity.model import CATEGORIES
from solidarity.settings import load_settings
from solidarity.store import Store
from solidarity.wijkdata import load_wijk_figures

SIZES = (300, 10_000)
TARGET_N = 10_000
TARGET_RERUN_S = 0.5
TARGET_GAPS_COLD_S = 3.0
TARGET_GAPS_CACHED_S = 0.05
TARGET_EXPORT_S = 3.0
TARGET_PDF_AREA_S = 5.0
TARGET_SLIDE_S = 1.0

FILTER_CHANGES: tuple[list[str], ...] = (["direct"], [], ["indirect"], [])


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def figures_rerun(ctx: Context, n: int, reruns: int = 8) -> tuple[float, float | None]:
    """First run and median rerun of the figures page after a type-filter change (AppTest)."""


    set_language("en")  # AppTest calls the widgets' format functions in this thread
    clear_streamlit_caches()
    with environ(ctx.fx.app_env(n, f"council-figures-{n}")):
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.switch_page("pages/figures.py")
        at.query_params["lang"] = "en"
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"figures page, {n}: {[e.value for e in at.exception]}")
        times = []
        for i in range(reruns):
            pending = at.pills(key="fig_types").set_value(FILTER_CHANGES[i % len(FILTER_CHANGES)])
            start = time.perf_counter()
            pending.run()
            times.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(f"figures rerun, {n}: {[e.value for e in at.exception]}")
    clear_streamlit_caches()
    return first, _median(times)


def _catalog_and_geography(ctx: Context, n: int) -> tuple[Any, Any, Any]:

    settings = load_settings()
    store = Store(ctx.fx.database_url(f"council-{n}"))
    store.load_seed(ctx.fx.seed_dir(n))
    boundaries = load_boundaries(settings.geodata_paths)
    catalog = build_catalog(store, boundaries)
    store.engine.dispose()
    return catalog, boundaries, build_geography(catalog.centres, boundaries, load_wijk_figures(settings))


def timed(function: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    """Median seconds of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def gaps_and_exports(ctx: Context, n: int) -> dict[str, tuple[float, int | None]]:
    """The gap analysis (cold, and the cached page's answer) and every export, with sizes."""

    use_local_assets()
    catalog, _boundaries, geo = _catalog_and_geography(ctx, n)
    rows: dict[str, tuple[float, int | None]] = {}
    gaps = None
    if geo.has_geometry:
        areas = {a.id: a.geometry for a in geo.areas.values() if a.geometry is not None}
        cold, gaps = timed(lambda: GapAnalysis(areas, geo.wijken, geo.figures, catalog.initiatives), runs=3)
        rows["gap analysis, cold (grid + nearest for 3 views x 10 kinds)"] = (cold, gaps.cells_total())
        view = build_view(catalog, FilterState(), geo, gaps)

        def answer() -> Any:
            return (gaps.shares(view.area_ids, [ANY, *CATEGORIES], view.gap_view, 10),
                    gaps.beyond_geojson(view.area_ids, ANY, view.gap_view, 10))

        cached, _ = timed(answer, runs=20)
        rows["gap analysis, cached: a rerun's shares + gap layer"] = (cached, None)
    view = build_view(catalog, FilterState(), geo, gaps)
    credits = view.attribution()

    def html() -> str:
        fmap = build_map(view.shown, catalog.centres, catalog.projects, areas=catalog.areas, tiles=TileSettings(""), fit=True)
        return exports.standalone_map_html(fmap, credits, "bench")

    for label, make in (
        ("CSV", lambda: exports.to_csv(view.shown)),
        ("Excel", lambda: exports.to_xlsx(view.shown, credits, view.filters)),
        ("GeoJSON", lambda: exports.to_geojson(view.shown, credits, view.filters)),
        ("HTML map (offline)", html),
    ):
        seconds, data = timed(make)
        rows[label] = (seconds, len(data))
    area = view.area_ids[-1]
    seconds, data = timed(lambda: areas_pdf(view, [area]), runs=2)
    rows[f"PDF of one area ({geo.areas[area].label})"] = (seconds, len(data))
    seconds, data = timed(lambda: areas_pdf(view), runs=1)
    rows["PDF of the five areas (5 pages)"] = (seconds, len(data))

    seconds, data = timed(lambda: charts.to_png(charts.type_balance_chart(view.counts)), runs=2)
    rows["PNG of a chart (balance)"] = (seconds, len(data))
    seconds, data = timed(lambda: presentation_pdf(view), runs=1)
    rows["PDF of the presentation (18 slides)"] = (seconds, len(data))
    return rows


SLIDE_JS = "() => { const h = document.querySelector('h1'); return h ? h.innerText : ''; }"


def slide_changes(ctx: Context, n: int, changes: int = 6) -> list[float]:
    """Seconds from pressing the right arrow key to the next slide's title, in headless Chromium."""

    times: list[float] = []
    env = ctx.fx.app_env(n, f"council-slides-{n}")
    with running(f"slides-{n}", ctx.fx.root / f"slides-{n}.log", env, timeout=90) as server, sync_playwright() as p:
        browser = chromium.launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            # The main page first: a new server only knows its pages once it has run (streamlit#9992).
            page.goto(server.page_url("/", lang="en"), wait_until="domcontentloaded")
            page.locator("h1").first.wait_for(timeout=120_000)
            page.goto(server.page_url("/presentatie", slide="kiel", lang="en"), wait_until="domcontentloaded")
            page.wait_for_function("() => (document.querySelector('h1')||{}).innerText === 'Kiel — Buurtwerk De Stek'",
                                   timeout=120_000)
            ready = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && document.querySelector('.st-key-slide_next button')"
            for i in range(changes):
                page.wait_for_function(ready, timeout=60_000)  # the run is over and the buttons are there
                before = page.evaluate(SLIDE_JS)
                key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                page.evaluate("() => document.activeElement && document.activeElement.blur()")  # keys go to the page
                start = time.perf_counter()
                page.keyboard.press(key)
                page.wait_for_function(
                    f"() => {{ const h = document.querySelector('h1'); return h && h.innerText && h.innerText !== {before!r}; }}",
                    timeout=30_000,
                )
                page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
                times.append(time.perf_counter() - start)
        finally:
            browser.close()
    return times


def part_council(ctx: Context) -> list[Target]:
    section("6. Council pages: figures rerun, gap analysis, exports, slide change")
    targets: list[Target] = []
    sizes = (300,) if ctx.quick else SIZES
    rerun_rows = []
    for n in sizes:
        log(f"council: figures page, {n:,} initiatives")
        first, median = figures_rerun(ctx, n)
        rerun_rows.append([f"{n:,}", fmt_s(first), fmt_s(median)])
        if n == TARGET_N:
            targets.append(Target(f"figures page rerun after a filter change, {n:,}", fmt_s(median),
                                  f"<= {TARGET_RERUN_S} s", median is not None and median <= TARGET_RERUN_S))
    print(table(["initiatives", "figures page: first run", "rerun after a filter change (median of 8)"], rerun_rows))
    export_rows = []
    for n in sizes:
        log(f"council: gap analysis and exports, {n:,} initiatives")
        for label, (seconds, size) in gaps_and_exports(ctx, n).items():
            export_rows.append([f"{n:,}", label, fmt_s(seconds), fmt_bytes(size) if size and "gap" not in label else (f"{size} cells" if size else "")])
            if n != TARGET_N:
                continue
            if label.startswith("gap analysis, cold"):
                goal = TARGET_GAPS_COLD_S
            elif label.startswith("gap analysis, cached"):
                goal = TARGET_GAPS_CACHED_S
            elif label.startswith(("PDF of one area", "PDF of the five areas")):
                goal = TARGET_PDF_AREA_S  # the PDF per area: one page each
            else:
                goal = TARGET_EXPORT_S
            targets.append(Target(f"{label}, {n:,}", fmt_s(seconds), f"<= {fmt_s(goal)}", seconds <= goal))
    print(table(["initiatives", "what", "time (median)", "size"], export_rows))
    if not any("gap analysis" in row[1] for row in export_rows):
        print("gap analysis: not measured (no wijken file: set GEODATA_DIR)")
        targets.append(Target("gap analysis", "no wijken file", f"<= {TARGET_GAPS_COLD_S} s", None))
    if ctx.quick or not chromium.chromium_available():
        targets.append(Target(f"slide change in the browser, {TARGET_N:,}", "skipped", f"<= {TARGET_SLIDE_S} s", None))
        return targets
    slide_rows = []
    for n in sizes:
        log(f"council: slide changes in the browser, {n:,} initiatives")
        times = slide_changes(ctx, n)
        median = _median(times)
        slide_rows.append([f"{n:,}", fmt_s(median), f"{fmt_s(min(times))}-{fmt_s(max(times))}"])
        if n == TARGET_N:
            targets.append(Target(f"slide change in the browser (arrow key to next title), {n:,}", fmt_s(median),
                                  f"<= {TARGET_SLIDE_S} s", median is not None and median <= TARGET_SLIDE_S))
    print(table(["initiatives", "slide change: arrow key -> new title, median of 6", "min-max"], slide_rows))
    print("Presentation at 1280x720, headless Chromium; the clock stops when the next slide's title is shown")
    print("and Streamlit has finished the run (its chart is drawn by then or right after).")
    return targets


PART = Part("council", part_council)
