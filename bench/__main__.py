"""One benchmark report for the explore map: ``python -m bench [--quick]`` (``make bench``).

Parts, all on synthetic initiatives (:func:`solidarity.synthetic.generate`) with the real
centres and projects from ``data/`` (copied into a temporary seed folder, never written to):

1. map build + render (``get_root().render()``): ours (:func:`solidarity.mapbuilder.build_map`)
   against the naive baseline (:func:`solidarity.mapbuilder.naive_map`, one ``folium.Marker``
   with a popup per initiative), tiles off;
2. server-side rerun after a filter change, through ``streamlit.testing.v1.AppTest`` running
   ``app.py`` on a fresh SQLite store; the naive baseline by patching
   ``solidarity.mapbuilder.build_map``; a per-phase breakdown of our rerun at the largest size;
3. time until initiative markers are visible in headless Chromium (``streamlit run`` + Playwright),
   with an empty Streamlit page as the floor;
4. nearest-initiative queries (:mod:`bench.bench_nearest`);
5. peak memory and map sizes, then the targets and whether they are met.

A missed target is reported, not failed; the exit status is 1 only when a part crashed.
``--quick``: 300 and 1,000 initiatives only, no browser. The naive rerun at 10,000 is skipped
when its map alone takes over 15 s to build (``--slow-naive`` runs it anyway).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

APP = PROJECT_DIR / "app.py"
REAL_DATA = PROJECT_DIR / "data"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: Initiatives are drawn in clusters at the opening zoom; the five buurtwerk pins are
#: ``.leaflet-marker-icon`` too, so only a cluster proves the initiatives are on the map.
MARKER_SELECTOR = ".marker-cluster"

FULL_SIZES = (300, 1_000, 10_000)
QUICK_SIZES = (300, 1_000)
BROWSER_SIZES = (1_000, 10_000)
SEED = 0

#: The naive rerun at 10,000 runs only when its map builds in a quarter of this (see --slow-naive).
NAIVE_RERUN_BUDGET_S = 60.0

TARGET_RERUN_S = 0.3
TARGET_BROWSER_S = 3.0
TARGET_NEAREST_MS = 20.0
TARGET_N = 10_000
TARGET_NEAREST_N = 100_000

#: The filter changes cycled through in the rerun benchmark: (widget kind, key, new value).
FILTER_CHANGES: tuple[tuple[str, str, Any], ...] = (
    ("pills", "f_types", ["direct"]),
    ("pills", "f_types", []),
    ("text", "f_text", "1"),
    ("text", "f_text", ""),
)


def log(message: str) -> None:
    """Progress, on stderr (stdout holds the report)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- formatting ---------------------------------------------------------------------------


def fmt_s(seconds: float | None) -> str:
    """A duration: ms below one second, else seconds."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(size: float | None) -> str:
    """A size in KB or MB (1,000-based, like the technical notes)."""
    if size is None:
        return "-"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"


def fmt_ratio(slow: float | None, fast: float | None) -> str:
    """``slow / fast`` as ``12x``."""
    if not slow or not fast:
        return "-"
    return f"{slow / fast:.0f}x" if slow / fast >= 10 else f"{slow / fast:.1f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> str:
    """A fixed-width text table; the first ``left`` columns are left-aligned, the others right."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def section(title: str) -> None:
    """Print a section title."""
    print()
    print(title)
    print("=" * len(title))


# -- fixtures -----------------------------------------------------------------------------


class Fixtures:
    """Temporary seed folders (real centres/projects + N synthetic initiatives) and databases."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seeds: dict[int, Path] = {}
        self._dbs = 0
        self._check_ids()

    @staticmethod
    def _check_ids() -> None:
        """The synthetic generator may only use centre and project ids the real data has."""
        from solidarity.store import read_csv_records
        from solidarity.synthetic import CENTRE_IDS, PROJECT_IDS

        centres = {row["id"] for row in read_csv_records(REAL_DATA / "centres.csv")}
        projects = {row["id"] for row in read_csv_records(REAL_DATA / "projects.csv")}
        unknown = (set(CENTRE_IDS) - {""} - centres) | (set(PROJECT_IDS) - projects)
        if unknown:
            raise RuntimeError(f"synthetic ids missing from data/: {sorted(unknown)}")

    def seed_dir(self, n: int) -> Path:
        """A seed folder with ``n`` synthetic initiatives (made once per ``n``)."""
        if n not in self._seeds:
            from solidarity.synthetic import write_csv

            folder = self.root / f"seed-{n}"
            folder.mkdir()
            for name in ("centres.csv", "projects.csv"):
                shutil.copyfile(REAL_DATA / name, folder / name)
            write_csv(folder / "initiatives.csv", n, seed=SEED)
            self._seeds[n] = folder
        return self._seeds[n]

    def database_url(self, label: str) -> str:
        """The URL of a new, empty SQLite file."""
        self._dbs += 1
        return f"sqlite:///{self.root / f'{self._dbs:02d}-{label}.sqlite3'}"

    def app_env(self, n: int, label: str) -> dict[str, str]:
        """Environment of the app for ``n`` initiatives on a fresh store, tiles off."""
        return {
            "DATABASE_URL": self.database_url(label),
            "SEED_DIR": str(self.seed_dir(n)),
            "TILES_URL": "none",
            "GEOCODER": "offline",
        }


@contextlib.contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def patched(owner: object, name: str, value: object) -> Iterator[None]:
    """Replace ``owner.name`` for the block."""
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def clear_streamlit_caches() -> None:
    """``st.cache_data`` and ``st.cache_resource`` are process-wide: clear between configurations."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


# -- part 1: map build + render -----------------------------------------------------------


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


def part_maps(fx: Fixtures, sizes: Sequence[int], results: dict[str, Any]) -> None:
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


# -- part 2: Streamlit rerun after a filter change ----------------------------------------


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


@contextlib.contextmanager
def script_cpu() -> Iterator[list[float]]:
    """CPU seconds of each script run's thread: unlike wall time, barely moved by other processes.

    Hooks Streamlit's private ``ScriptRunner._run_script``; yields an empty list when it is gone.
    """
    from streamlit.runtime.scriptrunner import script_runner

    samples: list[float] = []
    runner = getattr(script_runner, "ScriptRunner", None)
    original = getattr(runner, "_run_script", None)
    if original is None:
        yield samples
        return

    def run_script(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            samples.append(time.thread_time() - start)

    with patched(runner, "_run_script", run_script):
        yield samples


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
    with environ(fx.app_env(n, f"apptest-{label}-{n}")), patch, script_cpu() as cpu:
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


def part_reruns(fx: Fixtures, sizes: Sequence[int], results: dict[str, Any], slow_naive: bool) -> None:
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


# -- part 3: browser ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen, timeout: float) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}")
        with contextlib.suppress(OSError, urllib.error.URLError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s")


@dataclass
class Server:
    url: str
    peak_rss_mb: float | None = None


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident set size of a running process (Linux ``VmHWM``), in MB."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log_path: Path, script: Path = APP) -> Iterator[Server]:
    """``streamlit run <script>`` on a free port; yields it; stops that process (and notes its peak RSS) after."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=os.environ | env, stdout=output, stderr=subprocess.STDOUT
        )
        server = Server(f"http://127.0.0.1:{port}/")
        try:
            wait_healthy(port, process, timeout=90)
            yield server
        except Exception:
            sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
            raise
        finally:
            server.peak_rss_mb = peak_rss_mb(process.pid)
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


def part_browser(fx: Fixtures, sizes: Sequence[int], results: dict[str, Any], loads: int = 5) -> None:
    section("3. Browser: page.goto until initiative markers are visible in the map (headless Chromium)")
    if not CHROMIUM.exists():
        print("skipped (no chromium)")
        results["browser"] = "skipped (no chromium)"
        return
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
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            log("browser: empty Streamlit page (the floor)")
            floor_script = fx.root / "floor.py"
            floor_script.write_text(FLOOR_PAGE, encoding="utf-8")
            with streamlit_server({}, fx.root / "streamlit-floor.log", floor_script) as server:
                first, again = visits(browser, server.url, with_map=False)
            rows.append(["empty page (st.title only)", "-", "-", fmt_s(median([x.title for x in first])), "-", "-",
                         fmt_s(median([x.title for x in again])), "-"])
            for n in sizes:
                log(f"browser: {n:,} initiatives, the map alone")
                map_only = PROJECT_DIR / f".bench-map-only-{os.getpid()}.py"  # in the project: imports its modules
                map_only.write_text(MAP_ONLY_PAGE, encoding="utf-8")
                try:
                    with streamlit_server(fx.app_env(n, f"map-only-{n}"), fx.root / f"map-only-{n}.log", map_only) as server:
                        first, again = visits(browser, server.url)
                finally:
                    map_only.unlink(missing_ok=True)
                rows.append(row(f"{n:,}: the map alone (title + map)", first, again))
                log(f"browser: {n:,} initiatives, the app")
                with streamlit_server(fx.app_env(n, f"browser-{n}"), fx.root / f"streamlit-{n}.log") as server:
                    first, again = visits(browser, server.url)
                results.setdefault("server_rss_mb", {})[n] = server.peak_rss_mb
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


# -- part 4: nearest ----------------------------------------------------------------------


def part_nearest(results: dict[str, Any]) -> None:
    from bench import bench_nearest

    queries, k, radius = 50, 10, 1000.0
    rows, found = [], {}
    for n in bench_nearest.SIZES:
        log(f"nearest: {n:,} initiatives")
        r = bench_nearest.bench(n, queries, k, radius, SEED)
        found[n] = r
        rows.append([f"{n:,}", f"{r['build']:.3f}", f"{r['k']:.3f}", f"{r['radius']:.3f}", f"{r['function']:.3f}"])
    results["nearest"] = found
    section(f"4. Nearest-initiative queries (bench/bench_nearest.py), k={k}, median of {queries} queries, ms")
    print(table(["initiatives", "index build", "query k", f"query k, {radius:.0f} m", "nearest() no index"], rows))


# -- part 5 and summary -------------------------------------------------------------------


def part_memory(results: dict[str, Any]) -> None:
    section("5. Memory and map size")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    rows = [["peak RSS, this bench process (AppTest runs in it)", f"{own:.0f} MB"]]
    for n, rss in results.get("server_rss_mb", {}).items():
        rows.append(
            [f"peak RSS, streamlit server after the browser loads, {n:,} initiatives", f"{rss:.0f} MB" if rss else "-"]
        )
    for n, (ours, naive) in results.get("maps", {}).items():
        rows.append(
            [
                f"map HTML, {n:,} initiatives: ours / naive",
                f"{fmt_bytes(ours.html_bytes)} / {fmt_bytes(naive.html_bytes)}",
            ]
        )
    for n, (ours, naive) in results.get("reruns", {}).items():
        rows.append(
            [
                f"st_folium payload, {n:,} initiatives (active): ours / naive",
                f"{fmt_bytes(ours.payload_bytes)} / {naive.skipped or fmt_bytes(naive.payload_bytes)}",
            ]
        )
    results["rss_mb"] = own
    print(table(["what", "value"], rows))


def summary(results: dict[str, Any], quick: bool) -> None:
    section("Targets")
    rows = []

    reruns = results.get("reruns", {})
    if TARGET_N in reruns:
        value = reruns[TARGET_N][0].median
        cpu = reruns[TARGET_N][0].cpu_median
        rows.append(
            [
                f"filter-change rerun, server side, {TARGET_N:,}",
                fmt_s(value) + (f" (script CPU {fmt_s(cpu)})" if cpu else ""),
                f"< {TARGET_RERUN_S} s",
                "yes" if value < TARGET_RERUN_S else "NO",
            ]
        )
    else:
        rows.append(
            [
                f"filter-change rerun, server side, {TARGET_N:,}",
                "not measured" + (" (--quick)" if quick else ""),
                f"< {TARGET_RERUN_S} s",
                "-",
            ]
        )

    browser = results.get("browser")
    if isinstance(browser, dict) and TARGET_N in browser:
        for label, times in (("1st visit, empty cache", browser[TARGET_N][0]), ("return visit", browser[TARGET_N][1])):
            value = statistics.median(times)
            rows.append(
                [
                    f"markers visible in the browser, {TARGET_N:,}, {label}",
                    fmt_s(value),
                    f"< {TARGET_BROWSER_S:.0f} s",
                    "yes" if value < TARGET_BROWSER_S else "NO",
                ]
            )
    else:
        why = browser if isinstance(browser, str) else "not measured" + (" (--quick)" if quick else "")
        rows.append([f"markers visible in the browser, {TARGET_N:,}", why, f"< {TARGET_BROWSER_S:.0f} s", "-"])

    nearest = results.get("nearest", {})
    if TARGET_NEAREST_N in nearest:
        r = nearest[TARGET_NEAREST_N]
        value = max(r["k"], r["radius"], r["function"])
        rows.append(
            [
                f"nearest query (slowest variant), {TARGET_NEAREST_N:,}",
                f"{value:.2f} ms",
                f"< {TARGET_NEAREST_MS:.0f} ms",
                "yes" if value < TARGET_NEAREST_MS else "NO",
            ]
        )
    else:
        rows.append([f"nearest query, {TARGET_NEAREST_N:,}", "not measured", f"< {TARGET_NEAREST_MS:.0f} ms", "-"])
    print(table(["target", "measured", "target", "met"], rows))


def header(quick: bool) -> None:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    chromium = "missing"
    if CHROMIUM.exists():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=20).stdout
            chromium = re.sub(r"\s+", " ", out).strip() or "present"
    print("Solidariteitskaart Antwerpen: benchmark" + (" (--quick)" if quick else ""))
    print(
        f"python {platform.python_version()}, streamlit {version('streamlit')}, folium {version('folium')}, "
        f"streamlit-folium {version('streamlit-folium')}, pandas {version('pandas')}, "
        f"playwright {version('playwright')}; {os.cpu_count()} CPUs; chromium: {chromium}"
    )
    from solidarity.settings import load_settings

    areas = "GEODATA_DIR/cache has a wijken file" if _wijken_present(load_settings()) else "no wijken file: areas off"
    print(f"synthetic initiatives (seed {SEED}) + real centres/projects from data/; neighbourhood areas: {areas}")
    print(f"load average at start: {load_average()} (other processes on this machine skew every timing)")


def load_average() -> str:
    """The 1/5/15-minute load averages."""
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _wijken_present(config: Any) -> bool:
    from geo.boundaries import find_wijken_file

    return find_wijken_file(config) is not None


def quiet_streamlit() -> None:
    """No bare-mode warnings from AppTest and cache clearing (the config would reset the logger)."""
    from streamlit import config, logger

    config.get_option("logger.level")  # parse the config first: parsing resets the level
    config.set_option("logger.level", "error")
    logger.set_log_level("error")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 and 1,000 initiatives only; no browser")
    parser.add_argument(
        "--slow-naive",
        action="store_true",
        help="always run the naive rerun at 10,000 initiatives (one first run + one rerun: minutes)",
    )
    args = parser.parse_args(argv)

    quiet_streamlit()
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    started = time.perf_counter()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    results: dict[str, Any] = {}
    failed: list[str] = []
    header(args.quick)
    with tempfile.TemporaryDirectory(prefix="solidarity-bench-") as tmp:
        fx = Fixtures(Path(tmp))
        parts: list[tuple[str, Callable[[], None]]] = [
            ("map build + render", lambda: part_maps(fx, sizes, results)),
            ("rerun", lambda: part_reruns(fx, sizes, results, slow_naive=args.slow_naive)),
        ]
        if not args.quick:
            parts.append(("browser", lambda: part_browser(fx, BROWSER_SIZES, results)))
        parts.append(("nearest", lambda: part_nearest(results)))
        for name, run in parts:
            try:
                run()
            except Exception:  # report and go on: one crash must not hide the other parts
                failed.append(name)
                print(f"\n{name}: CRASHED (traceback on stderr)")
                traceback.print_exc()
            sys.stdout.flush()
        part_memory(results)
        summary(results, args.quick)
    print(
        f"\nbench finished in {time.perf_counter() - started:.0f} s; load average {load_average()}"
        + (f"; crashed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
