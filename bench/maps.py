"""Part 1: map build + render to HTML, ours against the naive one-marker-per-initiative map."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.fixtures import Context, Part
from bench.report import fmt_bytes, fmt_ratio, fmt_s, log, section, table


@dataclass
class MapTiming:
    build: float
    render: float
    total: float
    html_bytes: int
    runs: int

def time_map(factory: Callable[[], Any], runs: int) -> MapTiming:
    """Median build, render and total time of ``factory()`` then ``get_root().render()``."""
    builds, renders, totals, size = [], [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        fmap = factory()
        built = time.perf_counter()
        html = fmap.get_root().render()
        done = time.perf_counter()
        builds.append(built - start)
        renders.append(done - built)
        totals.append(done - start)
        size = len(html.encode("utf-8"))
    return MapTiming(statistics.median(builds), statistics.median(renders), statistics.median(totals), size, runs)

def part_maps(ctx: Context) -> list:
    fx, sizes, results = ctx.fx, ctx.sizes, ctx.results
    from solidarity.assets import use_local_assets
    from solidarity.mapbuilder import TileSettings, build_map, naive_map
    from solidarity.store import Store

    use_local_assets()  # as the app does: local asset links in the HTML
    no_tiles = TileSettings(url="")
    rows, maps = [], {}
    for n in sizes:
        store = Store(fx.database_url(f"maps-{n}"))
        report = store.load_seed(fx.seed_dir(n))
        if report.errors:
            raise RuntimeError(f"{len(report.errors)} synthetic rows rejected, first: {report.errors[0]}")
        initiatives = store.initiatives(include_inactive=True)  # all n on the map
        centres, projects = store.centres(), store.projects()
        store.engine.dispose()
        if n == sizes[0]:  # warm-up: folium's templates, first imports
            few = initiatives.head(10)
            time_map(lambda i=few, c=centres, p=projects: build_map(i, c, p, tiles=no_tiles, fit=True), 1)
            time_map(lambda i=few: naive_map(i), 1)
        log(f"maps: {n:,} initiatives")
        ours = time_map(lambda i=initiatives, c=centres, p=projects: build_map(i, c, p, tiles=no_tiles, fit=True), 5)
        naive_runs = 1 if n >= 10_000 else 3
        naive = time_map(lambda i=initiatives: naive_map(i), naive_runs)
        maps[n] = (ours, naive)
        rows.append(
            [
                f"{n:,}",
                fmt_s(ours.build),
                fmt_s(ours.render),
                fmt_s(ours.total),
                fmt_bytes(ours.html_bytes),
                fmt_s(naive.build),
                fmt_s(naive.render),
                fmt_s(naive.total),
                fmt_bytes(naive.html_bytes),
                f"{naive_runs}",
                fmt_ratio(naive.total, ours.total),
            ]
        )
    results["maps"] = maps
    section("1. Map build + render to HTML (folium get_root().render(), tiles off)")
    print(
        table(
            [
                "initiatives",
                "ours build",
                "render",
                "total",
                "HTML",
                "naive build",
                "render",
                "total",
                "HTML",
                "naive runs",
                "ours faster",
            ],
            rows,
        )
    )
    print("ours: build_map (FastMarkerCluster + JS callback, real centres/projects), median of 5; from the store's")
    print("frames, so it escapes and encodes every row each time (the app does that once per data version);")
    print(
        "naive: naive_map (folium.Marker + Popup + Icon per initiative in a MarkerCluster), median of the runs shown."
    )
    return []


PART = Part("map build + render", part_maps)
