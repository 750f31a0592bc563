"""The app behind the proxy: nginx (deploy/nginx.conf.j2) in front of two app processes on one store.

Compression and cache headers, the security headers, a page end to end (websocket included),
sticky sessions (two browsers spread over both processes, each stays on its own), a dead
process (a new visit still works), and no Content-Security-Policy violation on any page of the
navigation (map, popups, the location, downloads). Skipped without nginx unless REQUIRE_PROXY=1.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deploy import nginx
from deploy import proxy as proxy_config_module
from deploy.processes import AppServer, start_server
from solidarity.settings import load_settings
from solidarity.store import Store
from tests.browser.conftest import (
    HEALTH_TIMEOUT,
    LIVE_CLUSTERS_JS,
    REAL_SEED,
    poll,
    server_env,
    settle,
    stop_server,
    wait_for_map,
    wait_for_run,
)
from ui.nav import url_paths as page_paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: A result card with its walking time (the place's name shows first, in the position message).
WALKING_TIME = ".sm-card .sm-walk"
WALKING_TEXT = re.compile(r"te voet|Hier")
APP_PROCESS = "x-app-process"

#: Collects every CSP violation of every frame (installed before any page script, in each frame).
CSP_TRAP = """
(() => {
  const seen = (window.__csp = []);
  document.addEventListener('securitypolicyviolation', (e) => {
    const report = {document: location.pathname, directive: e.effectiveDirective, blocked: e.blockedURI,
                    source: e.sourceFile + ':' + e.lineNumber, sample: e.sample};
    seen.push(report);
    try { (window.top.__cspAll = window.top.__cspAll || []).push(report); } catch (x) {}
  });
})();
"""


@dataclass
class Proxied:
    """nginx in front of two app processes."""

    proxy: nginx.Proxy
    servers: list[AppServer]
    env: dict[str, str]
    tmp: Path
    restarted: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.proxy.url

    def page_url(self, path: str = "/", **params: str) -> str:
        from urllib.parse import urlencode  # deferred: tests only

        return self.url + path + (f"?{urlencode(params)}" if params else "")


def require_nginx() -> None:
    if proxy_config_module.find_nginx() is None:
        message = nginx.nginx_missing_message()
        if os.environ.get("REQUIRE_PROXY") == "1":
            pytest.fail(message + " and REQUIRE_PROXY=1", pytrace=False)
        pytest.skip(message)


def results(page: Any) -> Any:
    """The first result card's walking time."""
    return page.locator(WALKING_TIME).filter(has_text=WALKING_TEXT).first


def geodata_env(tmp: Path) -> dict[str, str]:
    """GEODATA_DIR when set; else the hand-made fixtures under the real file names (2060 is in them)."""
    if os.environ.get("GEODATA_DIR"):
        return {"GEODATA_DIR": os.environ["GEODATA_DIR"]}
    geodata = tmp / "geodata"
    geodata.mkdir(exist_ok=True)
    for source, target in (
        ("postcodes_small.csv", "antwerpen_postcodes_centroids.csv"),
        ("streets_small.json", "antwerpen_district_straten.json"),
        ("wijken_gazetteer.geojson", "antwerpen_wijken_stad.geojson"),
    ):
        shutil.copy(FIXTURES / source, geodata / target)
    return {"GEODATA_DIR": str(geodata)}


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    """Two app processes on one SQLite store (seeded before they start), nginx in front."""
    require_nginx()
    tmp = tmp_path_factory.mktemp("proxied")
    env = server_env(tmp, REAL_SEED, tiles=True)  # tiles on: the policy must allow the tile server
    env.update(geodata_env(tmp))
    Store(env["DATABASE_URL"]).ensure_seeded(REAL_SEED)
    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(start_server, f"proxied-{n}", tmp / f"app-{n}.log", env, timeout=HEALTH_TIMEOUT) for n in (1, 2)
        ]
        servers = [f.result() for f in futures]
    config = nginx.proxy_config(tmp / "nginx", [s.port for s in servers], settings=load_settings(environ=env))
    proxy = nginx.start_proxy(config)
    running = Proxied(proxy, servers, env, tmp)
    try:
        assert nginx.wait_proxy_healthy(proxy), proxy.error_log()
        yield running
    finally:
        nginx.stop_proxy(proxy)
        for server in running.servers:
            stop_server(server)


def fetch(url: str, encoding: str = "br, gzip", cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` asking for ``encoding``; status, headers (lower-case names), raw body."""
    headers = {"Accept-Encoding": encoding}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, header_dict(response.headers), response.read()
    except urllib.error.HTTPError as error:  # the headers of an error answer count too
        return error.code, header_dict(error.headers), error.read()


def header_dict(message: Any) -> dict[str, str]:
    """Lower-case header names; several Set-Cookie headers joined by newlines."""
    headers = {k.lower(): v for k, v in message.items()}
    headers["set-cookie"] = "\n".join(message.get_all("Set-Cookie") or [])
    return headers


def sticky_cookie(headers: dict[str, str]) -> str:
    """The proxy's Set-Cookie header, or ''."""
    name = proxy_config_module.STICKY_COOKIE + "="
    return next((line for line in headers["set-cookie"].splitlines() if line.startswith(name)), "")


def index_assets(proxied: Proxied) -> tuple[str, str]:
    """The URLs of Streamlit's main script and style sheet, read from the page the proxy serves."""
    _status, _headers, body = fetch(proxied.url + "/", encoding="identity")
    html = body.decode()
    script = re.search(r'<script type="module"[^>]*src="\./(static/js/[^"]+\.js)"', html)
    sheet = re.search(r'<link rel="stylesheet"[^>]*href="\./(static/css/[^"]+\.css)"', html)
    assert script and sheet, html[:2000]
    return f"{proxied.url}/{script.group(1)}", f"{proxied.url}/{sheet.group(1)}"


# --------------------------------------------------------------------------------------------
# HTTP: compression, caching, headers


def test_javascript_and_css_arrive_compressed_and_cacheable(proxied: Proxied) -> None:
    script, sheet = index_assets(proxied)
    brotli = bool(proxied.proxy.config.modules)
    for url in (script, sheet):
        _status, headers, body = fetch(url)
        assert headers.get("content-encoding") == ("br" if brotli else "gzip"), (url, headers)
        assert "immutable" in headers.get("cache-control", "") and "max-age=31536000" in headers["cache-control"]
        _status, plain_headers, plain = fetch(url, encoding="identity")
        assert "content-encoding" not in plain_headers
        assert len(body) < len(plain) * 0.5, f"{url}: {len(body)} of {len(plain)} bytes"
        # gzip for a browser without brotli
        _status, gz_headers, gz_body = fetch(url, encoding="gzip")
        assert gz_headers.get("content-encoding") == "gzip"
        assert gzip.decompress(gz_body) == plain


def test_map_bundle_is_cached_for_a_year_under_its_content_hash(proxied: Proxied) -> None:
    from solidarity import assets  # deferred: reads the installed assets

    if not assets.local_assets_present():
        pytest.skip("map assets not installed (make assets)")
    url = proxied.url + assets.versioned(assets.VENDOR_DIR, assets.BUNDLE, "/" + assets.URL_PREFIX)
    _status, headers, body = fetch(url)
    assert headers.get("cache-control") == "public, max-age=31536000, immutable"
    assert headers.get("content-encoding") in ("br", "gzip")
    _status, headers, _body = fetch(proxied.url + "/" + assets.URL_PREFIX + "/" + assets.BUNDLE)
    assert headers.get("cache-control") == "public, max-age=86400"  # without ?v= a day only


def test_pages_are_compressed_and_revalidated(proxied: Proxied) -> None:
    for path in page_paths():
        _status, headers, _body = fetch(proxied.url + path, encoding="gzip")
        assert headers.get("content-encoding") == "gzip", path
        assert headers.get("cache-control") == "no-cache", path


def test_security_headers_on_pages_and_frames(proxied: Proxied) -> None:
    tiles = proxy_config_module.tile_source(load_settings(environ=proxied.env).TILES_URL)
    assert tiles
    # The component's URL answers once a page has drawn the map; its headers are the same either way.
    for path in [*page_paths(), "/component/streamlit_folium.st_folium/index.html",
                 "/component/streamlit_js_eval.streamlit_js_eval/index.html"]:
        status, headers, _body = fetch(proxied.url + path)
        assert status in ((200, 404) if path.startswith("/component/") else (200,)), (path, status)
        policy = headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
        assert headers.get("x-content-type-options") == "nosniff"
        assert headers.get("referrer-policy") == "strict-origin-when-cross-origin"
        assert "geolocation=(self)" in headers.get("permissions-policy", "")
        if path.startswith("/component/"):
            assert tiles in policy  # the map frame draws the tiles
            assert ("'unsafe-eval'" in policy) == ("js_eval" in path)  # only the location helper evals
        else:
            assert "'unsafe-eval'" not in policy and tiles not in policy
            assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy), policy
    _status, headers, body = fetch(proxied.url + "/", encoding="identity")
    assert b'rel="preload"' not in body, "the Source Sans preload the theme does not use"


def test_sticky_cookie_pins_requests_to_one_process(proxied: Proxied) -> None:
    """Without the cookie each visit draws a process; with it every request goes to that process."""
    seen: dict[str, str] = {}
    for _ in range(24):
        _status, headers, _body = fetch(proxied.url + "/_stcore/health")
        cookie = sticky_cookie(headers)
        assert cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires" not in cookie
        seen.setdefault(headers[APP_PROCESS], cookie.split(";")[0])
        if len(seen) == 2:
            break
    assert set(seen) == {"app-1", "app-2"}, seen
    for process, cookie in seen.items():
        for _ in range(5):
            _status, headers, _body = fetch(proxied.url + "/_stcore/health", cookie=cookie)
            assert headers[APP_PROCESS] == process
            assert sticky_cookie(headers) == ""  # set once only


# --------------------------------------------------------------------------------------------
# Browser


def new_context(browser: Any, **kwargs: Any) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block", **kwargs)
    context.add_init_script(CSP_TRAP)
    return context


def visit(context: Any, url: str, want_extensions: bool = False) -> tuple[Any, dict[str, str]]:
    """Open ``url`` in a new page; return it and the processes that served its document and
    websocket (``{"document": "app-1", "websocket": "app-1"}``; the websocket's extensions apart)."""
    page = context.new_page()
    page.set_default_timeout(45_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    served: dict[str, str] = {}

    def on_response(event: dict) -> None:
        if event.get("type") == "Document" and event["response"]["url"].split("?")[0].rstrip("/") == url.split("?")[0].rstrip("/"):
            served["document"] = {k.lower(): v for k, v in event["response"]["headers"].items()}.get(APP_PROCESS, "")

    def on_websocket(event: dict) -> None:
        headers = {k.lower(): v for k, v in event["response"].get("headers", {}).items()}
        served["websocket"] = headers.get(APP_PROCESS, "")
        served["websocket extensions"] = headers.get("sec-websocket-extensions", "")

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.webSocketHandshakeResponseReceived", on_websocket)
    page.goto(url, wait_until="domcontentloaded")
    poll(page, lambda: "websocket" in served and "document" in served, timeout=45)
    extensions = served.pop("websocket extensions", "")
    return page, served | ({"websocket extensions": extensions} if want_extensions else {})


def test_a_page_works_end_to_end_through_the_proxy(proxied: Proxied, browser: Any) -> None:
    """The residents' shared link: results with walking minutes (websocket through nginx), then a rerun."""
    context = new_context(browser)
    component_files: dict[str, str] = {}
    context.on("response", lambda r: component_files.__setitem__(r.url, r.headers.get("cache-control", ""))
               if re.search(r"/component/.+\.[0-9a-f]{8,}\.js$", r.url) else None)
    try:
        page, served = visit(context, proxied.page_url("/in-de-buurt", q="2060", lang="nl"), want_extensions=True)
        assert served["document"] in ("app-1", "app-2")
        assert served["websocket"] == served["document"], served
        assert "permessage-deflate" in served["websocket extensions"]  # the map's script travels compressed
        results(page).wait_for(timeout=30_000)
        wait_for_map(page, timeout=40, points=False)
        close_not_found_notice(page)
        page.locator(".sm-card").filter(has_text="Buurtwerk De Wijk").first.wait_for(timeout=10_000)
        # A new search over the same websocket: the page answers for Kiel and says so in the URL.
        field = page.locator('[data-testid="stForm"] input[type="text"]')
        field.fill("Kiel")
        field.press("Enter")
        poll(page, lambda: "q=Kiel" in page.url, timeout=20)
        page.locator(".sm-card").filter(has_text="Buurtwerk De Stek").first.wait_for(timeout=20_000)
        results(page).wait_for(timeout=20_000)
        # The map frame's hashed script: kept for a year (Streamlit itself gives it no lifetime).
        assert component_files and all("immutable" in v for v in component_files.values()), component_files
        assert page.evaluate("() => window.__csp.length") == 0
    finally:
        context.close()


def test_two_browsers_spread_over_both_processes_and_stay_on_their_own(proxied: Proxied, browser: Any) -> None:
    """New browsers draw a process by their cookie; each stays there across reloads, websocket too."""
    contexts: dict[str, Any] = {}
    try:
        for _ in range(12):  # two processes: twelve new browsers all on one would be 1 in 2,048
            context = new_context(browser)
            page, served = visit(context, proxied.page_url("/", lang="nl"))
            assert served["websocket"] == served["document"], served
            if served["document"] in contexts:
                context.close()
            else:
                contexts[served["document"]] = context
            page.close()
            if len(contexts) == 2:
                break
        assert set(contexts) == {"app-1", "app-2"}
        for process, context in contexts.items():
            for _ in range(2):
                page, served = visit(context, proxied.page_url("/", lang="nl"))
                assert served == {"document": process, "websocket": process}
                page.close()
            page, served = visit(context, proxied.page_url("/over", lang="nl"))
            assert served == {"document": process, "websocket": process}
            page.close()
    finally:
        for context in contexts.values():
            context.close()


#: Open an initiative's popup in the map frame (zoom to it through its cluster).
OPEN_POPUP_JS = """() => new Promise((resolve) => {
  const cluster = (LIVE_CLUSTERS)()[0];
  const layer = cluster && cluster.getLayers()[0];
  if (!layer) { resolve(null); return; }
  let tries = 0;
  const read = () => {
    const popup = document.querySelector('.leaflet-popup-content');
    if ((popup && popup.textContent) || ++tries > 30) { resolve(popup ? popup.textContent : ''); return; }
    cluster.zoomToShowLayer(layer, () => layer.openPopup());
    setTimeout(read, 200);
  };
  read();
})""".replace("LIVE_CLUSTERS", LIVE_CLUSTERS_JS)


#: Every Material icon on the page drawn as one glyph (a missing icon shows its name as a word).
ICON_WIDTHS_JS = """async () => {
  await document.fonts.ready;
  return [...document.querySelectorAll('[data-testid="stIconMaterial"], [data-testid="stExpanderIcon"]')]
    .filter((e) => e.offsetParent !== null || e.getClientRects().length)
    .map((e) => ({name: e.textContent, width: e.getBoundingClientRect().width,
                  size: parseFloat(getComputedStyle(e).fontSize)}));
}"""


def violations(page: Any) -> list[dict]:
    """Every CSP violation reported in the page and its frames."""
    found = list(page.evaluate("() => window.__cspAll || []"))
    for frame in page.frames[1:]:
        try:
            found.extend(r for r in frame.evaluate("() => window.__csp || []") if r not in found)
        except Exception:  # a frame that went away  # noqa: BLE001, S112
            continue
    return found


def close_not_found_notice(page: Any) -> None:
    """Streamlit's first-visit notice on a sub page (streamlit/streamlit#9992, see the README)."""
    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached", timeout=5_000)


def record_fonts(context: Any, page: Any) -> dict[str, int]:
    """``{file name: bytes transferred}`` of every font the page (and its frames) loads."""
    fonts: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.responseReceived",
           lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]) if e.get("type") == "Font" else None)
    cdp.on("Network.loadingFinished",
           lambda e: fonts.__setitem__(urls[e["requestId"]].split("?")[0].rsplit("/", 1)[-1], e["encodedDataLength"])
           if e["requestId"] in urls else None)
    return fonts


def assert_fonts_are_what_the_page_uses(proxied: Proxied, page: Any, fonts: dict[str, int]) -> None:
    """The icon font cut to the app's icons, Streamlit's text fonts blank (the theme uses the
    phone's fonts), the map's icons cut: each a few KB; and every icon on the page still drawn."""
    if not proxied.proxy.config.font_overrides:
        return  # fontTools is not installed: the proxy serves the full fonts
    icons = page.evaluate(ICON_WIDTHS_JS)
    assert icons, "no icon on the page"
    words = [i for i in icons if i["width"] > 1.6 * i["size"]]
    assert words == [], f"icons drawn as words (missing from the cut font): {words}"
    assert any(name.startswith("MaterialSymbols") for name in fonts), fonts
    for name, size in fonts.items():
        limit = 30_000 if name.startswith("MaterialSymbols") else 6_000  # the blank text fonts, the map's icons
        assert size < limit, f"{name}: {size} bytes"


@pytest.mark.parametrize("path", page_paths())
def test_every_page_under_the_policy_with_only_the_fonts_it_uses(proxied: Proxied, browser: Any, path: str) -> None:
    """Every page of the navigation under the real policy, on a first visit: its map with a popup
    open, its location button (geolocation granted), its downloads; no CSP violation, no console
    report; and only the fonts it uses (see :func:`assert_fonts_are_what_the_page_uses`)."""
    context = new_context(
        browser, permissions=["geolocation"], geolocation={"latitude": 51.2245, "longitude": 4.4298}, accept_downloads=True
    )
    console: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(45_000)
        fonts = record_fonts(context, page)
        page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(proxied.page_url(path, lang="nl"), wait_until="domcontentloaded")
        page.locator('[data-testid="stMain"] h1').first.wait_for()
        wait_for_run(page, 0, timeout=30)
        close_not_found_notice(page)
        if page.locator('iframe[title="streamlit_folium.st_folium"]').count():
            frame = wait_for_map(page, timeout=40, points=path == "/")
            if path == "/":
                assert frame.evaluate(OPEN_POPUP_JS), "no popup opened"
        location = page.get_by_role("button", name="Gebruik mijn locatie")
        if location.count():
            location.click()  # the helper frame evals the geolocation call: blocked, it says nothing
            assert poll(page, lambda: "lat=51.224" in page.url, timeout=20), "the location did not arrive"
            results(page).wait_for()
            wait_for_map(page, timeout=40, points=False)
        settle(page)  # a rerun replaces the buttons' files (a click during it downloads nothing) and folds them
        for summary in page.locator('[data-testid="stExpander"]:has([data-testid="stDownloadButton"]) summary').all():
            summary.click()  # the map's exports are folded away
        for button in page.locator('[data-testid="stDownloadButton"] button').all():
            assert download_through(page, button).stat().st_size > 0
        page.wait_for_timeout(500)  # late reports
        assert violations(page) == []
        assert console == []
        assert_fonts_are_what_the_page_uses(proxied, page, fonts)
    finally:
        context.close()


def download_through(page: Any, button: Any) -> Path:
    """Click a download button and return the file. One more click when nothing came within 30 s:
    seen twice under full test load (no request for the file reached the proxy), never on an idle
    machine; the cause was not established (perhaps the stale keep-alive connections fixed in
    deploy/nginx.conf.j2). A broken download fails both clicks."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for attempt in (1, 2):
        try:
            with page.expect_download(timeout=30_000) as download:
                button.click()
            return download.value.path()
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            settle(page)
    raise AssertionError("unreachable")


# Last: it kills a process (and starts it again for whatever runs after).
def test_a_dead_process_is_taken_out_and_a_new_visit_works(proxied: Proxied, browser: Any) -> None:
    """Kill one app process: every new visit, and a browser that was on it, lands on the live one."""
    victim = proxied.servers[1]
    pinned = None
    try:
        # A browser on the process that will die.
        for _ in range(12):
            candidate = new_context(browser)
            page, served = visit(candidate, proxied.page_url("/", lang="nl"))
            page.close()
            if served["document"] == "app-2":
                pinned = candidate
                break
            candidate.close()
        assert pinned is not None, "no browser landed on app-2"
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=10)
        page, served = visit(pinned, proxied.page_url("/", lang="nl"))  # its cookie pointed at the dead one
        assert served == {"document": "app-1", "websocket": "app-1"}
        wait_for_map(page, timeout=40)
        page.close()
        for _ in range(3):  # new browsers: whatever their cookie, the live process answers
            fresh = new_context(browser)
            try:
                page, served = visit(fresh, proxied.page_url("/over", lang="nl"))
                assert served["document"] == "app-1"
                page.locator("h1").first.wait_for()
            finally:
                fresh.close()
    finally:
        if pinned is not None:
            pinned.close()
        if victim.process.poll() is not None:  # bring it back on its port for the other tests
            proxied.servers[1] = start_server(victim.name, victim.log, proxied.env, port=victim.port)
