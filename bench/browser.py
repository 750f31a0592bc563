"""Part 3: time until initiative markers are visible in headless Chromium (``streamlit run`` + Playwright)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.fixtures import PROJECT_DIR, Context, Part
from bench.report import Target, fmt_s, log, section, table
from deploy.processes import running
from harness import chromium

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

#: Initiatives are drawn in clusters at the opening zoom; the five buurtwerk pins are
#: ``.leaflet-marker-icon`` too, so only a cluster proves the initiatives are on the map.
MARKER_SELECTOR = ".marker-cluster"

BROWSER_SIZES = (1_000, 10_000)

TARGET_BROWSER_S = 3.0
TARGET_N = 10_000


@dataclass
class PageLoad:
    """Seconds from ``page.goto`` to each milestone of one page load."""

    title: float  # the first element of the page (its h1) is visible
    iframe: float | None = None  # the map's iframe is in the page
    markers: float | None = None  # initiative clusters are visible in the map
    clusters: int = 0

def _timed_load(page: Any, url: str, timeout_ms: float, with_map: bool) -> PageLoad:
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    page.locator("h1").first.wait_for(state="visible", timeout=timeout_ms)
    result = PageLoad(time.perf_counter() - start)
    if with_map:
        page.locator(MAP_IFRAME).wait_for(state="attached", timeout=timeout_ms)
        result.iframe = time.perf_counter() - start
        markers = page.frame_locator(MAP_IFRAME).locator(MARKER_SELECTOR)
        markers.first.wait_for(state="visible", timeout=timeout_ms)
        result.markers = time.perf_counter() - start
        result.clusters = markers.count()
    return result

def load_page(browser: Any, url: str, timeout_s: float, with_map: bool = True) -> PageLoad:
    """Open ``url`` in a new browser context (empty cache) and time the milestones."""
    return load_page_twice(browser, url, timeout_s, with_map)[0]

def load_page_twice(browser: Any, url: str, timeout_s: float, with_map: bool = True) -> tuple[PageLoad, PageLoad]:
    """A first visit (new browser context: empty cache), then a return visit in a new tab of the
    same context (the browser's cache holds Streamlit's and the map's scripts; a new session)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    timeout_ms = timeout_s * 1000
    try:
        page = context.new_page()
        first = _timed_load(page, url, timeout_ms, with_map)
        page.close()
        page = context.new_page()
        again = _timed_load(page, url, timeout_ms, with_map)
        return first, again
    finally:
        context.close()

FLOOR_PAGE = 'import streamlit as st\n\nst.title("Floor")\n'

#: The same map on a page with nothing else (title + st_folium): what the map costs by itself.
MAP_ONLY_PAGE = """import streamlit as st
from streamlit_folium import st_folium

from solidarity.assets import use_local_assets
from solidarity.mapbuilder import TileSettings, build_map
from ui import resources

st.set_page_config(layout="wide")
use_local_assets()
st.title("Map only")
data = resources.catalog()
fmap = build_map(data.initiatives, data.centres, data.projects, tiles=TileSettings(""), fit=True)
st_folium(fmap, height=560, use_container_width=True, returned_objects=[], key="m", render=False)
"""

def part_browser(ctx: Context, loads: int = 5) -> list[Target]:
    fx, sizes, results = ctx.fx, BROWSER_SIZES, ctx.results
    section("3. Browser: page.goto until initiative markers are visible in the map (headless Chromium)")
    if not chromium.chromium_available():
        print("skipped (no chromium)")
        results["browser"] = "skipped (no chromium)"
        return [Target(f"markers visible in the browser, {TARGET_N:,}", "skipped (no chromium)",
                       f"< {TARGET_BROWSER_S:.0f} s", None)]
    from playwright.sync_api import sync_playwright

    def median(values: Sequence[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    def visits(browser: Any, url: str, with_map: bool = True) -> tuple[list[PageLoad], list[PageLoad]]:
        load_page(browser, url, timeout_s=180, with_map=with_map)  # warms the server (first session)
        pairs = [load_page_twice(browser, url, timeout_s=120, with_map=with_map) for _ in range(loads)]
        return [first for first, _again in pairs], [again for _first, again in pairs]

    def row(label: str, first: list[PageLoad], again: list[PageLoad]) -> list[str]:
        markers = [x.markers for x in first]
        return [
            label,
            fmt_s(median(markers)),
            f"{fmt_s(min(markers))}-{fmt_s(max(markers))}" if all(markers) else "-",
            fmt_s(median([x.title for x in first])),
            fmt_s(median([x.iframe for x in first])),
            fmt_s(median([x.markers for x in again])),
            fmt_s(median([x.title for x in again])),
            str(first[-1].clusters) if first[-1].clusters else "-",
        ]

    rows, found = [], {}
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            log("browser: empty Streamlit page (the floor)")
            floor_script = fx.root / "floor.py"
            floor_script.write_text(FLOOR_PAGE, encoding="utf-8")
            with running("floor", fx.root / "streamlit-floor.log", {}, script=floor_script, timeout=90) as server:
                first, again = visits(browser, server.url, with_map=False)
            rows.append(["empty page (st.title only)", "-", "-", fmt_s(median([x.title for x in first])), "-", "-",
                         fmt_s(median([x.title for x in again])), "-"])
            for n in sizes:
                log(f"browser: {n:,} initiatives, the map alone")
                map_only = PROJECT_DIR / f".bench-map-only-{os.getpid()}.py"  # in the project: imports its modules
                map_only.write_text(MAP_ONLY_PAGE, encoding="utf-8")
                try:
                    with running(f"map-only-{n}", fx.root / f"map-only-{n}.log", fx.app_env(n, f"map-only-{n}"),
                                 script=map_only, timeout=90) as server:
                        first, again = visits(browser, server.url)
                finally:
                    map_only.unlink(missing_ok=True)
                rows.append(row(f"{n:,}: the map alone (title + map)", first, again))
                log(f"browser: {n:,} initiatives, the app")
                with running(f"browser-{n}", fx.root / f"streamlit-{n}.log", fx.app_env(n, f"browser-{n}"),
                             timeout=90) as server:
                    first, again = visits(browser, server.url)
                    results.setdefault("server_rss_mb", {})[n] = server.peak_rss_mb()
                found[n] = ([x.markers for x in first], [x.markers for x in again])
                rows.append(row(f"{n:,}: the explore page", first, again))
        finally:
            browser.close()
    results["browser"] = found
    print(
        table(
            ["page", "markers: 1st visit", "min-max", "title", "map iframe", "markers: return visit", "title",
             "clusters"],
            rows,
        )
    )
    print(f"Medians of {loads} visits, each after one visit that warms the server. 1st visit: a new browser context")
    print("(empty cache); return visit: a new tab of that context (cached scripts, a new Streamlit session).")
    print(f"markers = '{MARKER_SELECTOR}' visible inside {MAP_IFRAME}; title: the page's h1 visible.")
    print("The map alone: the same st_folium map on a page with a title and nothing else (what Streamlit")
    print("and the map take by themselves; the explore page adds its sidebar, filters and list).")
    return browser_targets(found)


def browser_targets(found: dict[int, tuple[list[float | None], list[float | None]]]) -> list[Target]:
    """Markers visible at 10,000 initiatives, first and return visit, against the target."""
    if TARGET_N not in found:
        return [Target(f"markers visible in the browser, {TARGET_N:,}", "not measured", f"< {TARGET_BROWSER_S:.0f} s",
                       None)]
    targets = []
    for label, times in (("1st visit, empty cache", found[TARGET_N][0]), ("return visit", found[TARGET_N][1])):
        present = [t for t in times if t is not None]
        value = statistics.median(present) if present else None
        targets.append(Target(f"markers visible in the browser, {TARGET_N:,}, {label}", fmt_s(value),
                              f"< {TARGET_BROWSER_S:.0f} s", value is not None and value < TARGET_BROWSER_S))
    return targets


PART = Part("browser", part_browser, quick=False)
