"""Map assets served locally: copy them from ``node_modules`` and point folium at them.

folium loads Leaflet and its plugins from public CDNs; inside ``st_folium`` one JS link that
fails aborts the whole map (TECH_NOTES section 1). ``make assets`` installs the exact versions
folium 0.20.0 uses from the npm registry (``package.json``) and ``python -m solidarity.assets``
copies the files the app needs into ``static/vendor/``, which Streamlit serves at
``/app/static/vendor/``. At app start :func:`use_local_assets` rewrites folium's asset links to
those files; when they are missing the CDN links stay, so the map still works online.

The map's frame loads its scripts one after another (each waits for the one before), so the
scripts are also joined, in that order, into one file (:data:`BUNDLE`): one request instead
of six. The style sheets load side by side and stay separate files.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import shutil
import sys
from pathlib import Path

import folium
import folium.plugins

from solidarity.settings import PROJECT_DIR

log = logging.getLogger(__name__)

NODE_MODULES = PROJECT_DIR / "node_modules"
VENDOR_DIR = PROJECT_DIR / "static" / "vendor"
URL_PREFIX = "app/static/vendor"

#: folium asset name -> file under ``static/vendor/`` (relative to the npm package root).
LOCAL_FILES: dict[str, str] = {
    "leaflet": "leaflet/dist/leaflet.js",
    "leaflet_css": "leaflet/dist/leaflet.css",
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap_css": "bootstrap/dist/css/bootstrap.min.css",
    "awesome_markers": "drmonty-leaflet-awesome-markers/js/leaflet.awesome-markers.min.js",
    "awesome_markers_css": "drmonty-leaflet-awesome-markers/css/leaflet.awesome-markers.css",
    "awesome_markers_font_css": "@fortawesome/fontawesome-free/css/all.min.css",
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "Control_locate_min_js": "leaflet.locatecontrol/dist/L.Control.Locate.min.js",
    "Control_locate_min_css": "leaflet.locatecontrol/dist/L.Control.Locate.min.css",
    # Written by this module: sets Leaflet's default marker image path to the local copy.
    "leaflet_image_path": "leaflet-image-path.js",
}

#: The scripts joined into :data:`BUNDLE`, in the order they must run (folium's order).
BUNDLED_JS: tuple[str, ...] = (
    "leaflet",
    "leaflet_image_path",
    "jquery",
    "markerclusterjs",
    "Control.Fullscreen.js",
    "Control_locate_min_js",
)
BUNDLE = "solidarity-map.js"

#: Whole folders copied besides the files above (images and fonts the CSS refers to).
LOCAL_DIRS: tuple[str, ...] = (
    "leaflet/dist/images",
    "drmonty-leaflet-awesome-markers/css/images",
    "@fortawesome/fontawesome-free/webfonts",
    "leaflet.fullscreen",
)

#: Assets folium adds to every map that this app never uses (Bootstrap, awesome-markers,
#: glyphicons: the app draws its own pins): dropped, so the map frame loads fewer files one
#: after another and nothing is fetched from a third party for them. jQuery stays: folium's
#: popups use it.
UNUSED_JS = frozenset({"bootstrap", "awesome_markers"})
UNUSED_CSS = frozenset({"glyphicons_css", "awesome_rotate_css", "bootstrap_css", "awesome_markers_css"})

#: The classes whose ``default_js``/``default_css`` are rewritten.
ASSET_CLASSES = (
    folium.Map,
    folium.plugins.MarkerCluster,
    folium.plugins.FastMarkerCluster,
    folium.plugins.Fullscreen,
    folium.plugins.LocateControl,
)

_CDN_DEFAULTS = {cls: (list(cls.default_js), list(cls.default_css)) for cls in ASSET_CLASSES}


def install(node_modules: Path = NODE_MODULES, vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Copy the needed files from ``node_modules`` into ``vendor_dir``; return what is missing."""
    missing = []
    for name, rel in LOCAL_FILES.items():
        if name == "leaflet_image_path":
            continue
        source = node_modules / rel
        if not source.is_file():
            missing.append(rel)
            continue
        target = vendor_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for rel in LOCAL_DIRS:
        source = node_modules / rel
        if source.is_dir():
            shutil.copytree(source, vendor_dir / rel, dirs_exist_ok=True)
        else:
            missing.append(rel + "/")
    script = vendor_dir / LOCAL_FILES["leaflet_image_path"]
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(
        "/* Written by solidarity.assets: Leaflet's default marker images from the local copy. */\n"
        f'if (window.L && L.Icon && L.Icon.Default) {{ L.Icon.Default.imagePath = "/{URL_PREFIX}/leaflet/dist/images/"; }}\n',
        encoding="utf-8",
    )
    if not missing:
        write_bundle(vendor_dir)
    return missing


def write_bundle(vendor_dir: Path = VENDOR_DIR) -> Path:
    """Join the scripts of :data:`BUNDLED_JS` (already in ``vendor_dir``) into :data:`BUNDLE`.

    Each file keeps its licence header. The whole runs once per page even when it is linked
    twice (folium's full-page render links it per asset name), and is written atomically.
    """
    parts = ["/* Written by solidarity.assets from the npm packages in package.json. */", "if (!window.__solidarityMap) {"]
    parts.append("window.__solidarityMap = true;")
    for name in BUNDLED_JS:
        text = (vendor_dir / LOCAL_FILES[name]).read_text(encoding="utf-8")
        # Source map comments would point next to the bundle, where there is no map file.
        lines = [line for line in text.splitlines() if not line.startswith("//# sourceMappingURL=")]
        parts.append(f"/* --- {LOCAL_FILES[name]} --- */")
        parts.append("\n".join(lines))
        parts.append(";")  # a file that ends without a semicolon must not run into the next
    parts.append("}")
    target = vendor_dir / BUNDLE
    partial = target.with_suffix(".js.partial")
    partial.write_text("\n".join(parts) + "\n", encoding="utf-8")
    partial.replace(target)
    return target


def local_assets_present(vendor_dir: Path = VENDOR_DIR) -> bool:
    """True when every file the map needs is in ``vendor_dir``."""
    return all((vendor_dir / rel).is_file() for rel in (*LOCAL_FILES.values(), BUNDLE))


@functools.lru_cache(maxsize=64)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def versioned(vendor_dir: Path, rel: str, url_prefix: str) -> str:
    """The URL of a local asset with ``?v=<content hash>``: a proxy may let browsers keep it for a
    year (deploy/nginx.conf.j2), and a new version of the file gets a new URL."""
    path = vendor_dir / rel
    stat = path.stat()
    return f"{url_prefix}/{rel}?v={_digest(path, stat.st_mtime_ns, stat.st_size)}"


def use_local_assets(vendor_dir: Path = VENDOR_DIR, url_prefix: str = "/" + URL_PREFIX) -> bool:
    """Point folium's asset links at the local copies; keep the CDN links when they are missing.

    Returns True when the local assets are used. Safe to call on every script run.
    """
    local = local_assets_present(vendor_dir)
    for cls, (cdn_js, cdn_css) in _CDN_DEFAULTS.items():
        css = [(name, url) for name, url in cdn_css if name not in UNUSED_CSS]
        cdn_js = [(name, url) for name, url in cdn_js if name not in UNUSED_JS]
        if not local:
            cls.default_js, cls.default_css = cdn_js, css
            continue
        # The map links the bundle in place of leaflet.js; the plugins' scripts are in it.
        js = [(name, versioned(vendor_dir, LOCAL_FILES[name], url_prefix)) for name, _ in cdn_js if name not in BUNDLED_JS]
        if cls is folium.Map:
            js.insert(0, ("leaflet", versioned(vendor_dir, BUNDLE, url_prefix)))
        cls.default_js = js
        cls.default_css = [(name, versioned(vendor_dir, LOCAL_FILES[name], url_prefix)) for name, _ in css]
    if not local:
        log.warning("Map assets not found in %s: using the CDN (run `make assets`).", vendor_dir)
    return local


if __name__ == "__main__":
    gaps = install()
    if gaps:
        print("assets: missing in node_modules (run `npm ci`):", ", ".join(gaps), file=sys.stderr)
        sys.exit(1)
    print(f"assets: map assets copied to {VENDOR_DIR.relative_to(PROJECT_DIR)}/")
