"""The nginx configuration in front of the app processes: rendered from ``deploy/nginx.conf.j2``.

Pure functions, no process is started here (``deploy.nginx`` starts nginx for the tests and the
benchmark, ``deploy.serve`` for ``make serve``):

- :func:`content_security_policy`: the three policies (the app's page, the map's frame, other
  component frames), each source with the reason it is needed;
- :func:`find_nginx`, :func:`nginx_modules`: Debian's nginx and its brotli module, when installed;
- :class:`ProxyConfig` and :func:`render`: the whole ``nginx.conf`` for a list of app ports.
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import importlib.util
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from solidarity.settings import PROJECT_DIR, Settings

DEPLOY_DIR = Path(__file__).resolve().parent
TEMPLATE = "nginx.conf.j2"
#: Streamlit's frontend files (found without importing Streamlit: that takes a second).
STREAMLIT_STATIC = Path(importlib.util.find_spec("streamlit").origin).resolve().parent / "static"  # type: ignore[arg-type, union-attr]
STREAMLIT_CONFIG = PROJECT_DIR / ".streamlit" / "config.toml"

#: The cookie that keeps a browser on one app process (see the template).
STICKY_COOKIE = "sm_backend"

#: Debian's dynamic modules for brotli (package libnginx-mod-http-brotli-filter).
BROTLI_MODULES = ("ngx_http_brotli_filter_module.so",)

#: What nginx compresses (text/html always). Fonts (woff2) and PNG are compressed already.
COMPRESSIBLE_TYPES = (
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/plain",
    "text/xml",
    "application/xml",
)

#: Streamlit's own font names: a theme that names none of them first needs no Source Sans.
STREAMLIT_FONT_KEYWORDS = ("sans serif", "sans-serif", "serif", "monospace", "source sans")

#: Host names in a CSP source: letters, digits, dots, dashes, an optional leading wildcard label.
_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


# --------------------------------------------------------------------------------------------
# Content-Security-Policy


def tile_source(tiles_url: str) -> str | None:
    """The CSP source of a Leaflet tile URL template, or None (no tiles, or not http(s)).

    ``https://tile.openstreetmap.org/{z}/{x}/{y}.png`` -> ``https://tile.openstreetmap.org``;
    a subdomain placeholder becomes a wildcard: ``https://{s}.tile.example.org/...`` ->
    ``https://*.tile.example.org``.
    """
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host, _, port = parts.netloc.rpartition(":") if re.search(r":\d+$", parts.netloc) else (parts.netloc, "", "")
    labels = host.lower().split(".")
    labels = ["*" if "{" in label else label for label in labels]
    if "*" in labels[1:]:
        return None  # a placeholder further right cannot be said in CSP
    host = ".".join(labels)
    if not _HOST.match(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


_ORIGIN = re.compile(r"^(?:(?P<scheme>https?)://)?(?P<host>(?:\*\.)?[a-z0-9.-]+)(?P<port>:\d{1,5})?/?$")


def source_list(value: str) -> list[str]:
    """Extra CSP sources from a setting: origins separated by spaces or commas, checked one by one.

    Accepts ``https://host``, ``https://*.host``, ``host[:port]`` and ``'self'``/``'none'``;
    anything else (quotes, semicolons, paths, schemes like ``data:``) raises ``ValueError``
    rather than end up in a header.
    """
    sources = []
    for token in re.split(r"[\s,]+", value.strip()):
        if not token:
            continue
        if token in ("'self'", "'none'"):
            sources.append(token)
            continue
        match = _ORIGIN.match(token.lower())
        if not match or not _HOST.match(match.group("host")) or "." not in match.group("host").lstrip("*."):
            raise ValueError(f"not an origin for a Content-Security-Policy: {token!r}")
        scheme = f"{match.group('scheme')}://" if match.group("scheme") else ""
        sources.append(f"{scheme}{match.group('host')}{match.group('port') or ''}")
    return sources


class _InlineScripts(html.parser.HTMLParser):
    """Collects the text of every ``<script>`` without ``src``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not dict(attrs).get("src"):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_script_hashes(index_html: str) -> list[str]:
    """CSP hash sources (``'sha256-...'``) of the inline scripts of an HTML document."""
    parser = _InlineScripts()
    parser.feed(index_html)
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
        for script in parser.scripts
        if script.strip()
    ]


def streamlit_index_html() -> str:
    """The ``index.html`` Streamlit serves for every page of the app."""
    return (STREAMLIT_STATIC / "index.html").read_text(encoding="utf-8")


def content_security_policy(
    kind: str, tiles_url: str = "", frame_ancestors: str = "", index_html: str | None = None
) -> str:
    """The Content-Security-Policy of the app's page (``kind="app"``), of the map's frame
    (``"map"``: streamlit-folium) or of another component's frame (``"component"``: the location
    helper, streamlit-js-eval).

    Measured on Streamlit 1.67, streamlit-folium 0.27 and streamlit-js-eval 1.0 in Chromium (the
    browser test tests/browser/test_proxy.py fails on any violation, and on a map or a location
    that no longer works: a blocked eval() inside a component frame reports nothing); each
    source says why.
    """
    if kind not in ("app", "map", "component"):
        raise ValueError(f"unknown policy {kind!r}")
    ancestors = ["'self'", *[s for s in source_list(frame_ancestors) if s not in ("'self'", "'none'")]]
    tiles = tile_source(tiles_url)
    if kind == "app":
        hashes = inline_script_hashes(streamlit_index_html() if index_html is None else index_html)
        directives = {
            # Everything else comes from the app itself: pages, fonts, the manifest, the
            # websocket (CSP level 3 counts ws:/wss: to the same host as 'self').
            "default-src": ["'self'"],
            # Streamlit's own bundle, and the one inline script of its index.html by hash.
            # 'wasm-unsafe-eval' (WebAssembly only, not JavaScript eval): the long.js of
            # Streamlit's protobuf decoder compiles a tiny WebAssembly module for 64-bit numbers.
            "script-src": ["'self'", *hashes, "'wasm-unsafe-eval'"],
            # Streamlit styles every element through emotion (<style> elements it writes at run
            # time, no nonce support) and the app adds its CSS with st.html: inline styles.
            "style-src": ["'self'", "'unsafe-inline'"],
            # Streamlit draws some images (the favicon, icons of st.* elements) as data: URLs.
            "img-src": ["'self'", "data:"],
            # Streamlit's style sheet embeds one (KaTeX) font as a data: URL, which Chromium
            # checks as soon as the sheet loads; every other font is the app's own.
            "font-src": ["'self'", "data:"],
            # The component frames (map, location helper) are pages of the app itself.
            "frame-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ancestors,
        }
    else:
        directives = {
            "default-src": ["'self'"],
            # streamlit-folium adds the map's script as an inline <script> (its data passed
            # safety.esc() first); it calls eval() only for feature_group_to_add and layer
            # controls, which the app does not use. streamlit-js-eval is one inline script that
            # runs the code it is sent (the geolocation call) with eval().
            "script-src": ["'self'", "'unsafe-inline'", *(["'unsafe-eval'"] if kind == "component" else [])],
            # folium writes <style> blocks and style attributes (marker icons, popups).
            "style-src": ["'self'", "'unsafe-inline'"],
            # Leaflet's and the cluster plugin's images, and the background tiles.
            "img-src": ["'self'", "data:", *([tiles] if tiles else [])],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            # Only the app frames its components.
            "frame-ancestors": ["'self'"],
        }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


# --------------------------------------------------------------------------------------------
# nginx on this machine


def find_nginx() -> Path | None:
    """Debian's nginx binary (``/usr/sbin/nginx``), or None when it is not installed."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/sbin")
    return Path(found) if found else None


def nginx_modules_dir(nginx: Path) -> Path:
    """Where this nginx keeps its dynamic modules (``--modules-path`` of ``nginx -V``)."""
    out = subprocess.run([str(nginx), "-V"], capture_output=True, text=True, timeout=20, check=False)
    match = re.search(r"--modules-path=(\S+)", out.stderr + out.stdout)
    return Path(match.group(1)) if match else Path("/usr/lib/nginx/modules")


def nginx_modules(nginx: Path | None) -> list[Path]:
    """The brotli filter module when installed (Debian: libnginx-mod-http-brotli-filter), else []."""
    if nginx is None:
        return []
    directory = nginx_modules_dir(nginx)
    found = [directory / name for name in BROTLI_MODULES]
    return found if all(path.is_file() for path in found) else []


def theme_uses_streamlit_font(config_path: Path = STREAMLIT_CONFIG) -> bool:
    """True when ``[theme] font`` of the app's Streamlit config starts with Streamlit's own font
    (or is not set): then the Source Sans preload of index.html is used and stays."""
    try:
        theme = tomllib.loads(config_path.read_text(encoding="utf-8")).get("theme", {})
    except (OSError, tomllib.TOMLDecodeError):
        return True
    first = str(theme.get("font", "")).split(",")[0].strip().strip("'\"").lower()
    return not first or first in STREAMLIT_FONT_KEYWORDS


# --------------------------------------------------------------------------------------------
# The configuration


@dataclass(frozen=True)
class Upstream:
    """One app process."""

    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class FontOverride:
    """A font file nginx serves in place of Streamlit's file at the same URL."""

    name: str
    url: str
    path: Path


@dataclass(frozen=True)
class ProxyConfig:
    """Everything the template needs; :meth:`from_settings` fills it from the app's settings."""

    upstreams: tuple[Upstream, ...]
    listen_port: int
    prefix: Path
    listen_address: str = "127.0.0.1"
    tiles_url: str = ""
    frame_ancestors: str = ""
    tls_certificate: str = ""
    tls_certificate_key: str = ""
    http_port: int = 0
    acme_webroot: str = ""
    server_name: str = "_"
    worker_processes: str = "auto"
    worker_user: str | None = None
    modules: tuple[Path, ...] = ()
    font_overrides: tuple[FontOverride, ...] = ()
    drop_font_preload: bool = field(default_factory=lambda: not theme_uses_streamlit_font())
    fail_timeout: str = "10s"
    error_log_level: str = "warn"

    @classmethod
    def from_settings(
        cls, settings: Settings, ports: Sequence[int], prefix: Path, listen_port: int | None = None, **kwargs: object
    ) -> ProxyConfig:
        """The proxy for app processes on ``127.0.0.1:<ports>``, configured by ``settings``."""
        return cls(
            upstreams=tuple(Upstream("127.0.0.1", port) for port in ports),
            listen_port=int(settings.SERVE_PORT if listen_port is None else listen_port),
            prefix=prefix,
            listen_address=settings.SERVE_ADDRESS,
            tiles_url=settings.TILES_URL,
            frame_ancestors=settings.FRAME_ANCESTORS,
            tls_certificate=settings.TLS_CERTIFICATE,
            tls_certificate_key=settings.TLS_CERTIFICATE_KEY,
            http_port=int(settings.SERVE_HTTP_PORT),
            acme_webroot=settings.ACME_WEBROOT,
            **kwargs,  # type: ignore[arg-type]
        )

    @property
    def tls(self) -> bool:
        return bool(self.tls_certificate and self.tls_certificate_key)

    def check(self) -> None:
        """Raise ``ValueError`` with a clear message for a configuration nginx would refuse."""
        if not self.upstreams:
            raise ValueError("at least one app process is needed")
        if bool(self.tls_certificate) != bool(self.tls_certificate_key):
            raise ValueError("TLS needs both TLS_CERTIFICATE and TLS_CERTIFICATE_KEY")
        for path in (self.tls_certificate, self.tls_certificate_key):
            if path and not Path(path).is_file():
                raise ValueError(f"TLS file not found: {path}")
        if self.http_port and not self.tls:
            raise ValueError("SERVE_HTTP_PORT redirects to HTTPS: set TLS_CERTIFICATE and TLS_CERTIFICATE_KEY too")
        if self.http_port and self.http_port == self.listen_port:
            raise ValueError("SERVE_HTTP_PORT and SERVE_PORT must differ")
        if not re.fullmatch(r"[0-9a-fA-F.:]+|localhost|\*", self.listen_address):
            raise ValueError(f"SERVE_ADDRESS must be an IP address: {self.listen_address!r}")
        if not re.fullmatch(r"[A-Za-z0-9._*-]+", self.server_name):
            raise ValueError(f"not a server name: {self.server_name!r}")
        source_list(self.frame_ancestors)

    def template_values(self) -> dict[str, object]:
        self.check()
        return {
            "upstreams": self.upstreams,
            "listen_port": self.listen_port,
            "listen_address": self.listen_address,
            "prefix": _nginx_path(self.prefix),
            "modules": [_nginx_path(m) for m in self.modules],
            "brotli": bool(self.modules),
            "worker_user": self.worker_user,
            "worker_processes": self.worker_processes,
            "error_log_level": self.error_log_level,
            "compressible_types": " ".join(COMPRESSIBLE_TYPES),
            "cookie": STICKY_COOKIE,
            "csp_app": content_security_policy("app", self.tiles_url, self.frame_ancestors),
            "csp_map": content_security_policy("map", self.tiles_url, self.frame_ancestors),
            "csp_component": content_security_policy("component", self.tiles_url, self.frame_ancestors),
            "tls": self.tls,
            "tls_certificate": _nginx_path(Path(self.tls_certificate)) if self.tls else "",
            "tls_certificate_key": _nginx_path(Path(self.tls_certificate_key)) if self.tls else "",
            "http_port": self.http_port,
            "acme_webroot": _nginx_path(Path(self.acme_webroot or self.prefix / "acme")),
            "server_name": self.server_name,
            "font_overrides": [
                FontOverride(f.name, f.url, Path(_nginx_path(f.path))) for f in self.font_overrides
            ],
            "drop_font_preload": self.drop_font_preload,
            "fail_timeout": self.fail_timeout,
        }


def _nginx_path(path: Path) -> str:
    """An absolute path nginx can read unquoted (no spaces, quotes, semicolons or braces)."""
    text = str(Path(path).resolve())
    if re.search(r"[\s;'\"{}$#]", text):
        raise ValueError(f"nginx cannot use this path: {text!r} (no spaces, quotes, ;, braces, $ or #)")
    return text


def render(config: ProxyConfig) -> str:
    """The complete ``nginx.conf`` for ``config``."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DEPLOY_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - nginx configuration, not HTML; every value is checked above
    )
    return environment.get_template(TEMPLATE).render(**config.template_values())


def write(config: ProxyConfig) -> Path:
    """Render ``config`` into ``<prefix>/nginx.conf`` with the log and temp folders; return its path."""
    prefix = config.prefix
    for sub in ("logs", "temp", "acme"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    target = prefix / "nginx.conf"
    partial = target.with_name(f"nginx.conf.{os.getpid()}.partial")
    partial.write_text(render(config), encoding="utf-8")
    os.replace(partial, target)
    return target
