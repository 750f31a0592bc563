"""Part 5: the phone network. A residents' shared link and the explore page in Chromium as a
mid-range phone on slow 4G, through the proxy (nginx in front of two app processes, as
``make serve`` runs it) and straight to Streamlit, first visit and return visit.

The profile, through the DevTools protocol: ``Network.emulateNetworkConditions`` with 150 ms
round trip, 1.6 Mbit/s down, 750 kbit/s up; ``Emulation.setCPUThrottlingRate`` 4; a 390x844
viewport. Measured from ``page.goto`` until the results show (residents: a result card with
walking minutes; explore: marker clusters in the map's frame), and the bytes transferred: the
sum of ``encodedDataLength`` of ``Network.loadingFinished`` (HTTP only; the websocket's messages
are counted apart, as the payload the page received).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.fixtures import PROJECT_DIR, Context, Part
from bench.report import Target, fmt_bytes, fmt_s, log, section, table
from deploy.nginx import proxy_config, start_proxy, stop_proxy
from deploy.processes import start_server, stop_server, wait_healthy
from deploy.proxy import find_nginx
from harness import chromium
from solidarity.settings import load_settings
from solidarity.store import Store

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: A result card's walking time (ui/nearby.py): the place's name shows before, in the position message.
RESULT_CARD = ".sm-card .sm-walk"
RESULT_TEXT = re.compile(r"te voet|Hier")

#: "Slow 4G" as Chromium's DevTools and Lighthouse define it.
RTT_MS = 150
DOWN_BPS = 1.6e6
UP_BPS = 750e3
CPU_SLOWDOWN = 4
VIEWPORT = {"width": 390, "height": 844}

TARGET_FIRST_S = 8.0
TARGET_RETURN_S = 4.0
TARGET_FIRST_BYTES = 1.5e6
RUNS = 3
TIMEOUT_S = 90.0

PAGES = (
    ("residents' link /in-de-buurt?q=2060&lang=nl", "/in-de-buurt?q=2060&lang=nl", "results"),
    ("explore /?lang=nl", "/?lang=nl", "markers"),
)


@dataclass
class Visit:
    """One page load on the phone profile."""

    seconds: float | None
    bytes: int
    requests: int
    websocket_bytes: int
    error: str = ""


@dataclass
class Row:
    route: str
    page: str
    first: list[Visit] = field(default_factory=list)
    again: list[Visit] = field(default_factory=list)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _throttle(cdp: Any) -> None:
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": RTT_MS, "downloadThroughput": DOWN_BPS / 8, "uploadThroughput": UP_BPS / 8,
    })
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


def _results_shown(page: Any, kind: str, timeout_ms: float) -> None:
    if kind == "results":
        page.locator(RESULT_CARD).filter(has_text=RESULT_TEXT).first.wait_for(timeout=timeout_ms)
    else:
        page.frame_locator(MAP_IFRAME).locator(".marker-cluster").first.wait_for(state="visible", timeout=timeout_ms)


def visit(context: Any, url: str, kind: str) -> Visit:
    """Open ``url`` in a new tab of ``context`` on the phone profile; time it and count its bytes."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    sizes: dict[str, float] = {}
    websocket = [0]

    def on_frame(event: dict) -> None:
        payload = event["response"].get("payloadData", "")
        # Binary frames (Streamlit's protobuf) arrive base64-encoded.
        websocket[0] += len(payload) * 3 // 4 if event["response"].get("opcode") == 2 else len(payload)

    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.webSocketFrameReceived", on_frame)
    _throttle(cdp)
    started = time.perf_counter()
    try:
        page.goto(url, wait_until="commit", timeout=TIMEOUT_S * 1000)
        _results_shown(page, kind, TIMEOUT_S * 1000)
        seconds: float | None = time.perf_counter() - started
        error = ""
    except Exception as exc:  # a timeout is a measurement too  # noqa: BLE001
        seconds, error = None, type(exc).__name__
    page.wait_for_timeout(300)  # the last responses of the frame finish
    result = Visit(seconds, int(sum(sizes.values())), len(sizes), websocket[0], error)
    page.close()
    return result


def self_signed(root: Path) -> tuple[Path, Path] | None:
    """A throwaway certificate for 127.0.0.1 (openssl), or None without openssl."""
    if shutil.which("openssl") is None:
        return None
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def spki_hash(cert: Path) -> str:
    """base64(sha256(the certificate's public key)), by openssl: Chromium trusts the certificate
    with ``--ignore-certificate-errors-spki-list`` and then caches what it loads, as from a real
    one (with a certificate error it caches nothing, and every return visit would load it all)."""
    public = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], check=True,
                            capture_output=True, timeout=30).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public, check=True,
                         capture_output=True, timeout=30).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def measure(browser: Any, base: str, path: str, kind: str) -> tuple[Visit, Visit]:
    """A first visit (new context, empty cache) and a return visit (new tab, same context)."""
    context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True, device_scale_factor=3,
                                  service_workers="block")
    try:
        return visit(context, base + path, kind), visit(context, base + path, kind)
    finally:
        context.close()


def _warm(browser: Any, urls: list[str]) -> None:
    """One plain visit per app process: the first session after a start lays out the pages
    (without it a sub page's first visit shows Streamlit's notice, streamlit#9992)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        for url in urls:
            page = context.new_page()
            page.goto(url, timeout=120_000)
            page.locator("h1").first.wait_for(timeout=120_000)
            page.close()
    finally:
        context.close()


def part_phone(ctx: Context, runs: int = RUNS) -> list[Target]:
    section("8. Phone network: slow 4G (150 ms, 1.6 Mbit/s down, 750 kbit/s up), 4x CPU slowdown, 390x844")
    missing = [name for name, ok in (("chromium", chromium.chromium_available()), ("nginx", find_nginx() is not None))
               if not ok]
    if missing:
        print(f"skipped (no {' and no '.join(missing)})")
        return [Target("phone, residents' link through the proxy, 1st visit", f"skipped (no {', '.join(missing)})",
                       f"< {TARGET_FIRST_S:.0f} s", None)]
    geodata = os.environ.get("GEODATA_DIR", "")
    postcodes = bool(geodata) and (Path(geodata) / "antwerpen_postcodes_centroids.csv").is_file()
    if not postcodes:
        cache = PROJECT_DIR / ".geodata-cache"
        postcodes = (cache / "antwerpen_postcodes_centroids.csv").is_file()
    from playwright.sync_api import sync_playwright  # deferred: only when the browser parts run

    root = ctx.fx.root / "phone"
    root.mkdir()
    seed = root / "seed"
    shutil.copytree(PROJECT_DIR / "data", seed, ignore=shutil.ignore_patterns("*.sqlite3*"))
    env = {
        "DATABASE_URL": f"sqlite:///{root / 'store.sqlite3'}",
        "SEED_DIR": str(seed),
        "GEOCODER": "offline",
        "TILES_URL": "none",  # this machine is offline: tiles would only fail; their bytes are not counted
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    if geodata:
        env["GEODATA_DIR"] = geodata
    Store(env["DATABASE_URL"]).ensure_seeded(seed)
    servers = [start_server(f"phone-{n}", root / f"app-{n}.log", env, timeout=120) for n in (1, 2)]
    proxy = None
    proxies: list[Any] = []
    rows: list[Row] = []
    try:
        settings = load_settings(environ=env)
        proxy = start_proxy(proxy_config(root / "nginx", [s.port for s in servers], settings=settings))
        assert wait_healthy(proxy.url, proxy.process, 30), proxy.error_log()
        routes = [("through the proxy", proxy.url)]
        certificate = self_signed(root)
        trust: list[str] = []
        if certificate:
            trust = [f"--ignore-certificate-errors-spki-list={spki_hash(certificate[0])}"]
            tls = dict(env, TLS_CERTIFICATE=str(certificate[0]), TLS_CERTIFICATE_KEY=str(certificate[1]))
            secure = start_proxy(proxy_config(root / "nginx-tls", [s.port for s in servers],
                                              settings=load_settings(environ=tls)))
            proxies.append(secure)
            routes.append(("through the proxy, HTTPS", secure.url))
        routes.append(("straight to Streamlit", servers[0].url))
        with sync_playwright() as playwright:
            browser = chromium.launch(playwright, extra_args=trust)
            try:
                _warm(browser, [s.url + "/" for s in servers] + [s.url + PAGES[0][1] for s in servers])
                for route, base in routes:
                    for label, path, kind in PAGES:
                        log(f"phone: {label}, {route}")
                        row = Row(route, label)
                        for _ in range(runs):
                            first, again = measure(browser, base, path, kind)
                            row.first.append(first)
                            row.again.append(again)
                        rows.append(row)
            finally:
                browser.close()
    finally:
        for running in [proxy, *proxies]:
            if running is not None:
                stop_proxy(running)
        for server in servers:
            stop_server(server)
    print_rows(rows, postcodes, runs)
    return targets(rows, postcodes)


def _summary(visits: list[Visit]) -> tuple[float | None, float | None, int | None, int]:
    times = [v.seconds for v in visits if v.seconds is not None]
    return (
        _median(times),
        max(times) if times else None,
        int(statistics.median([v.bytes for v in visits])) if visits else None,
        sum(1 for v in visits if v.seconds is None),
    )


def print_rows(rows: list[Row], postcodes: bool, runs: int) -> None:
    out = []
    for row in rows:
        first_s, first_max, first_bytes, first_failed = _summary(row.first)
        again_s, _again_max, again_bytes, again_failed = _summary(row.again)
        requests = int(statistics.median([v.requests for v in row.first])) if row.first else 0
        ws = int(statistics.median([v.websocket_bytes for v in row.first])) if row.first else 0
        note = ""
        if "2060" in row.page and not postcodes:
            note = "no postcode points (set GEODATA_DIR): 2060 finds no place"
        if first_failed or again_failed:
            note = (note + "; " if note else "") + f"{first_failed + again_failed} visits timed out ({TIMEOUT_S:.0f} s)"
        out.append([
            row.page, row.route, fmt_s(first_s), fmt_s(first_max), fmt_bytes(first_bytes), str(requests), fmt_bytes(ws),
            fmt_s(again_s), fmt_bytes(again_bytes), note,
        ])
    print(table(["page", "route", "1st visit", "slowest", "bytes", "requests", "websocket", "return visit", "bytes",
                 "note"], out, left=2))
    print("The real seed data (data/); the address search is offline (the gazetteer of GEODATA_DIR's postcode points).")
    print(f"Medians of {runs} visits. 1st visit: a new browser context (empty cache); return visit: a new tab of")
    print("that context. Time: page.goto until the results show (residents: a result card with walking minutes;")
    print("explore: marker clusters in the map's frame). Bytes: encodedDataLength of every HTTP response; the")
    print("websocket's messages (the page's content, the map's script) apart, uncompressed (they travel")
    print("deflated). Tiles are off (an offline machine): on a phone each map view also loads its tiles.")
    print("HTTPS: the same proxy with a throwaway certificate Chromium is told to trust, so HTTP/2 (one")
    print("connection for all requests) and the usual caching;")
    print("a real host serves HTTPS (geolocation needs it), plain HTTP is what make serve gives on this machine.")


def targets(rows: list[Row], postcodes: bool) -> list[Target]:
    found = []
    checks: list[tuple[str, Callable[[Row], list[Visit]], str, Callable[[float], bool], str]] = [
        ("1st visit", lambda r: r.first, "time", lambda v: v <= TARGET_FIRST_S, f"<= {TARGET_FIRST_S:.0f} s"),
        ("1st visit", lambda r: r.first, "bytes", lambda v: v <= TARGET_FIRST_BYTES, f"<= {fmt_bytes(TARGET_FIRST_BYTES)}"),
        ("return visit", lambda r: r.again, "time", lambda v: v <= TARGET_RETURN_S, f"<= {TARGET_RETURN_S:.0f} s"),
    ]
    for row in rows:
        if not row.route.startswith("through the proxy"):
            continue
        name = ("residents' link " if "2060" in row.page else "explore page ") + row.route
        for label, visits_of, what, ok, target in checks:
            visits = visits_of(row)
            what_label = f"phone, {name}, {label}, {'results' if what == 'time' else 'bytes'}"
            if "2060" in row.page and not postcodes and what == "time":
                found.append(Target(what_label, "no postcode points (GEODATA_DIR)", target, None))
                continue
            if what == "time":
                value = _median([v.seconds for v in visits if v.seconds is not None])
                failed = any(v.seconds is None for v in visits)
                measured = fmt_s(value) + (" (some timed out)" if failed else "")
                found.append(Target(what_label, measured, target, value is not None and not failed and ok(value)))
            else:
                size = statistics.median([v.bytes for v in visits]) if visits else None
                found.append(Target(what_label, fmt_bytes(size), target, size is not None and ok(size)))
    return found


PART = Part("phone", part_phone, quick=False)
