"""Part 6: the store as the record: one edit with its history row, ``import-data`` of 10,000
rows (dry run and commit), on SQLite and, when ``TEST_DATABASE_URL`` (or ``BENCH_DATABASE_URL``)
names a PostgreSQL database, on PostgreSQL too; and the load test: 10 concurrent sessions
changing filters on the explore page against one session in the same run."""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.fixtures import Context, Part
from bench.report import Target, fmt_s, log, section, table
from deploy.processes import running
from harness import chromium

EDITS = 60
TARGET_EDIT_S = 0.020
IMPORT_N = 10_000
TARGET_IMPORT_S = 10.0
LOAD_N = 1_000
SESSIONS = 10
CLICKS = 12
#: Seconds a person looks at the map between two filter clicks (uniform): ten people using the
#: map at once, not ten robots clicking as fast as the browser allows.
PAUSE_S = (1.5, 3.5)
TARGET_P95_RATIO = 3.0
TARGET_MB_PER_SESSION = 30.0
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

#: The number of initiative points on the live map, read from the top page (the map's iframe is
#: same-origin); null while no live cluster is there.
COUNT_JS = """(expected) => {
  const frame = document.querySelector('%s');
  const w = frame && frame.contentWindow;
  if (!w) return false;
  const live = Object.keys(w).filter((k) => k.startsWith('fast_marker_cluster_')).map((k) => w[k])
    .filter((c) => c && c.getLayers && c._map && c._map._container && w.document.body.contains(c._map._container));
  if (!live.length) return false;
  return live.reduce((n, c) => n + c.getLayers().length, 0) === expected;
}""" % MAP_IFRAME  # noqa: UP031 - the JS has braces


def postgres_url() -> str:
    return (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or "").strip()


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A fresh schema in the PostgreSQL database of ``url``, dropped afterwards."""
    import sqlalchemy as sa

    from solidarity.db import normalise_url

    base = normalise_url(url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def databases(ctx: Context) -> Iterator[tuple[str, str]]:
    """(label, URL of a new empty store): SQLite, then PostgreSQL when one is configured."""
    yield "SQLite", ctx.fx.database_url("store")
    url = postgres_url()
    if url:
        try:
            with pg_schema(url) as schema_url:
                yield "PostgreSQL", schema_url
        except Exception as exc:  # noqa: BLE001 - reported, the SQLite rows stand
            log(f"store: PostgreSQL skipped: {exc}")


def bench_edits(url: str, seed: Path) -> list[float]:
    """Seconds per edit (one update with its history row), ``EDITS`` times."""
    from solidarity.store import Store

    store = Store(url)
    store.ensure_seeded(seed)
    ids = list(store.initiatives()["id"][:EDITS])
    times = []
    for k, row_id in enumerate(ids):
        version = store.record("initiatives", row_id).version
        start = time.perf_counter()
        store.update("initiatives", row_id, {"name": f"Bewerkt {k}"}, version=version, who="bench@example.org")
        times.append(time.perf_counter() - start)
    assert len(store.history(ids[-1])) == 2
    store.close()
    return times


def bench_import(url: str, seed: Path, file: Path) -> tuple[float, float, float, str]:
    """(dry run, commit, re-import with nothing to do) seconds and the commit's summary."""
    from solidarity.store import Store

    store = Store(url)
    store.ensure_seeded(seed)
    start = time.perf_counter()
    dry = store.import_file(file, dry_run=True)
    dry_s = time.perf_counter() - start
    start = time.perf_counter()
    report = store.import_file(file)
    commit_s = time.perf_counter() - start
    start = time.perf_counter()
    again = store.import_file(file)
    again_s = time.perf_counter() - start
    if len(dry.added) != IMPORT_N or len(report.added) != IMPORT_N or len(again.unchanged) != IMPORT_N:
        raise RuntimeError(f"import: {dry.summary()} / {report.summary()} / {again.summary()}")
    store.close()
    return dry_s, commit_s, again_s, report.summary()


def part_store(ctx: Context) -> list[Target]:
    fx = ctx.fx
    real_seed = fx.seed_dir(0)
    import_file = fx.root / "import-10000.csv"
    from solidarity.synthetic import write_csv

    write_csv(import_file, IMPORT_N, seed=1)
    rows, targets = [], []
    for label, url in databases(ctx):
        log(f"store: edits on {label}")
        edits = bench_edits(url, fx.seed_dir(1_000))
        median = statistics.median(edits)
        p95 = statistics.quantiles(edits, n=20)[-1]
        rows.append([f"one edit + history row, {label} (store of 1,000)", fmt_s(median), f"p95 {fmt_s(p95)}"])
        if label == "SQLite":
            targets.append(Target("one edit with its history row, SQLite (median)", fmt_s(median),
                                  f"<= {TARGET_EDIT_S * 1000:.0f} ms", median <= TARGET_EDIT_S))  # fmt: skip
        else:
            targets.append(Target(f"one edit with its history row, {label} (median)", fmt_s(median), "-", None))
    for label, url in databases(ctx):
        log(f"store: import of {IMPORT_N:,} rows on {label}")
        dry_s, commit_s, again_s, summary = bench_import(url, real_seed, import_file)
        rows.append([f"import-data {IMPORT_N:,} new rows, {label}: dry run / commit", f"{fmt_s(dry_s)} / {fmt_s(commit_s)}",
                     f"again, all left alone: {fmt_s(again_s)}"])  # fmt: skip
        for what, seconds in (("dry run", dry_s), ("commit", commit_s)):
            targets.append(Target(f"import-data {IMPORT_N:,} rows, {what}, {label}", fmt_s(seconds),
                                  f"<= {TARGET_IMPORT_S:.0f} s", seconds <= TARGET_IMPORT_S))  # fmt: skip
    section("6. The store: edits with history, import-data")
    print(table(["what", "median / time", "also"], rows))
    print(f"edits: {EDITS} updates of different initiatives, each its own transaction (write lock, version check,")
    print("row, link table, history row, data_version), timed around Store.update. import: synthetic rows into a")
    print("store seeded with the real data; the commit writes 10,000 rows, their projects and 10,000 history rows.")
    if "reruns" in ctx.results:
        print("The explore page's rerun at 10,000 initiatives on this schema: part 2 (its target row below).")
    return targets


# -- load test ----------------------------------------------------------------------------------


def expected_counts(seed: Path, tmp: Path) -> dict[str, int]:
    """Points on the map for no type filter, direct and indirect (as the server computes them)."""
    from solidarity.catalog import build_catalog
    from solidarity.filters import FilterState, apply_filters
    from solidarity.store import Store

    store = Store(f"sqlite:///{tmp / 'load-expect.sqlite3'}")
    store.ensure_seeded(seed)
    catalog = build_catalog(store)
    counts = {}
    for key, params in (("all", {}), ("direct", {"type": ["direct"]}), ("indirect", {"type": ["indirect"]})):
        counts[key] = len(apply_filters(catalog.initiatives, FilterState.from_query_params(params, catalog.vocabulary)))
    store.close()
    return counts


#: The clicks every session repeats: (pill text, points expected after the click).
CYCLE = (("Direct solidarity", "direct"), ("Direct solidarity", "all"), ("Indirect solidarity", "indirect"),
         ("Indirect solidarity", "all"))  # fmt: skip


async def _open(browser: Any, url: str, counts: dict[str, int]) -> tuple[Any, Any]:
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    await page.goto(url, wait_until="commit", timeout=180_000)
    await page.wait_for_function(COUNT_JS, arg=counts["all"], timeout=180_000, polling=50)
    return context, page


def server_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (``/proc/<pid>/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def _clicks(page: Any, counts: dict[str, int], clicks: int, seed: int) -> list[float]:
    """``clicks`` filter changes, each after a pause of a person looking at the map (seeded)."""
    rng = random.Random(seed)
    times = []
    for k in range(clicks):
        await asyncio.sleep(rng.uniform(*PAUSE_S))
        text, state = CYCLE[k % len(CYCLE)]
        button = page.locator('[data-testid="stButtonGroup"] button').filter(has_text=re.compile(rf"^\s*{text}\s*$"))
        start = time.perf_counter()
        await button.click(timeout=60_000)
        await page.wait_for_function(COUNT_JS, arg=counts[state], timeout=120_000, polling="raf")
        times.append(time.perf_counter() - start)
    return times


async def _load(url: str, counts: dict[str, int], server: Any) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await chromium.launch(playwright)
        try:
            warm_context, _page = await _open(browser, url, counts)  # the first session warms the server
            await warm_context.close()
            first = await _open(browser, url, counts)
            cpu_start = server_cpu_s(server.process.pid)
            single = await _clicks(first[1], counts, CLICKS, seed=0)
            cpu_single = server_cpu_s(server.process.pid)
            await asyncio.sleep(1.0)
            rss_one = server.rss_mb()
            others = [await _open(browser, url, counts) for _ in range(SESSIONS - 1)]
            sessions = [first, *others]
            cpu_many_start = server_cpu_s(server.process.pid)
            results = await asyncio.gather(
                *[_clicks(page, counts, CLICKS, seed=k + 1) for k, (_context, page) in enumerate(sessions)]
            )
            cpu_many = server_cpu_s(server.process.pid)
            await asyncio.sleep(1.0)
            rss_all = server.rss_mb()
            for context, _page in sessions:
                await context.close()
        finally:
            await browser.close()
    cpu = None
    if None not in (cpu_start, cpu_single, cpu_many_start, cpu_many):
        cpu = ((cpu_single - cpu_start) / CLICKS, (cpu_many - cpu_many_start) / (CLICKS * SESSIONS))
    return {"single": single, "many": [t for session in results for t in session], "rss_one": rss_one,
            "rss_all": rss_all, "cpu_per_click": cpu, "load": os.getloadavg()[0]}  # fmt: skip


def part_load(ctx: Context) -> list[Target]:
    section(f"7. Load: {SESSIONS} concurrent sessions changing filters on the explore page ({LOAD_N:,} initiatives)")
    what = f"filter click until the map shows it, p95 with {SESSIONS} sessions"
    if not chromium.chromium_available():
        print("skipped (no chromium)")
        return [Target(what, "skipped (no chromium)", f"<= {TARGET_P95_RATIO:.0f}x one session's median", None)]
    fx = ctx.fx
    seed = fx.seed_dir(LOAD_N)
    counts = expected_counts(seed, fx.root)
    if len(set(counts.values())) < 3:
        raise RuntimeError(f"the filters must change the map: {counts}")
    env = fx.app_env(LOAD_N, "load") | {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", "GEODATA_DIR": "",
                                         "GEODATA_CACHE_DIR": str(fx.root / "no-geodata")}  # fmt: skip
    log(f"load: one session, then {SESSIONS} at once, {CLICKS} filter clicks each")
    with running("load", fx.root / "streamlit-load.log", env, timeout=120) as server:
        found = asyncio.run(_load(server.page_url("/", lang="en"), counts, server))
    single, many = found["single"], found["many"]
    single_median = statistics.median(single)
    many_median = statistics.median(many)
    many_p95 = statistics.quantiles(many, n=20)[-1]
    single_p95 = statistics.quantiles(single, n=20)[-1]
    per_session = None
    if found["rss_one"] and found["rss_all"]:
        per_session = (found["rss_all"] - found["rss_one"]) / (SESSIONS - 1)
    print(table(
        ["sessions", "clicks", "median", "p95", "max", "server RSS"],
        [["1", str(len(single)), fmt_s(single_median), fmt_s(single_p95), fmt_s(max(single)),
          f"{found['rss_one']:.0f} MB" if found["rss_one"] else "-"],
         [str(SESSIONS), str(len(many)), fmt_s(many_median), fmt_s(many_p95), fmt_s(max(many)),
          f"{found['rss_all']:.0f} MB" if found["rss_all"] else "-"]],
    ))  # fmt: skip
    print(f"One Chromium, a browser context per session, tiles off, lang=en; each session pauses {PAUSE_S[0]}-{PAUSE_S[1]} s,")
    print(f"then clicks a type pill, cycling ({', '.join(f'{t} -> {s}' for t, s in CYCLE)});")
    print("time from the click until the map's live cluster holds")
    print(f"the expected number of points ({counts}). The {SESSIONS} sessions click at the same time;")
    print("server memory: VmRSS of the streamlit process with 1 and with all sessions open.")
    if per_session is not None:
        print(f"memory per extra session: {per_session:.1f} MB")
    if found["cpu_per_click"]:
        one, many_cpu = found["cpu_per_click"]
        print(f"server CPU per filter change: {fmt_s(one)} with 1 session, {fmt_s(many_cpu)} with {SESSIONS} "
              f"(the rest of a click's time is the browser drawing the map, on the same {os.cpu_count()} cores);")
    print(f"load average after the run: {found['load']:.1f}")
    ratio = many_p95 / single_median
    return [
        Target(what, f"{fmt_s(many_p95)} = {ratio:.1f}x one session's median {fmt_s(single_median)}",
               f"<= {TARGET_P95_RATIO:.0f}x", ratio <= TARGET_P95_RATIO),
        Target("server memory per extra session", "-" if per_session is None else f"{per_session:.1f} MB",
               f"<= {TARGET_MB_PER_SESSION:.0f} MB", None if per_session is None else per_session <= TARGET_MB_PER_SESSION),
    ]  # fmt: skip


PART = Part("store", part_store)
LOAD_PART = Part("load", part_load, quick=False)
