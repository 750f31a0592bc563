"""Real-browser tests: the app served by ``streamlit run``, driven by Playwright + Debian Chromium.

- Servers are session-scoped and started only when a test asks for them (three at most:
  real data with tiles, real data without tiles, hostile fixture data without tiles). Each has
  its own SQLite file, ``GEOCODER=offline`` and a log file under the session's tmp dir.
- The browser is Debian's ``/usr/bin/chromium`` (never ``playwright install``). Without it the
  tests skip, unless ``REQUIRE_BROWSER=1``: then they fail.
- Every test here is marked ``browser`` and put in the xdist group ``browser`` so that
  ``pytest -n 2 --dist loadgroup`` runs them all in one worker (one set of servers).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deploy import processes
from deploy.processes import AppServer
from harness import chromium

PROJECT_DIR = Path(__file__).resolve().parents[2]
REAL_SEED = PROJECT_DIR / "data"
HOSTILE_SEED = PROJECT_DIR / "tests" / "fixtures" / "seed"
HOSTILE_ALL_SEED = PROJECT_DIR / "tests" / "fixtures" / "hostile"
ARTIFACTS = PROJECT_DIR / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
HEALTH_TIMEOUT = 60.0
MAP_TIMEOUT = 20.0

#: Installed in every frame before any page script: an ``alert``/``confirm``/``prompt`` call
#: also sets ``window.__xss`` (the top window's too), then still opens the real dialog.
XSS_TRAP = """
(() => {
  for (const name of ['alert', 'confirm', 'prompt']) {
    const original = window[name];
    window[name] = function (...args) {
      try { window.__xss = (window.__xss || 0) + 1; window.top.__xss = (window.top.__xss || 0) + 1; } catch (e) {}
      return original.apply(this, args);
    };
  }
})();
"""

#: The live FastMarkerCluster layers of the map iframe (old globals of a replaced map are skipped).
LIVE_CLUSTERS_JS = """() => Object.keys(window)
  .filter((k) => k.startsWith('fast_marker_cluster_'))
  .map((k) => window[k])
  .filter((c) => c && c.getLayers && c._map && c._map._container && document.body.contains(c._map._container))"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser`` and put it in the xdist group ``browser``."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


# --------------------------------------------------------------------------------------------
# Servers (started through deploy.processes, as the benchmark does)


def server_env(tmp_dir: Path, seed_dir: Path, tiles: bool) -> dict[str, str]:
    """The environment of one server: fresh SQLite file, chosen seed, offline geocoder."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_dir / 'app.sqlite3'}",
        SEED_DIR=str(seed_dir),
        GEOCODER="offline",
        STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
        PYTHONUNBUFFERED="1",
    )
    if tiles:
        env.pop("TILES_URL", None)  # the default: OpenStreetMap tiles are attempted
    else:
        env["TILES_URL"] = "none"
    return env


def start_server(name: str, tmp_dir: Path, env: Mapping[str, str]) -> AppServer:
    """Start the app and wait until ``/_stcore/health`` answers (at most 60 s)."""
    return processes.start_server(name, tmp_dir / "streamlit.log", env, timeout=HEALTH_TIMEOUT)


stop_server = processes.stop_server


@pytest.fixture(scope="session")
def app_server(
    tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> Iterator[Callable[[str, Path, bool], AppServer]]:
    """Start (once per session) a server by name; all are stopped at the end of the session.

    Depends on ``browser`` so that no server starts when the browser tests are skipped."""
    servers: dict[str, AppServer] = {}

    def get(name: str, seed_dir: Path, tiles: bool) -> AppServer:
        if name not in servers:
            tmp_dir = tmp_path_factory.mktemp(f"server-{name}")
            servers[name] = start_server(name, tmp_dir, server_env(tmp_dir, seed_dir, tiles))
        return servers[name]

    yield get
    for server in servers.values():
        stop_server(server)


@pytest.fixture(scope="session")
def app_real(app_server) -> AppServer:
    """The app on the real seed data, with OpenStreetMap tiles attempted."""
    return app_server("real", REAL_SEED, True)


@pytest.fixture(scope="session")
def app_real_notiles(app_server) -> AppServer:
    """The app on the real seed data, without background tiles (no external request at all)."""
    return app_server("real-notiles", REAL_SEED, False)


@pytest.fixture(scope="session")
def app_hostile(app_server) -> AppServer:
    """The app on the hand-made hostile seed (tests/fixtures/seed), without tiles."""
    return app_server("hostile", HOSTILE_SEED, False)


# --------------------------------------------------------------------------------------------
# Expectations computed in Python from the same data and settings as a server


@pytest.fixture(scope="session")
def expected_count(tmp_path_factory: pytest.TempPathFactory) -> Callable[[AppServer, Mapping[str, Any]], int]:
    """``expected_count(server, params)``: how many initiatives the server should show for ``params``.

    Built like the server builds it: a store seeded from the server's ``SEED_DIR`` and the
    boundaries the server's settings find (GEODATA_DIR / GEODATA_CACHE_DIR), so the buurtwerk
    filter also matches by neighbourhood exactly when the server's does.
    """
    from geo.boundaries import load_boundaries
    from solidarity.catalog import build_catalog
    from solidarity.filters import FilterState, apply_filters
    from solidarity.settings import load_settings
    from solidarity.store import Store

    catalogs: dict[str, Any] = {}

    def count(server: AppServer, params: Mapping[str, Any]) -> int:
        if server.name not in catalogs:
            settings = load_settings(environ=server.env)
            store = Store(f"sqlite:///{tmp_path_factory.mktemp('expect') / 'expect.sqlite3'}")
            store.ensure_seeded(Path(settings.SEED_DIR))
            catalogs[server.name] = build_catalog(store, load_boundaries(settings.geodata_paths))
        catalog = catalogs[server.name]
        state = FilterState.from_query_params(dict(params), catalog.vocabulary)
        return len(apply_filters(catalog.initiatives, state))

    return count


# --------------------------------------------------------------------------------------------
# Browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skips without it (fails when REQUIRE_BROWSER=1)."""
    required = os.environ.get("REQUIRE_BROWSER", "") == "1"
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the playwright package")
    if not chromium.chromium_available():
        missing.append(str(chromium.CHROMIUM))
    if missing:
        message = (
            f"browser tests need {' and '.join(missing)} (apt-get install -y chromium; never `playwright install`)"
        )
        if required:
            pytest.fail(message + " and REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        instance = chromium.launch(playwright)
        yield instance
        instance.close()


@dataclass
class Opened:
    """A page with everything it did recorded."""

    page: Any
    console: list[tuple[str, str, str]] = field(default_factory=list)  # (type, text, location url)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def console_errors(self) -> list[tuple[str, str, str]]:
        """Console messages of type ``error``."""
        return [message for message in self.console if message[0] == "error"]


@pytest.fixture(scope="session")
def browser_context(browser) -> Iterator[Callable[[str], Any]]:
    """``browser_context(viewport)``: one shared context per viewport, so Streamlit's and the map's
    static files stay in the HTTP cache between tests (every page still gets its own Streamlit
    session). The alert trap is installed in every frame of its pages."""
    contexts: dict[str, Any] = {}

    def get(viewport: str) -> Any:
        if viewport not in contexts:
            context = browser.new_context(viewport=VIEWPORTS[viewport], service_workers="block")
            context.add_init_script(XSS_TRAP)
            contexts[viewport] = context
        return contexts[viewport]

    yield get
    for context in contexts.values():
        context.close()


def new_page(context: Any, url: str) -> Opened:
    """Open ``url`` in a new page of ``context``, recording console messages, page errors, dialogs
    (recorded, then dismissed) and every request URL of all its frames."""
    page = context.new_page()
    page.set_default_timeout(MAP_TIMEOUT * 1000)
    opened = Opened(page=page)

    def on_console(message: Any) -> None:
        location = message.location.get("url", "") if isinstance(message.location, dict) else ""
        opened.console.append((message.type, message.text, location))

    def on_dialog(dialog: Any) -> None:
        opened.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.on("dialog", on_dialog)
    page.on("request", lambda request: opened.requests.append(request.url))
    page.goto(url, wait_until="domcontentloaded")
    return opened


@pytest.fixture
def open_page(browser_context) -> Iterator[Callable[..., Opened]]:
    """``open_page(url, viewport="desktop")``: a new recording page (see :func:`new_page`), closed
    after the test."""
    pages: list[Opened] = []

    def open_(url: str, viewport: str = "desktop") -> Opened:
        pages.append(new_page(browser_context(viewport), url))
        return pages[-1]

    yield open_
    for opened in pages:
        opened.page.close()


@pytest.fixture(scope="session")
def shared_page(browser_context) -> Iterator[Callable[..., Opened]]:
    """``shared_page(url, viewport="desktop")``: like ``open_page`` but opened once per session and
    URL, for tests that only look (saves a page load each). Tests must not change such a page."""
    pages: dict[tuple[str, str], Opened] = {}

    def open_(url: str, viewport: str = "desktop") -> Opened:
        if (url, viewport) not in pages:
            pages[(url, viewport)] = new_page(browser_context(viewport), url)
        return pages[(url, viewport)]

    yield open_
    for opened in pages.values():
        opened.page.close()


# --------------------------------------------------------------------------------------------
# Map helpers


def map_frame(page: Any) -> Any | None:
    """The map iframe's Frame, or None while it is not there."""
    handle = page.query_selector(MAP_IFRAME)
    return handle.content_frame() if handle else None


def poll(page: Any, probe: Callable[[], Any], timeout: float = MAP_TIMEOUT, interval: float = 0.2) -> Any:
    """Call ``probe`` until it returns something truthy (ignoring errors of a reloading frame).

    Waits with ``page.wait_for_timeout``, not ``time.sleep``: the sync Playwright API only
    processes browser events (URL changes, dialogs, console) while one of its calls runs.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except Exception:  # a frame that navigates or detaches while we look  # noqa: BLE001
            value = None
        if value or time.monotonic() > deadline:
            return value
        page.wait_for_timeout(interval * 1000)


def wait_for_map(page: Any, timeout: float = MAP_TIMEOUT, points: bool = True) -> Any:
    """Wait until the map iframe exists and its Leaflet map (with the initiative cluster when
    ``points``) is drawn; return the iframe's Frame."""
    page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout * 1000)

    def ready() -> Any:
        frame = map_frame(page)
        if frame is None:
            return None
        if points:
            found = frame.evaluate(f"({LIVE_CLUSTERS_JS})().length > 0")
        else:
            found = frame.evaluate(
                "() => Object.keys(window).some((k) => k.startsWith('map_') && window.L && window[k] instanceof L.Map)"
            )
        return frame if found else None

    frame = poll(page, ready, timeout)
    if frame is None:
        raise AssertionError(f"the map (points={points}) did not appear within {timeout:.0f} s on {page.url}")
    return frame


def count_points(page: Any) -> int | None:
    """The number of initiative points on the live map (None when there is no cluster)."""
    frame = map_frame(page)
    if frame is None:
        return None
    return frame.evaluate(
        f"() => {{ const c = ({LIVE_CLUSTERS_JS})(); return c.length ? c.reduce((n, x) => n + x.getLayers().length, 0) : null; }}"
    )


def wait_for_count(page: Any, expected: int, timeout: float = MAP_TIMEOUT) -> int | None:
    """Poll :func:`count_points` until it equals ``expected``; return the last value seen."""
    last: list[int | None] = [None]

    def probe() -> bool:
        last[0] = count_points(page)
        return last[0] == expected

    poll(page, probe, timeout)
    return last[0]


def wait_for_url(page: Any, predicate: Callable[[str], bool], timeout: float = MAP_TIMEOUT) -> str:
    """Wait until ``predicate(page.url)``; return the URL."""
    poll(page, lambda: predicate(page.url), timeout, interval=0.1)
    return page.url


RUN_COUNT_JS = "() => { const m = document.querySelector('.sm-run'); return m ? Number(m.dataset.run) : 0; }"


def run_count(page: Any) -> int:
    """The number of the last script run that finished drawing (``ui.common.run_marker``); 0: none yet."""
    try:
        return int(page.evaluate(RUN_COUNT_JS))
    except Exception:  # a page that navigates while we look  # noqa: BLE001
        return 0


def wait_for_run(page: Any, after: int = 0, timeout: float = MAP_TIMEOUT) -> int:
    """Wait until a run numbered above ``after`` has finished drawing; return its number.

    The app draws a numbered mark as the last element of every run, so this waits for the run
    that an action caused to start *and* to end (Streamlit's status widget is already absent
    before a rerun starts, so waiting for its absence proves nothing).
    """
    if not poll(page, lambda: run_count(page) > after, timeout, interval=0.05):
        raise AssertionError(f"no run after run {after} finished within {timeout:.0f} s on {page.url}")
    return run_count(page)


def settle(page: Any, quiet: float = 1.5, timeout: float = MAP_TIMEOUT) -> int:
    """Wait until no run has started for ``quiet`` seconds (a map or a helper frame that reports
    back causes a rerun; while it runs Streamlit fades the page and replaces its download buttons)."""
    count, since = run_count(page), time.monotonic()
    deadline = since + timeout
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        now = run_count(page)
        if now != count or page.locator('[data-testid="stStatusWidget"]').count():
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return count
    raise AssertionError(f"the page kept running for {timeout:.0f} s on {page.url}")


def act(page: Any, action: Callable[[], Any], timeout: float = MAP_TIMEOUT) -> int:
    """Do ``action`` (a click, Enter, Back) and wait for the run it causes to finish."""
    before = run_count(page)
    action()
    return wait_for_run(page, before, timeout)


def screenshot(page: Any, name: str, full: bool = True) -> list[Path]:
    """Save ``<name>.png`` (the viewport) and, when ``full``, ``<name>-full.png`` (the whole app:
    Streamlit scrolls inside its main container, so the viewport is stretched to its height)."""
    ARTIFACTS.mkdir(exist_ok=True)
    paths = [ARTIFACTS / f"{name}.png"]
    page.screenshot(path=str(paths[0]))
    if full:
        size = page.viewport_size
        height = page.evaluate(
            "() => Math.max(document.documentElement.scrollHeight,"
            " ...[...document.querySelectorAll('section.stMain, [data-testid=\"stMain\"]')].map((e) => e.scrollHeight))"
        )
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 6000)})
        page.evaluate("() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r())))")
        paths.append(ARTIFACTS / f"{name}-full.png")
        page.screenshot(path=str(paths[1]))
        page.set_viewport_size(size)
    return paths
