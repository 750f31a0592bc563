"""One benchmark report: ``python -m bench [--quick] [--only PART ...]`` (``make bench``).

Every part is a module of this package with a ``PART`` (:class:`bench.fixtures.Part`); each
prints its section and returns its target rows, and the report ends with all of them:

1. :mod:`bench.maps`: map build + render, ours against the naive one-``folium.Marker``-per-
   initiative map, tiles off;
2. :mod:`bench.reruns`: the server-side rerun after a filter change (AppTest on ``app.py``),
   ours against naive, with a per-phase breakdown at the largest size;
3. :mod:`bench.browser`: time until initiative markers are visible in headless Chromium,
   with an empty Streamlit page and the map alone as floors;
4. :mod:`bench.nearest`: nearest-initiative queries;
5. memory and map sizes;
6. :mod:`bench.store`: one edit with its history row, ``import-data`` of 10,000 rows (dry run,
   commit), on SQLite and on PostgreSQL when ``TEST_DATABASE_URL``/``BENCH_DATABASE_URL`` is set;
7. :mod:`bench.store` (load): 10 concurrent browser sessions changing filters against one;
8. :mod:`bench.council`: the council pages (figures rerun, gap analysis, exports, slide change);
9. :mod:`bench.phone`: a residents' link and the explore page on a phone on slow 4G, through
   the proxy (nginx, two app processes) and straight to Streamlit, first and return visit;
10. :mod:`bench.team`: the team's page: dry run, import and undo of a 10,000-row spreadsheet
    through the page's code path, and saving the edit form;

then the targets and whether they are met.

All on synthetic initiatives (:func:`solidarity.synthetic.generate`) with the real centres and
projects from ``data/`` (copied into a temporary seed folder, never written to). A missed target
is reported, not failed; the exit status is 1 only when a part crashed. ``--quick``: 300 and
1,000 initiatives only, no browser parts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from bench import browser, council, maps, nearest, phone, reruns, store, team  # noqa: E402
from bench.fixtures import SEED, Context, Fixtures, Part, quiet_streamlit  # noqa: E402
from bench.report import Target, fmt_bytes, met_label, section, table  # noqa: E402
from harness import chromium  # noqa: E402


def part_memory(ctx: Context) -> list[Target]:
    results = ctx.results
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
    return []


#: The parts in report order; the memory table after the parts whose results it reads.
PARTS: tuple[Part, ...] = (
    maps.PART, reruns.PART, browser.PART, nearest.PART, Part("memory", part_memory), store.PART, store.LOAD_PART,
    council.PART,
    phone.PART,
    team.PART,
)


def summary(targets: list[Target]) -> None:
    """The closing table: every part's targets."""
    section("Targets")
    print(table(["target", "measured", "target", "met"], [[t.what, t.measured, t.target, met_label(t.met)] for t in targets]))


def header(quick: bool) -> None:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    browser_version = "missing"
    if chromium.chromium_available():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([str(chromium.CHROMIUM), "--version"], capture_output=True, text=True, timeout=20).stdout
            browser_version = re.sub(r"\s+", " ", out).strip() or "present"
    print("Solidariteitskaart Antwerpen: benchmark" + (" (--quick)" if quick else ""))
    print(
        f"python {platform.python_version()}, streamlit {version('streamlit')}, folium {version('folium')}, "
        f"streamlit-folium {version('streamlit-folium')}, pandas {version('pandas')}, "
        f"playwright {version('playwright')}; {os.cpu_count()} CPUs; chromium: {browser_version}"
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

    return find_wijken_file(config.geodata_paths) is not None



def main(argv: list[str] | None = None) -> int:
    names = [part.name for part in PARTS]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 and 1,000 initiatives only; no browser parts")
    parser.add_argument(
        "--slow-naive",
        action="store_true",
        help="always run the naive rerun at 10,000 initiatives (one first run + one rerun: minutes)",
    )
    parser.add_argument("--only", nargs="+", choices=names, metavar="PART", help="run only these parts: " + ", ".join(names))
    args = parser.parse_args(argv)

    quiet_streamlit()
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    started = time.perf_counter()
    failed: list[str] = []
    targets: list[Target] = []
    header(args.quick)
    with tempfile.TemporaryDirectory(prefix="solidarity-bench-") as tmp:
        ctx = Context(Fixtures(Path(tmp)), quick=args.quick, slow_naive=args.slow_naive)
        for part in PARTS:
            if (args.only and part.name not in args.only) or (args.quick and not part.quick):
                continue
            try:
                targets.extend(part.run(ctx))
            except Exception:  # report and go on: one crash must not hide the other parts
                failed.append(part.name)
                print(f"\n{part.name}: CRASHED (traceback on stderr)")
                traceback.print_exc()
            sys.stdout.flush()
        summary(targets)
    print(
        f"\nbench finished in {time.perf_counter() - started:.0f} s; load average {load_average()}"
        + (f"; crashed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
