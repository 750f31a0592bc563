"""Part 2: the server-side rerun after a filter change (AppTest on app.py), ours against naive."""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.fixtures import APP, Context, Fixtures, Part, clear_streamlit_caches, environ, patched, script_cpu
from bench.maps import MapTiming
from bench.report import Target, fmt_bytes, fmt_ratio, fmt_s, log, section, table
from harness.apptest import v2_navigation

#: The naive rerun at 10,000 runs only when its map builds in a quarter of this (see --slow-naive).
NAIVE_RERUN_BUDGET_S = 60.0

TARGET_RERUN_S = 0.3

TARGET_N = 10_000

#: The filter changes cycled through in the rerun benchmark: (widget kind, key, new value).
FILTER_CHANGES: tuple[tuple[str, str, Any], ...] = (
    ("pills", "f_types", ["direct"]),
    ("pills", "f_types", []),
    ("text", "f_text", "1"),
    ("text", "f_text", ""),
)


@dataclass
class RerunResult:
    label: str
    n: int
    first: float
    reruns: list[float] = field(default_factory=list)
    shown: list[int] = field(default_factory=list)
    total_rows: int = 0
    payload_bytes: int = 0
    leaflet_markers: int = 0
    skipped: str = ""
    cpu: list[float] = field(default_factory=list)  # CPU time of the script thread per rerun

    @property
    def median(self) -> float | None:
        return statistics.median(self.reruns) if self.reruns else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

def naive_build_map(initiatives: Any, *_args: Any, **_kwargs: Any) -> Any:
    """``build_map``'s signature, the naive map's content."""
    from solidarity.mapbuilder import naive_map

    return naive_map(initiatives)

def _check(at: Any, what: str) -> None:
    if at.exception:
        raise RuntimeError(f"{what}: the app raised: {[e.value for e in at.exception]}")

def _map_component(at: Any) -> dict[str, Any]:
    """The ``st_folium`` element's arguments (the Leaflet script and asset links)."""
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args or "{}")
        if "script" in args:
            return args
    raise RuntimeError("no st_folium map in the page")

def _shown(at: Any) -> int:
    """Initiatives on the map: rows of our data array, or the naive map's markers."""
    import re

    script = _map_component(at)["script"]
    match = re.search(r"var data = (\[.*?\]);\n", script, re.S)
    return len(json.loads(match.group(1))) if match else script.count("L.marker(")

def _change(at: Any, kind: str, key: str, value: Any) -> Any:
    if kind == "pills":
        return at.pills(key=key).set_value(value)
    return at.text_input(key=key).input(value)

def measure_reruns(fx: Fixtures, n: int, label: str, reruns: int, timeout: float) -> RerunResult:
    """First run, then ``reruns`` timed reruns each after one filter change."""
    from streamlit.testing.v1 import AppTest

    import solidarity.mapbuilder

    clear_streamlit_caches()
    patch = (
        patched(solidarity.mapbuilder, "build_map", naive_build_map) if label == "naive" else contextlib.nullcontext()
    )
    with environ(fx.app_env(n, f"apptest-{label}-{n}")), patch, script_cpu() as cpu, v2_navigation():
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        start = time.perf_counter()
        at.run()
        result = RerunResult(label, n, time.perf_counter() - start)
        _check(at, f"{label} {n} first run")
        result.total_rows = _shown(at)
        cpu.clear()
        for i in range(reruns):
            kind, key, value = FILTER_CHANGES[i % len(FILTER_CHANGES)]
            pending = _change(at, kind, key, value)
            start = time.perf_counter()
            pending.run()
            result.reruns.append(time.perf_counter() - start)
            _check(at, f"{label} {n} rerun {i + 1}")
            result.shown.append(_shown(at))
        result.cpu = list(cpu)
        component = _map_component(at)
        result.payload_bytes = len(json.dumps(component).encode("utf-8"))
        result.leaflet_markers = component["script"].count("L.marker(")
    clear_streamlit_caches()
    # The patch must have reached the page (it re-imports build_map on every run).
    if label == "naive" and result.leaflet_markers < result.shown[-1]:
        raise RuntimeError(f"naive patch not in effect: {result.leaflet_markers} L.marker calls in the map script")
    if label == "ours" and result.leaflet_markers > 10:
        raise RuntimeError(f"ours: {result.leaflet_markers} L.marker calls: is build_map still patched?")
    if len({result.total_rows, *result.shown}) < 2:
        raise RuntimeError(f"{label} {n}: the filter changes did not change the list ({result.shown})")
    return result

#: Calls of the explore page timed in the breakdown: (module, attribute, label, nested in the one above).
PHASES: tuple[tuple[str, str, str, bool], ...] = (
    ("ui.resources", "catalog", "resources.catalog() (st.cache_resource hit: the shared Catalog)", False),
    ("solidarity.filters", "apply_filters", "apply_filters", False),
    ("solidarity.mapbuilder", "build_map", "build_map (folium objects)", False),
    ("solidarity.mapbuilder", "marker_rows", "  of which marker_rows (escaping: only without the catalogue's rows)", True),
    ("streamlit_folium", "st_folium", "st_folium (renders the map to HTML/JS, sends it)", False),
    ("solidarity.catalog", "Catalog.list_rows", "Catalog.list_rows (one page, from the list made per language)", False),
    ("solidarity.views", "table_html", "table_html (the list's page as an HTML table)", False),
    ("streamlit", "selectbox", "st.selectbox (initiative picker: one page of options; language)", False),
)

SCRIPT_RUN = "script run (all page code, inside Streamlit)"

def rerun_breakdown(fx: Fixtures, n: int, reruns: int, timeout: float) -> list[tuple[str, float, bool]]:
    """Median time per phase of our rerun, summed per rerun (separate pass: timers add a little overhead).

    Returns (label, seconds, nested) rows; nested rows are part of the row above them.
    """
    import importlib

    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    labels = [label for _m, _a, label, _n in PHASES] + [SCRIPT_RUN]
    current: dict[str, float] = dict.fromkeys(labels, 0.0)
    per_run: dict[str, list[float]] = {label: [] for label in labels}

    def timed(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                current[label] += time.perf_counter() - start

        return wrapper

    clear_streamlit_caches()
    with contextlib.ExitStack() as stack:
        for module_name, attribute, label, _nested in PHASES:
            owner: Any = importlib.import_module(module_name)
            *path, name = attribute.split(".")  # "Class.method" patches the class
            for part in path:
                owner = getattr(owner, part)
            stack.enter_context(patched(owner, name, timed(getattr(owner, name), label)))
        # The whole script run, to tell page code from AppTest's own work (private API: optional).
        runner = getattr(script_runner, "ScriptRunner", None)
        if runner is not None and hasattr(runner, "_run_script"):
            stack.enter_context(patched(runner, "_run_script", timed(runner._run_script, SCRIPT_RUN)))
        stack.enter_context(environ(fx.app_env(n, f"breakdown-{n}")))
        stack.enter_context(v2_navigation())
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        at.run()
        _check(at, "breakdown first run")
        totals = []
        for i in range(reruns):
            current.update(dict.fromkeys(labels, 0.0))
            kind, key, value = FILTER_CHANGES[i % len(FILTER_CHANGES)]
            pending = _change(at, kind, key, value)
            start = time.perf_counter()
            pending.run()
            totals.append(time.perf_counter() - start)
            _check(at, "breakdown rerun")
            for label in labels:
                per_run[label].append(current[label])
    clear_streamlit_caches()
    median = {label: statistics.median(values) for label, values in per_run.items()}
    whole = statistics.median(totals)
    rows = [(label, median[label], nested) for _m, _a, label, nested in PHASES]
    timed_calls = sum(seconds for _l, seconds, nested in rows if not nested)
    if median[SCRIPT_RUN]:
        rows.append(("other page code, widgets, Streamlit", max(median[SCRIPT_RUN] - timed_calls, 0.0), False))
        rows.append(("AppTest, outside the script run", max(whole - median[SCRIPT_RUN], 0.0), False))
    else:
        rows.append(("rest: other page code, widgets, Streamlit, AppTest", max(whole - timed_calls, 0.0), False))
    rows.append(("whole rerun (median)", whole, False))
    return rows

def part_reruns(ctx: Context) -> list[Target]:
    fx, sizes, results, slow_naive = ctx.fx, ctx.sizes, ctx.results, ctx.slow_naive
    rows, found = [], {}
    for n in sizes:
        log(f"rerun: ours, {n:,} initiatives")
        ours = measure_reruns(fx, n, "ours", reruns=8, timeout=120)
        naive_map_s = results.get("maps", {}).get(n, (None, MapTiming(0, 0, 0, 0, 0)))[1].total
        # A naive rerun renders the map about twice (st_folium), after a first run that does the same.
        if n >= 10_000 and not slow_naive and naive_map_s > NAIVE_RERUN_BUDGET_S / 4:
            naive = RerunResult("naive", n, 0.0, skipped="skipped (>10 s)")
        else:
            log(f"rerun: naive, {n:,} initiatives" + (" (slow)" if n >= 10_000 else ""))
            naive = measure_reruns(fx, n, "naive", reruns=1 if n >= 10_000 else (4 if n >= 1_000 else 8), timeout=600)
        found[n] = (ours, naive)
        if naive.skipped:
            naive_cells = [naive.skipped, "-", "-", "-", "-"]
        else:
            naive_cells = [
                fmt_s(naive.first),
                fmt_s(naive.median),
                fmt_s(naive.cpu_median),
                str(len(naive.reruns)),
                fmt_bytes(naive.payload_bytes),
            ]
        rows.append(
            [
                f"{n:,}",
                f"{ours.total_rows:,}",
                fmt_s(ours.first),
                fmt_s(ours.median),
                f"{fmt_s(min(ours.reruns))}-{fmt_s(max(ours.reruns))}",
                fmt_s(ours.cpu_median),
                fmt_bytes(ours.payload_bytes),
                *naive_cells,
                fmt_ratio(naive.median, ours.median),
            ]
        )
    results["reruns"] = found
    section("2. Server-side rerun after a filter change (AppTest on app.py, fresh SQLite store, tiles off)")
    headers = ["initiatives", "active", "ours 1st run", "rerun median", "min-max", "script CPU", "map payload"]
    headers += ["naive 1st run", "rerun median", "script CPU", "reruns", "map payload", "ours faster"]
    print(table(headers, rows))
    print(f"reruns cycle through: {', '.join(f'{k}={v!r}' for _kind, k, v in FILTER_CHANGES)};")
    if any(naive.skipped for _ours, naive in found.values()):
        print("naive at 10,000: skipped (>10 s per rerun: see its map build + render in part 1); --slow-naive runs it.")
    print("ours: 8 reruns; 1st run includes seeding the store and building the catalog; 'active': initiatives")
    print("shown unfiltered (synthetic status: ~90% active); script CPU: median CPU time of the script thread")
    print("per rerun (less sensitive to other processes than wall time); map payload: the st_folium arguments.")

    largest = max(sizes)
    log(f"rerun: per-phase breakdown, ours, {largest:,} initiatives")
    breakdown = rerun_breakdown(fx, largest, reruns=8, timeout=120)
    results["breakdown"] = breakdown
    total = breakdown[-1][1]
    print()
    print(
        f"Where our rerun's time goes, {largest:,} initiatives (per-rerun sums, median of 8 reruns; timers around each call):"
    )
    print(
        table(
            ["phase", "median", "share"],
            [
                [label, fmt_s(seconds), f"{seconds / total:.0%}" if total else "-"]
                for label, seconds, _nested in breakdown
            ],
        )
    )
    return [rerun_target(found)]


def rerun_target(found: dict[int, tuple[RerunResult, RerunResult]]) -> Target:
    """The filter-change rerun at 10,000 initiatives against its target."""
    what = f"filter-change rerun, server side, {TARGET_N:,}"
    if TARGET_N not in found:
        return Target(what, "not measured (--quick)", f"< {TARGET_RERUN_S} s", None)
    ours = found[TARGET_N][0]
    cpu = ours.cpu_median
    measured = fmt_s(ours.median) + (f" (script CPU {fmt_s(cpu)})" if cpu else "")
    return Target(what, measured, f"< {TARGET_RERUN_S} s", ours.median is not None and ours.median < TARGET_RERUN_S)


PART = Part("rerun", part_reruns)
